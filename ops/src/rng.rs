//! Philox 4x32-10, a counter-based random number generator (Salmon et al., SC 2011).
//!
//! Element `i` of a random tensor depends only on the key (seed), the stream, and the block
//! counter `offset + i / 4`, never on the order of evaluation: the CPU backend (with any number
//! of threads) and the CUDA backend produce the same numbers for the same seed.

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// One Philox 4x32-10 block: 4 random words from a 128-bit counter and a 64-bit key.
#[inline]
pub fn philox4x32_10(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            key[0] = key[0].wrapping_add(W0);
            key[1] = key[1].wrapping_add(W1);
        }
        let p0 = (M0 as u64) * (ctr[0] as u64);
        let p1 = (M1 as u64) * (ctr[2] as u64);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        ctr = [hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0];
    }
    ctr
}

/// Where a random tensor's numbers come from: key, stream and first block.
///
/// Backends receive this by value and compute element `i` from block `offset + i / 4`, word
/// `i % 4`, so any backend can generate any slice of the tensor independently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhiloxState {
    /// The 64-bit key (the seed).
    pub key: [u32; 2],
    /// Independent stream id (counter words 2 and 3).
    pub stream: u64,
    /// First block counter (counter words 0 and 1).
    pub offset: u64,
}

impl PhiloxState {
    /// The four random words of block `block` (relative to `offset`).
    #[inline]
    pub fn block(&self, block: u64) -> [u32; 4] {
        let c = self.offset.wrapping_add(block);
        philox4x32_10([c as u32, (c >> 32) as u32, self.stream as u32, (self.stream >> 32) as u32], self.key)
    }
}

/// Uniform in the open interval (0, 1) from one random word, in f32 precision (23 bits:
/// `k + 0.5` is exact in f32 for `k < 2^23`, whereas with 24 bits the top values round up
/// to exactly 1).
#[inline(always)]
pub fn unit_f32(x: u32) -> f32 {
    ((x >> 9) as f32 + 0.5) * (1.0 / 8_388_608.0)
}

/// Uniform in the open interval (0, 1) from one random word, in f64 (32 bits).
#[inline(always)]
pub fn unit_f64(x: u32) -> f64 {
    (x as f64 + 0.5) * (1.0 / 4_294_967_296.0)
}

/// Box-Muller: two standard normals from two random words.
#[inline(always)]
pub fn box_muller(a: u32, b: u32) -> (f64, f64) {
    let r = (-2.0 * unit_f64(a).ln()).sqrt();
    let (s, c) = (std::f64::consts::TAU * unit_f64(b)).sin_cos();
    (r * c, r * s)
}

/// A seeded generator: hands out [`PhiloxState`]s for tensors, and scalars for samplers.
///
/// ```
/// use weft_ops::rng::Philox;
/// let mut a = Philox::new(42);
/// let mut b = Philox::new(42);
/// assert_eq!(a.next_u32(), b.next_u32());
/// let x: f64 = a.normal();
/// assert!(x.is_finite());
/// ```
#[derive(Debug, Clone)]
pub struct Philox {
    state: PhiloxState,
    buf: [u32; 4],
    used: usize,
    spare_normal: Option<f64>,
}

impl Philox {
    /// A generator for `seed`, stream 0.
    pub fn new(seed: u64) -> Self {
        Self::with_stream(seed, 0)
    }

    /// A generator for `seed` on an independent `stream` (one per chain, per worker, ...).
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        Philox {
            state: PhiloxState { key: [seed as u32, (seed >> 32) as u32], stream, offset: 0 },
            buf: [0; 4],
            used: 4,
            spare_normal: None,
        }
    }

    /// A new independent generator derived from this one (same key, a fresh stream id).
    pub fn fork(&mut self) -> Philox {
        let s = self.next_u64();
        Philox::with_stream((self.state.key[0] as u64) | ((self.state.key[1] as u64) << 32), s | 1 << 63)
    }

    /// Reserves `n` elements' worth of blocks and returns the state that generates them.
    pub fn take(&mut self, n: usize) -> PhiloxState {
        let st = self.state;
        self.state.offset = self.state.offset.wrapping_add(n.div_ceil(4) as u64);
        st
    }

    /// Next random word.
    pub fn next_u32(&mut self) -> u32 {
        if self.used == 4 {
            self.buf = self.state.block(0);
            self.state.offset = self.state.offset.wrapping_add(1);
            self.used = 0;
        }
        self.used += 1;
        self.buf[self.used - 1]
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        (self.next_u32() as u64) | ((self.next_u32() as u64) << 32)
    }

    /// Uniform in (0, 1) with 53 bits.
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let (a, b) = box_muller(self.next_u32(), self.next_u32());
        self.spare_normal = Some(b);
        a
    }

    /// Fills `out` with standard normals.
    pub fn fill_normal(&mut self, out: &mut [f64]) {
        for x in out {
            *x = self.normal();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_vectors() {
        // Random123 known-answer tests for philox4x32-10.
        assert_eq!(philox4x32_10([0; 4], [0; 2]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
    }

    #[test]
    fn streams_differ_and_seeds_repeat() {
        let a: Vec<u32> = (0..8).map(|_| Philox::with_stream(1, 0).next_u32()).collect();
        assert!(a.iter().all(|&x| x == a[0]));
        let mut s0 = Philox::with_stream(1, 0);
        let mut s1 = Philox::with_stream(1, 1);
        assert_ne!(s0.next_u64(), s1.next_u64());
    }

    #[test]
    fn normal_moments() {
        let mut g = Philox::new(7);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| g.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // 5 standard errors.
        assert!(mean.abs() < 5.0 / (n as f64).sqrt(), "mean {mean}");
        assert!((var - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(), "var {var}");
    }

    #[test]
    fn below_is_in_range() {
        let mut g = Philox::new(3);
        for _ in 0..1000 {
            assert!(g.below(7) < 7);
        }
    }
}
