//! Branch-free elementary functions that LLVM vectorises (the libm calls behind `f32::tanh`
//! cost ~40 ns each and run one element at a time).

use crate::element::{DType, Element};
use std::any::TypeId;

/// `tanh` for `f32` as a rational function of odd degree 13 / even degree 6 on `[-7.9, 7.9]`
/// (saturating outside): absolute error below 1e-6, about 2 ulp near 0 (the approximation
/// Eigen uses for its packet `tanh`).
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    const A1: f32 = 4.893_524_6e-3;
    const A3: f32 = 6.372_619_3e-4;
    const A5: f32 = 1.485_722_4e-5;
    const A7: f32 = 5.122_297e-8;
    const A9: f32 = -8.604_672e-11;
    const A11: f32 = 2.000_188e-13;
    const A13: f32 = -2.760_768_5e-16;
    const B0: f32 = 4.893_525e-3;
    const B2: f32 = 2.268_434_6e-3;
    const B4: f32 = 1.185_347_1e-4;
    const B6: f32 = 1.198_258_4e-6;
    let tiny = x.abs() < 4e-4;
    let c = x.clamp(-7.905_311, 7.905_311);
    let x2 = c * c;
    let p = c * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
    let q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
    if tiny {
        x
    } else {
        p / q
    }
}

/// `1 / k!` for `k = 0..=20`, computed at compile time (each entry within 1 ulp).
const INV_FACTORIAL: [f64; 21] = {
    let mut c = [1.0; 21];
    let mut k = 1;
    while k < 21 {
        c[k] = c[k - 1] / k as f64;
        k += 1;
    }
    c
};

/// `1.5 * 2^52`: adding it to a float below `2^51` in magnitude rounds it to the nearest
/// integer, which then sits in the low mantissa bits.
const ROUNDING_MAGIC: f64 = 6_755_399_441_055_744.0;

/// `e^x` for `f64` without libm, branch-free so that loops over it vectorise (SSE2 suffices):
/// `x = n ln 2 + r` with `|r| <= ln 2 / 2`, `e^r` by its Taylor polynomial of degree 13
/// (remainder below 1e-17), and `2^n` built in the exponent bits (in two factors at the ends of
/// the range, so subnormal results and results near `f64::MAX` come out right). Within 2 ulp
/// of the exact value; overflow gives `inf`, underflow `0`, NaN stays NaN.
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that n * LN2_HI is exact for |n| < 2^11 (fdlibm's constants).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const OVERFLOW: f64 = 709.782_712_893_384;
    const UNDERFLOW: f64 = -745.133_219_101_941_1;
    let xc = x.clamp(UNDERFLOW - 1.0, OVERFLOW + 1.0);
    let t = xc * LOG2_E + ROUNDING_MAGIC;
    let n = t - ROUNDING_MAGIC;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = INV_FACTORIAL[13];
    for k in (0..13).rev() {
        p = p * r + INV_FACTORIAL[k];
    }
    // n in [-1077, 1025]: move 100 of it into a separate factor near the ends of the range.
    let (shift, factor) = if n > 1000.0 {
        (-100i64, f64::from_bits(0x4630_0000_0000_0000)) // 2^100
    } else if n < -1000.0 {
        (100i64, f64::from_bits(0x39b0_0000_0000_0000)) // 2^-100
    } else {
        (0, 1.0)
    };
    let biased = (t.to_bits() as i64).wrapping_add(1023 + shift) as u64;
    let scale = f64::from_bits(biased << 52);
    let v = p * scale * factor;
    if x > OVERFLOW {
        f64::INFINITY
    } else if x < UNDERFLOW {
        0.0
    } else {
        v
    }
}

/// `e^y - 1` for `|y| <= 1.1` by its Taylor polynomial of degree 20 (relative remainder
/// below 1e-17), accurate also for tiny `y`.
#[inline(always)]
fn expm1_small(y: f64) -> f64 {
    let mut p = INV_FACTORIAL[20];
    for k in (1..20).rev() {
        p = p * y + INV_FACTORIAL[k];
    }
    p * y
}

/// `tanh` for `f64` without libm, branch-free (vectorises): `e / (e + 2)` with
/// `e = expm1(2|x|)` below `|x| = 0.55`, where `1 - 2 / (e^2x + 1)` would cancel, and
/// `(1 - t) / (1 + t)` with `t = e^-2|x|` above. Within 4 ulp of the exact value.
#[inline(always)]
pub fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let e = expm1_small(2.0 * a.min(0.55));
    let small = e / (e + 2.0);
    let t = exp_f64(-2.0 * a);
    let large = (1.0 - t) / (1.0 + t);
    (if a < 0.55 { small } else { large }).copysign(x)
}

