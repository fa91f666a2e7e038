//! Shared helpers of the GPU tests: random inputs, strided views, comparisons with CpuBackend.

#![allow(dead_code)]

use weft_cuda::{CudaBackend, CudaBuf};
use weft_ops::rng::Philox;
use weft_ops::{Backend, CpuBackend, DType, Element, Layout};

/// A test failure message.
pub type Check = std::result::Result<(), String>;

/// Tolerances from DESIGN.md: relative error for elementwise ops and for reductions / GEMM.
pub fn tol<T: Element>(reduction: bool) -> f64 {
    match (T::DTYPE, reduction) {
        (DType::F32, false) => 1e-5,
        (DType::F32, true) => 1e-4,
        (DType::F64, _) => 1e-12,
    }
}

/// `n` uniforms in `(lo, hi)` from `g`.
pub fn rand_vec<T: Element>(g: &mut Philox, n: usize, lo: f64, hi: f64) -> Vec<T> {
    (0..n).map(|_| T::of(lo + (hi - lo) * g.uniform())).collect()
}

/// `n` values on a grid of quarters in [-2, 2], so that ties and equal values occur.
pub fn quantized_vec<T: Element>(g: &mut Philox, n: usize) -> Vec<T> {
    (0..n).map(|_| T::of(g.below(17) as f64 / 4.0 - 2.0)).collect()
}

/// Views of `shape` over buffers: (label, buffer length, layout). Contiguous, transposed
/// (reversed strides), and narrowed out of a larger buffer (offset, gaps).
pub fn views(shape: &[usize]) -> Vec<(&'static str, usize, Layout)> {
    let n: usize = shape.iter().product();
    let mut v = vec![("contiguous", n, Layout::contiguous(shape))];
    if shape.len() >= 2 {
        let rev: Vec<usize> = shape.iter().rev().copied().collect();
        let perm: Vec<usize> = (0..shape.len()).rev().collect();
        v.push(("transposed", n, Layout::contiguous(&rev).permute(&perm).expect("a permutation")));
    }
    if !shape.is_empty() {
        let big: Vec<usize> =
            shape.iter().enumerate().map(|(i, &d)| d + 1 + 2 * (i + 1 == shape.len()) as usize).collect();
        let mut l = Layout::contiguous(&big);
        for (d, &len) in shape.iter().enumerate() {
            l = l.narrow(d, 1, len).expect("inside the larger shape");
        }
        v.push(("narrowed", big.iter().product(), l));
    }
    v
}

/// Compares `got` with `want` elementwise: equal NaN-ness, equal infinities, otherwise
/// `|got - want| <= tol * max(1, |want|)`.
pub fn compare<T: Element>(what: &str, got: &[T], want: &[T], tol: f64) -> Check {
    if got.len() != want.len() {
        return Err(format!("{what}: {} elements, expected {}", got.len(), want.len()));
    }
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.f64(), w.f64());
        let ok = if w.is_nan() || g.is_nan() {
            w.is_nan() && g.is_nan()
        } else if w.is_infinite() || g.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= tol * w.abs().max(1.0)
        };
        if !ok {
            return Err(format!("{what}: element {i} is {g}, CpuBackend gives {w} (tolerance {tol:e})"));
        }
    }
    Ok(())
}

/// Uploads `data` to both backends.
pub fn upload<T: Element>(
    dev: &CudaBackend,
    data: &[T],
) -> std::result::Result<(CudaBuf<T>, Vec<T>), String> {
    Ok((
        dev.from_slice(data).map_err(|e| e.to_string())?,
        CpuBackend.from_slice(data).map_err(|e| e.to_string())?,
    ))
}

/// Downloads a contiguous device buffer of `n` elements.
pub fn download<T: Element>(
    dev: &CudaBackend,
    x: &CudaBuf<T>,
    n: usize,
) -> std::result::Result<Vec<T>, String> {
    dev.to_vec(x, &Layout::contiguous(&[n])).map_err(|e| e.to_string())
}

/// Turns a `weft_ops::Result` into a test result naming `what`.
pub fn ok<V>(what: &str, r: weft_ops::Result<V>) -> std::result::Result<V, String> {
    r.map_err(|e| format!("{what}: {e}"))
}
