//! Shared helpers of the CPU backend integration tests: a tiny deterministic generator, random
//! strided views (transposed, permuted, narrowed, offset, broadcast), naive index arithmetic
//! straight from shape and strides, and tolerance-aware comparisons.
//!
//! Nothing here goes through the backend or the layout iteration helpers of `weft-ops`: the
//! references read element `idx` at `offset + sum(idx[d] * strides[d])`, computed by hand.

#![allow(dead_code)]

use proptest::prelude::*;
use weft_ops::{DType, Element, Layout};

/// SplitMix64: a small, seedable generator for test data (independent of the Philox under test).
#[derive(Debug, Clone)]
pub struct DataRng(u64);

impl DataRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        DataRng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform integer in `0..n` (`n > 0`; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }
    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
    /// A random permutation of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            p.swap(i, self.below(i + 1));
        }
        p
    }
}

/// How test values are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Uniform in `[-4, 4)`.
    Continuous,
    /// Integers in `-2..=2`: exact zeros and many ties (argmax, comparisons, sign, step).
    Discrete,
}

impl Values {
    /// Picks a mode at random (continuous three times out of four).
    pub fn pick(rng: &mut DataRng) -> Self {
        if rng.below(4) == 0 {
            Values::Discrete
        } else {
            Values::Continuous
        }
    }
    /// One value.
    pub fn draw(self, rng: &mut DataRng) -> f64 {
        match self {
            Values::Continuous => rng.uniform(-4.0, 4.0),
            Values::Discrete => rng.below(5) as f64 - 2.0,
        }
    }
}

/// Number of elements of `shape`.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major multi-index of flat position `i` in `shape`.
pub fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        idx[d] = i % shape[d];
        i /= shape[d];
    }
    idx
}

/// Row-major flat position of `idx` in `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// Buffer offset of element `idx` of the view `l`, from shape and strides by hand.
pub fn offset_of(l: &Layout, idx: &[usize]) -> usize {
    assert_eq!(idx.len(), l.rank());
    l.offset() + idx.iter().zip(l.strides()).map(|(&i, &s)| i * s).sum::<usize>()
}

/// The elements of the view `l` of `buf`, row-major, as f64 (naive).
pub fn logical<T: Element>(buf: &[T], l: &Layout) -> Vec<f64> {
    (0..l.numel()).map(|i| buf[offset_of(l, &unravel(i, l.shape()))].f64()).collect()
}

/// A strided view: a buffer and a layout into it.
#[derive(Debug, Clone)]
pub struct View<T> {
    /// The buffer (slots outside the view hold NaN, so stray reads show up).
    pub buf: Vec<T>,
    /// The layout of the view.
    pub layout: Layout,
}

impl<T: Element> View<T> {
    /// The logical elements, row-major, as f64.
    pub fn values(&self) -> Vec<f64> {
        logical(&self.buf, &self.layout)
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }
}

/// A random layout of `shape` and the buffer length it needs: sometimes contiguous, otherwise
/// a permutation of a padded buffer, narrowed back to `shape` (non-zero offsets, gaps),
/// with a random leading offset and, if `broadcast`, stride-0 axes and dropped leading axes.
pub fn random_layout(shape: &[usize], rng: &mut DataRng, broadcast: bool) -> (Layout, usize) {
    if rng.below(4) == 0 {
        return (Layout::contiguous(shape), numel(shape));
    }
    let rank = shape.len();
    // Leading axes that are broadcast in from nothing.
    let lead = if broadcast && rank > 0 && rng.below(3) == 0 { rng.below(rank + 1) } else { 0 };
    let inner = &shape[lead..];
    let r = inner.len();
    let bcast: Vec<bool> = (0..r).map(|_| broadcast && rng.below(4) == 0).collect();
    let pad: Vec<usize> = (0..r).map(|_| if rng.coin() { rng.below(3) } else { 0 }).collect();
    let start: Vec<usize> = pad.iter().map(|&p| rng.below(p + 1)).collect();
    let perm = if rng.coin() { rng.permutation(r) } else { (0..r).collect() };
    let padded: Vec<usize> = (0..r).map(|i| if bcast[i] { 1 } else { inner[i] + pad[i] }).collect();
    // Storage shape b with b[perm[i]] = padded[i], so that permuting it gives `padded`.
    let mut base = vec![0; r];
    for i in 0..r {
        base[perm[i]] = padded[i];
    }
    let off0 = rng.below(3);
    let tail = rng.below(3);
    let c = Layout::contiguous(&base);
    let mut l = Layout::from_parts(c.shape().into(), c.strides().into(), off0).permute(&perm).unwrap();
    for i in 0..r {
        if !bcast[i] {
            l = l.narrow(i, start[i], inner[i]).unwrap();
        }
    }
    let l = l.broadcast_to(inner).unwrap().broadcast_to(shape).unwrap();
    assert_eq!(l.shape(), shape);
    (l, off0 + numel(&base) + tail)
}