/// `tanh` in the element type, vectorisable for both: [`tanh_f32`] and [`tanh_f64`].
#[inline(always)]
pub fn tanh<T: Element>(x: T) -> T {
    match T::DTYPE {
        DType::F32 => T::of(tanh_f32(x.f64() as f32) as f64),
        DType::F64 => T::of(tanh_f64(x.f64())),
    }
}

/// `e^x` in the element type: [`exp_f64`] for `f64` (libm's `exp` runs one element at a
/// time); libm's `expf` for `f32`.
#[inline(always)]
pub fn exp<T: Element>(x: T) -> T {
    match T::DTYPE {
        DType::F32 => x.exp(),
        DType::F64 => T::of(exp_f64(x.f64())),
    }
}

/// Defines `$name(xs, out)`: `out[i] = $f(xs[i])` over equal-length slices of `$t`, with the
/// loop compiled a second time for AVX2 + FMA and chosen at run time. The functions are called
/// directly in the loop (not through a closure), so LLVM inlines and vectorises them: a generic
/// map over `Fn` leaves the larger ones behind a call per element. Rust never contracts
/// `a * b + c` into an FMA, so both builds give bitwise the same results.
macro_rules! vector_run {
    ($(#[$doc:meta])* $name:ident, $avx2:ident, $t:ty, $f:path) => {
        $(#[$doc])*
        pub fn $name(xs: &[$t], out: &mut [$t]) {
            #[cfg(target_arch = "x86_64")]
            if crate::sparse::simd::has_avx2_fma() {
                // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
                unsafe { $avx2(xs, out) };
                return;
            }
            out.iter_mut().zip(xs).for_each(|(o, &v)| *o = $f(v));
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $avx2(xs: &[$t], out: &mut [$t]) {
            out.iter_mut().zip(xs).for_each(|(o, &v)| *o = $f(v));
        }
    };
}

vector_run!(
    /// [`exp_f64`] over a slice, vectorised.
    exp_run_f64, exp_run_f64_avx2, f64, exp_f64
);
vector_run!(
    /// [`tanh_f64`] over a slice, vectorised.
    tanh_run_f64, tanh_run_f64_avx2, f64, tanh_f64
);
vector_run!(
    /// [`tanh_f32`] over a slice, vectorised.
    tanh_run_f32, tanh_run_f32_avx2, f32, tanh_f32
);

/// `xs` as `[U]` when `T` is `U` (the element types are distinguished by `TypeId`).
fn slice_as<T: Element, U: Element>(xs: &mut [T]) -> Option<&mut [U]> {
    // SAFETY: the TypeIds are equal, so T and U are the same type.
    (TypeId::of::<T>() == TypeId::of::<U>())
        .then(|| unsafe { std::slice::from_raw_parts_mut(xs.as_mut_ptr().cast::<U>(), xs.len()) })
}

/// Read-only [`slice_as`].
fn slice_as_ref<T: Element, U: Element>(xs: &[T]) -> Option<&[U]> {
    // SAFETY: the TypeIds are equal, so T and U are the same type.
    (TypeId::of::<T>() == TypeId::of::<U>())
        .then(|| unsafe { std::slice::from_raw_parts(xs.as_ptr().cast::<U>(), xs.len()) })
}

/// `out[i] = e^xs[i]`: vectorised for `f64`, libm's `expf` for `f32`.
pub fn exp_run<T: Element>(xs: &[T], out: &mut [T]) {
    match (slice_as_ref::<T, f64>(xs), slice_as::<T, f64>(out)) {
        (Some(xs), Some(out)) => exp_run_f64(xs, out),
        _ => out.iter_mut().zip(xs).for_each(|(o, &v)| *o = v.exp()),
    }
}

/// `out[i] = tanh(xs[i])`, vectorised for both element types.
pub fn tanh_run<T: Element>(xs: &[T], out: &mut [T]) {
    if let (Some(xs), Some(out)) = (slice_as_ref::<T, f64>(xs), slice_as::<T, f64>(out)) {
        return tanh_run_f64(xs, out);
    }
    if let (Some(xs), Some(out)) = (slice_as_ref::<T, f32>(xs), slice_as::<T, f32>(out)) {
        return tanh_run_f32(xs, out);
    }
    out.iter_mut().zip(xs).for_each(|(o, &v)| *o = tanh(v));
}

/// Sum of a slice with eight independent accumulators (vectorises; also more accurate than
/// one running sum).
#[inline]
pub fn sum<T: Element>(xs: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            acc[i] = acc[i] + c[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &v in rest {
        s = s + v;
    }
    s
}

/// Dot product with eight independent accumulators (vectorises).
#[inline]
pub fn dot<T: Element>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] = acc[i] + x[i] * y[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&x, &y) in ra.iter().zip(rb) {
        s = s + x * y;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_f32_is_accurate_everywhere() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4;
            let err = (tanh_f32(x) as f64 - (x as f64).tanh()).abs();
            worst = worst.max(err / (x as f64).tanh().abs().max(1e-3));
        }
        for x in [1e-8f32, -3e-5, 9.0, -50.0, 1e30] {
            assert!(
                (tanh_f32(x) as f64 - (x as f64).tanh()).abs()
                    <= 2e-7 * (x as f64).tanh().abs().max(1e-30) + 1e-7
            );
        }
        assert!(worst < 2e-6, "worst relative error {worst}");
        assert!(tanh_f32(f32::NAN).is_nan());
    }

    /// Distance in units in the last place (both finite, same sign).
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// Points spread over `[lo, hi]`, dense near 0 in relative terms as well.
    fn grid(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..=n).map(move |i| lo + (hi - lo) * i as f64 / n as f64 + 1e-7 * (i as f64).sin())
    }

    #[test]
    fn exp_f64_is_within_2_ulp_of_libm_over_the_whole_range() {
        let mut worst = 0;
        for x in grid(-708.0, 709.7, 400_000).chain(grid(-1.0, 1.0, 100_000)) {
            worst = worst.max(ulps(exp_f64(x), x.exp()));
        }
        assert!(worst <= 2, "worst error {worst} ulp");
        // Subnormal results: absolute error at most 1 ulp of the smallest subnormal scale.
        for x in grid(-745.0, -708.5, 10_000) {
            let (got, want) = (exp_f64(x), x.exp());
            assert!(
                (got - want).abs() <= 2.0 * 4.9e-324f64.max(want * 4.5e-16),
                "exp({x}) = {got}, want {want}"
            );
        }
        for (x, want) in
            [(0.0, 1.0), (710.0, f64::INFINITY), (1e300, f64::INFINITY), (-746.0, 0.0), (-1e300, 0.0)]
        {
            assert_eq!(exp_f64(x), want, "exp({x})");
        }
        assert_eq!(exp_f64(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert!(exp_f64(f64::NAN).is_nan());
        assert_eq!(exp_f64(709.78), 709.78f64.exp());
    }

    #[test]
    fn tanh_f64_is_within_4_ulp_of_libm() {
        let mut worst = 0;
        let tiny = [1e-300, 1e-20, 3e-9, 1e-5, 0.549_999, 0.55, 0.550_001, 19.0, 25.0];
        for x in grid(-25.0, 25.0, 400_000).chain(grid(-1.0, 1.0, 100_000)).chain(tiny) {
            for x in [x, -x] {
                worst = worst.max(ulps(tanh_f64(x), x.tanh()));
            }
        }
        assert!(worst <= 4, "worst error {worst} ulp");
        assert_eq!(tanh_f64(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh_f64(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(tanh_f64(f64::INFINITY), 1.0);
        assert_eq!(tanh_f64(f64::NEG_INFINITY), -1.0);
        assert!(tanh_f64(f64::NAN).is_nan());
    }

    /// The slice kernels give bitwise the scalar functions' results, in both builds (AVX2 and
    /// portable) and for both element types.
    #[test]
    fn runs_equal_the_scalar_functions_bitwise() {
        let xs: Vec<f64> = grid(-30.0, 30.0, 4099).chain([0.0, -0.0, 1e-300, f64::NAN, 800.0]).collect();
        let xs32: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
        for portable in [true, false] {
            crate::sparse::simd::set_portable_only(portable);
            let (mut e, mut t) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
            exp_run(&xs, &mut e);
            tanh_run(&xs, &mut t);
            let (mut e32, mut t32) = (vec![0.0f32; xs.len()], vec![0.0f32; xs.len()]);
            exp_run(&xs32, &mut e32);
            tanh_run(&xs32, &mut t32);
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            for i in 0..xs.len() {
                let x = xs[i];
                assert!(same(e[i], exp_f64(x)), "exp({x}) = {}, portable {portable}", e[i]);
                assert!(same(t[i], tanh_f64(x)), "tanh({x}) = {}, portable {portable}", t[i]);
                assert!(same(e32[i] as f64, xs32[i].exp() as f64), "expf({x}) = {}", e32[i]);
                assert!(same(t32[i] as f64, tanh_f32(xs32[i]) as f64), "tanhf({x}) = {}", t32[i]);
            }
        }
        crate::sparse::simd::set_portable_only(false);
    }

    #[test]
    fn sum_matches_naive() {
        let xs: Vec<f64> = (0..1003).map(|i| (i as f64).sin()).collect();
        let naive: f64 = xs.iter().sum();
        assert!((sum(&xs) - naive).abs() < 1e-10);
        assert_eq!(sum::<f32>(&[]), 0.0);
    }
}
