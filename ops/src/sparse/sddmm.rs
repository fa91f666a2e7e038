//! SDDMM: a value for every stored entry `(i, j)` from row `i` of one dense matrix and row `j`
//! of another: per-head dot products, or the additive `s_i + t_j` that GAT uses.

use super::partition::for_edge_blocks;
use super::pattern::CsrPattern;
use super::simd::{dot, has_avx2_fma, prefetch};
use crate::element::Element;
use crate::error::{Error, Result};
use std::ops::Range;

/// Operands of one dot-product SDDMM, checked.
struct Args<'a, T> {
    p: &'a CsrPattern,
    a: &'a [T],
    b: &'a [T],
    width: usize,
    heads: usize,
}

/// `out[e, h] = dot(a[i, h*f..(h+1)*f], b[j, h*f..(h+1)*f])` for every stored entry `e = (i, j)`,
/// with `f = width / heads`.
///
/// `a` is `[n_rows, width]`, `b` is `[n_cols, width]` and `out` is `[nnz, heads]`, row-major.
/// With `heads = 1` this is the plain SDDMM `(A B^T) ⊙ pattern`.
///
/// ```
/// use weft_ops::sparse::{sddmm_dot, CsrPattern};
/// let p = CsrPattern::from_parts(2, 2, vec![0, 1, 2], vec![1, 0]).unwrap();
/// let a = [1.0f64, 2.0, 3.0, 4.0];
/// let mut out = [0.0; 2];
/// sddmm_dot(&p, &a, &a, 2, 1, &mut out).unwrap();
/// assert_eq!(out, [11.0, 11.0]); // (1, 2) . (3, 4) both ways
/// ```
pub fn sddmm_dot<T: Element>(
    p: &CsrPattern,
    a: &[T],
    b: &[T],
    width: usize,
    heads: usize,
    out: &mut [T],
) -> Result<()> {
    const OP: &str = "sddmm_dot";
    if heads == 0 || !width.is_multiple_of(heads) {
        return Err(Error::shape(OP, format!("width {width} is not a positive multiple of heads {heads}")));
    }
    check_dense(OP, "a", a.len(), p.n_rows(), width)?;
    check_dense(OP, "b", b.len(), p.n_cols(), width)?;
    check_out(OP, out.len(), p.nnz(), heads)?;
    let args = Args { p, a, b, width, heads };
    for_edge_blocks(p.row_ptr(), p.nnz() * width, out, heads, |rows, o| dot_block_dispatch(&args, rows, o));
    Ok(())
}

/// `out[e, h] = s[i, h] + t[j, h]` for every stored entry `e = (i, j)`: GAT's attention logits
/// from per-node source and target scores. `s` is `[n_rows, heads]`, `t` is `[n_cols, heads]`,
/// `out` is `[nnz, heads]`.
pub fn sddmm_add<T: Element>(p: &CsrPattern, s: &[T], t: &[T], heads: usize, out: &mut [T]) -> Result<()> {
    const OP: &str = "sddmm_add";
    if heads == 0 {
        return Err(Error::invalid(OP, "0 heads"));
    }
    check_dense(OP, "s", s.len(), p.n_rows(), heads)?;
    check_dense(OP, "t", t.len(), p.n_cols(), heads)?;
    check_out(OP, out.len(), p.nnz(), heads)?;
    for_edge_blocks(p.row_ptr(), p.nnz() * heads, out, heads, |rows, o| {
        let base = p.row_ptr()[rows.start] as usize;
        for i in rows {
            let si = &s[i * heads..(i + 1) * heads];
            for e in p.row_range(i) {
                let j = p.col_idx()[e] as usize;
                let tj = &t[j * heads..(j + 1) * heads];
                let o = &mut o[(e - base) * heads..(e - base + 1) * heads];
                for ((ov, &x), &y) in o.iter_mut().zip(si).zip(tj) {
                    *ov = x + y;
                }
            }
        }
    });
    Ok(())
}

fn check_dense(op: &'static str, what: &str, len: usize, rows: usize, width: usize) -> Result<()> {
    if len != rows * width {
        return Err(Error::shape(op, format!("{what} has {len} entries, expected [{rows}, {width}]")));
    }
    Ok(())
}

fn check_out(op: &'static str, len: usize, nnz: usize, heads: usize) -> Result<()> {
    if len != nnz * heads {
        return Err(Error::shape(
            op,
            format!("output has {len} entries, expected [nnz {nnz}, heads {heads}]"),
        ));
    }
    Ok(())
}

fn dot_block_dispatch<T: Element>(args: &Args<'_, T>, rows: Range<usize>, out: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        unsafe { dot_block_avx2(args, rows, out) };
        return;
    }
    dot_block::<T, false>(args, rows, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_block_avx2<T: Element>(args: &Args<'_, T>, rows: Range<usize>, out: &mut [T]) {
    dot_block::<T, true>(args, rows, out)
}

#[inline(always)]
fn dot_block<T: Element, const FMA: bool>(args: &Args<'_, T>, rows: Range<usize>, out: &mut [T]) {
    let Args { p, a, b, width: w, heads: h } = *args;
    let f = w / h;
    let base = p.row_ptr()[rows.start] as usize;
    for i in rows {
        let ai = &a[i * w..(i + 1) * w];
        for e in p.row_range(i) {
            // Rows of `b` are read in column order, at random: fetch a few entries ahead.
            if let Some(&jn) = p.col_idx().get(e + 8) {
                prefetch(b.as_ptr().wrapping_add(jn as usize * w), (w * std::mem::size_of::<T>()).min(512));
            }
            let j = p.col_idx()[e] as usize;
            let bj = &b[j * w..(j + 1) * w];
            let o = &mut out[(e - base) * h..(e - base + 1) * h];
            for (head, ov) in o.iter_mut().enumerate() {
                *ov = dot::<T, FMA>(&ai[head * f..(head + 1) * f], &bj[head * f..(head + 1) * f]);
            }
        }
    }
}
