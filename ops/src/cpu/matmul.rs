//! Dense matrix products through the `gemm` crate (pure Rust, SIMD, any strides).

use super::math;
use super::parallel::FLOPS_MIN;
use crate::element::Element;
use crate::layout::Layout;
use gemm::Parallelism;
use rayon::prelude::*;

/// Buffer offsets of every matrix in a batched view `[..., r, c]`.
fn batch_offsets(l: &Layout) -> Vec<usize> {
    let r = l.rank();
    let batch = Layout::from_parts(l.shape()[..r - 2].into(), l.strides()[..r - 2].into(), l.offset());
    let mut offs = Vec::with_capacity(batch.numel());
    batch.for_each_offset(|o| offs.push(o));
    offs
}

/// Products with fewer multiply-adds than this skip `gemm` (whose dispatch and packing cost
/// about a microsecond) for plain loops.
const SMALL_GEMM: usize = 1 << 15;

/// Plain-loop product for tiny matrices; the inner loop runs over a contiguous row or
/// column of `b` so it vectorises.
#[allow(clippy::too_many_arguments)]
fn small_gemm<T: Element>(
    dst: &mut [T],
    a: &[T],
    oa: usize,
    (ars, acs): (usize, usize),
    b: &[T],
    ob: usize,
    (brs, bcs): (usize, usize),
    (m, k, n): (usize, usize, usize),
) {
    if n == 1 && ars == 1 && acs != 1 {
        // A column-major and a single output column: compute the row Cᵀ = bᵀ Aᵀ instead
        // (same memory), whose inner loop runs over contiguous columns of A.
        return small_gemm(dst, b, ob, (bcs, brs), a, oa, (acs, ars), (1, k, m));
    }
    if brs == 1 && (bcs != 1 || n == 1) {
        // out[i, j] = dot(a row i, b column j); the column is contiguous
        for (i, out) in dst.chunks_exact_mut(n).enumerate() {
            let row = oa + i * ars;
            for (j, o) in out.iter_mut().enumerate() {
                let col = &b[ob + j * bcs..ob + j * bcs + k];
                *o = if acs == 1 {
                    math::dot(&a[row..row + k], col)
                } else {
                    col.iter().enumerate().fold(T::zero(), |acc, (p, &bv)| acc + a[row + p * acs] * bv)
                };
            }
        }
    } else if bcs == 1 {
        // out row i += a[i, p] * b row p; the row is contiguous
        dst.iter_mut().for_each(|d| *d = T::zero());
        for (i, out) in dst.chunks_exact_mut(n).enumerate() {
            for p in 0..k {
                let av = a[oa + i * ars + p * acs];
                let brow = &b[ob + p * brs..ob + p * brs + n];
                out.iter_mut().zip(brow).for_each(|(o, &bv)| *o = *o + av * bv);
            }
        }
    } else {
        for (i, out) in dst.chunks_exact_mut(n).enumerate() {
            for (j, o) in out.iter_mut().enumerate() {
                *o = (0..k)
                    .fold(T::zero(), |acc, p| acc + a[oa + i * ars + p * acs] * b[ob + p * brs + j * bcs]);
            }
        }
    }
}

/// One `[m, k] x [k, n]` product into the contiguous `dst` (`m * n`).
#[allow(clippy::too_many_arguments)]
fn gemm_one<T: Element>(
    dst: &mut [T],
    a: &[T],
    oa: usize,
    (ars, acs): (usize, usize),
    b: &[T],
    ob: usize,
    (brs, bcs): (usize, usize),
    (m, k, n): (usize, usize, usize),
    par: Parallelism,
) {
    if k == 0 {
        dst.iter_mut().for_each(|d| *d = T::zero());
        return;
    }
    if m * n * k <= SMALL_GEMM {
        return small_gemm(dst, a, oa, (ars, acs), b, ob, (brs, bcs), (m, k, n));
    }
    // Bounds: the last element each operand touches lies inside its buffer.
    let a_end = oa + (m - 1) * ars + (k - 1) * acs;
    let b_end = ob + (k - 1) * brs + (n - 1) * bcs;
    assert!(a_end < a.len() && b_end < b.len() && dst.len() == m * n, "gemm operands out of bounds");
    // SAFETY: the assert above proves every element gemm reads (lhs rows/cols up to m-1/k-1,
    // rhs up to k-1/n-1 with the given strides) and writes (dst m*n row-major) is in bounds;
    // dst does not alias a or b (it is a fresh, exclusively borrowed buffer).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr().add(oa),
            acs as isize,
            ars as isize,
            b.as_ptr().add(ob),
            bcs as isize,
            brs as isize,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            par,
        );
    }
}

/// Batched product of `la = [..., m, k]` and `lb = [..., k, n]` (equal batch dims).
pub fn matmul<T: Element>(a: &[T], la: &Layout, b: &[T], lb: &Layout) -> Vec<T> {
    let r = la.rank();
    let (m, k, n) = (la.shape()[r - 2], la.shape()[r - 1], lb.shape()[r - 1]);
    let sa = (la.strides()[r - 2], la.strides()[r - 1]);
    let sb = (lb.strides()[r - 2], lb.strides()[r - 1]);
    let (oa, ob) = (batch_offsets(la), batch_offsets(lb));
    let mut out = vec![T::zero(); oa.len() * m * n];
    if out.is_empty() {
        return out;
    }
    let flops = m * n * k;
    if oa.len() > 1 && flops < FLOPS_MIN && oa.len() * flops >= FLOPS_MIN {
        out.par_chunks_mut(m * n)
            .enumerate()
            .for_each(|(i, d)| gemm_one(d, a, oa[i], sa, b, ob[i], sb, (m, k, n), Parallelism::None));
        return out;
    }
    let par = if flops >= FLOPS_MIN { Parallelism::Rayon(0) } else { Parallelism::None };
    for (i, d) in out.chunks_mut(m * n).enumerate() {
        gemm_one(d, a, oa[i], sa, b, ob[i], sb, (m, k, n), par);
    }
    out
}