/// A random view of `shape` (see [`random_layout`]) whose elements are drawn by `draw`.
pub fn random_view<T: Element>(
    shape: &[usize],
    rng: &mut DataRng,
    broadcast: bool,
    mut draw: impl FnMut(&mut DataRng) -> f64,
) -> View<T> {
    let (layout, len) = random_layout(shape, rng, broadcast);
    let mut buf = vec![T::nan(); len];
    for i in 0..numel(shape) {
        buf[offset_of(&layout, &unravel(i, shape))] = T::of(draw(rng));
    }
    View { buf, layout }
}

/// The row-major `values` of `shape` placed in a random non-broadcast view.
pub fn place<T: Element>(values: &[f64], shape: &[usize], rng: &mut DataRng) -> View<T> {
    assert_eq!(values.len(), numel(shape));
    let (layout, len) = random_layout(shape, rng, false);
    let mut buf = vec![T::nan(); len];
    for (i, &v) in values.iter().enumerate() {
        buf[offset_of(&layout, &unravel(i, shape))] = T::of(v);
    }
    View { buf, layout }
}

/// Picks the f32 or the f64 figure for `T`.
pub fn per_type<T: Element>(f32_value: f64, f64_value: f64) -> f64 {
    match T::DTYPE {
        DType::F32 => f32_value,
        DType::F64 => f64_value,
    }
}

/// Elementwise tolerance: 1e-5 relative in f32, 1e-12 in f64.
pub fn elementwise_tol<T: Element>() -> f64 {
    per_type::<T>(1e-5, 1e-12)
}

/// Tolerance of sums and products (relative to the sum of absolute terms): 1e-4 in f32,
/// 1e-12 in f64.
pub fn reduction_tol<T: Element>() -> f64 {
    per_type::<T>(1e-4, 1e-12)
}

/// Asserts `|got[i] - want[i]| <= tol * scale[i]` for every `i` (non-finite `want` must be
/// matched exactly, NaN by NaN).
pub fn assert_close_scaled<T: Element>(got: &[T], want: &[f64], scale: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: output length");
    for (i, ((&g, &w), &s)) in got.iter().zip(want).zip(scale).enumerate() {
        let g = g.f64();
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= tol * s
        };
        assert!(ok, "{what} ({}): element {i}: got {g}, want {w} (tol {tol} x scale {s})", T::DTYPE.name());
    }
}

/// Asserts `|got - want| <= tol * max(1, |want|)` elementwise.
pub fn assert_close<T: Element>(got: &[T], want: &[f64], tol: f64, what: &str) {
    let scale: Vec<f64> = want.iter().map(|w| w.abs().max(1.0)).collect();
    assert_close_scaled(got, want, &scale, tol, what);
}

/// Converts f64 values to `T`.
pub fn to_t<T: Element>(xs: &[f64]) -> Vec<T> {
    xs.iter().map(|&x| T::of(x)).collect()
}

/// One dimension: mostly 2..=5, often 1, sometimes 0.
pub fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![1 => Just(0usize), 2 => Just(1usize), 5 => 2usize..=5]
}

/// A shape of rank `0..=max_rank`.
pub fn shape(max_rank: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(dim(), 0..=max_rank)
}

/// A shape of rank `1..=max_rank` and an axis of it.
pub fn shape_and_axis(max_rank: usize) -> impl Strategy<Value = (Vec<usize>, usize)> {
    prop::collection::vec(dim(), 1..=max_rank).prop_flat_map(|s| {
        let r = s.len();
        (Just(s), 0..r)
    })
}
