//! Runtime CPU feature detection for the kernels' fast paths.
//!
//! Kernels are written once, generic over a `FMA` flag, and compiled twice: a portable build
//! and, on x86-64, one with AVX2 + FMA enabled (8-wide f32 vectors, fused multiply-add), chosen
//! at run time. Without FMA a multiply-add is written `a * b + c` (a fused `mul_add` would be a
//! slow library call there).

use crate::element::Element;
use std::sync::atomic::{AtomicBool, Ordering};

/// When set, the portable kernels run even where AVX2 + FMA is available.
static PORTABLE_ONLY: AtomicBool = AtomicBool::new(false);

/// Forces the portable (non-AVX2) kernels on or off, for testing both builds of every kernel on
/// one machine. Both give results within the same rounding bounds, so flipping this while
/// kernels run elsewhere is harmless.
#[doc(hidden)]
pub fn set_portable_only(on: bool) {
    PORTABLE_ONLY.store(on, Ordering::Relaxed);
}

/// Whether the AVX2 + FMA fast paths may run on this CPU (detected once).
#[inline]
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
            && !PORTABLE_ONLY.load(Ordering::Relaxed)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `a * b + c`, fused when `FMA` (only instantiated with `FMA = true` under the FMA target feature).
#[inline(always)]
pub fn madd<T: Element, const FMA: bool>(a: T, b: T, c: T) -> T {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Dot product of two equally long slices with independent lane accumulators, so the compiler
/// vectorises it (a single running sum would serialise on the add latency).
#[inline(always)]
pub fn dot<T: Element, const FMA: bool>(a: &[T], b: &[T]) -> T {
    const L: usize = 16;
    let mut acc = [T::zero(); L];
    let (ca, cb) = (a.chunks_exact(L), b.chunks_exact(L));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..L {
            acc[k] = madd::<T, FMA>(x[k], y[k], acc[k]);
        }
    }
    let mut tail = T::zero();
    for (&x, &y) in ra.iter().zip(rb) {
        tail = madd::<T, FMA>(x, y, tail);
    }
    let mut s = T::zero();
    for v in acc {
        s = s + v;
    }
    s + tail
}

/// Hints the CPU to fetch `bytes` bytes from `p` into L1 (no effect on other architectures).
/// Never faults, whatever `p` is: a prefetch is a hint, not a load.
#[inline(always)]
pub fn prefetch<T>(p: *const T, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = p as *const i8;
        let mut off = 0;
        while off < bytes {
            // SAFETY: prefetch instructions do not access memory architecturally and never
            // fault; `wrapping_add` computes the address without requiring it to be in bounds.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(off))
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (p, bytes);
    }
}
