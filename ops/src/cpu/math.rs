//! Branch-free elementary functions that LLVM vectorises (the libm calls behind `f32::tanh`
//! cost ~40 ns each and run one element at a time).

use crate::element::{DType, Element};

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

/// `tanh` in the element type: the vectorisable approximation for `f32`, libm for `f64`
/// (whose tests demand 1e-12 relative accuracy).
#[inline(always)]
pub fn tanh<T: Element>(x: T) -> T {
    match T::DTYPE {
        DType::F32 => T::of(tanh_f32(x.f64() as f32) as f64),
        DType::F64 => x.tanh(),
    }
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

    #[test]
    fn sum_matches_naive() {
        let xs: Vec<f64> = (0..1003).map(|i| (i as f64).sin()).collect();
        let naive: f64 = xs.iter().sum();
        assert!((sum(&xs) - naive).abs() < 1e-10);
        assert_eq!(sum::<f32>(&[]), 0.0);
    }
}
