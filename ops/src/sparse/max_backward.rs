//! Backward passes of the max reductions ([`spmm_max`](super::spmm_max),
//! [`segment_max`](super::segment_max)): the gradient flows only to the argmax.

use super::pattern::CsrPattern;
use super::spmm::NO_EDGE;
use super::values::EdgeValues;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

/// Gradients of `out = spmm_max(p, vals, x)` given `grad_out` (`[n_rows, width]`) and the argmax
/// the forward pass returned. For every output element `(i, f)` with argmax entry `e` (column
/// `j`, head `h`): `grad_x[j, f] += grad_out[i, f] * val[e, h]` and
/// `grad_vals[e, h] += grad_out[i, f] * x[j, f]`. Both gradients are *added into* (zero them
/// first for a fresh gradient); pass `None` for one that is not needed. Elements of empty rows
/// ([`NO_EDGE`]) contribute nothing. An argmax that is not an entry of its row is an
/// [`Error::Index`].
#[allow(clippy::too_many_arguments)]
pub fn spmm_max_backward<T: Element>(
    p: &CsrPattern,
    vals: EdgeValues<'_, T>,
    x: &[T],
    width: usize,
    argmax: &[Idx],
    grad_out: &[T],
    mut grad_x: Option<&mut [T]>,
    mut grad_vals: Option<&mut [T]>,
) -> Result<()> {
    const OP: &str = "spmm_max_backward";
    let heads = vals.check(OP, p.nnz(), width)?;
    let n_out = p.n_rows() * width;
    if argmax.len() != n_out || grad_out.len() != n_out {
        return Err(Error::shape(
            OP,
            format!(
                "argmax {} and grad_out {} entries, expected [{}, {width}]",
                argmax.len(),
                grad_out.len(),
                p.n_rows()
            ),
        ));
    }
    if x.len() != p.n_cols() * width {
        return Err(Error::shape(
            OP,
            format!("x has {} entries, expected [{}, {width}]", x.len(), p.n_cols()),
        ));
    }
    if let Some(g) = grad_x.as_deref() {
        if g.len() != x.len() {
            return Err(Error::shape(OP, format!("grad_x has {} entries, expected {}", g.len(), x.len())));
        }
    }
    if let Some(g) = grad_vals.as_deref() {
        if g.len() != p.nnz() * heads {
            return Err(Error::shape(
                OP,
                format!("grad_vals has {} entries, expected [nnz {}, heads {heads}]", g.len(), p.nnz()),
            ));
        }
    }
    let f = width.checked_div(heads).unwrap_or(0);
    for i in 0..p.n_rows() {
        let rr = p.row_range(i);
        for c in 0..width {
            let e = argmax[i * width + c];
            if e == NO_EDGE {
                continue;
            }
            let e = e as usize;
            if !rr.contains(&e) {
                return Err(Error::index(
                    OP,
                    format!("argmax {e} at ({i}, {c}) is not an entry of row {i} ({rr:?})"),
                ));
            }
            let (j, h, g) = (p.col_idx()[e] as usize, c / f, grad_out[i * width + c]);
            let v = vals.values().map_or(T::one(), |v| v[e * heads + h]);
            if let Some(gx) = grad_x.as_deref_mut() {
                gx[j * width + c] = gx[j * width + c] + g * v;
            }
            if let Some(gv) = grad_vals.as_deref_mut() {
                gv[e * heads + h] = gv[e * heads + h] + g * x[j * width + c];
            }
        }
    }
    Ok(())
}

/// Gradient of `out = segment_max(offsets, x)`: `grad_x[argmax[s, f], f] += grad_out[s, f]`
/// (added into `grad_x`, `[M, width]`). Elements of empty segments ([`NO_EDGE`]) contribute
/// nothing; an argmax outside its segment is an [`Error::Index`].
pub fn segment_max_backward<T: Element>(
    offsets: &[Idx],
    width: usize,
    argmax: &[Idx],
    grad_out: &[T],
    grad_x: &mut [T],
) -> Result<()> {
    const OP: &str = "segment_max_backward";
    if width == 0 || !grad_x.len().is_multiple_of(width) {
        return Err(Error::shape(
            OP,
            format!("grad_x has {} entries, not rows of width {width}", grad_x.len()),
        ));
    }
    super::segment::check_segment_offsets(OP, offsets, grad_x.len() / width)?;
    let n_out = (offsets.len() - 1) * width;
    if argmax.len() != n_out || grad_out.len() != n_out {
        return Err(Error::shape(
            OP,
            format!(
                "argmax {} and grad_out {} entries, expected [{}, {width}]",
                argmax.len(),
                grad_out.len(),
                offsets.len() - 1
            ),
        ));
    }
    for s in 0..offsets.len() - 1 {
        let rows = offsets[s] as usize..offsets[s + 1] as usize;
        for c in 0..width {
            let r = argmax[s * width + c];
            if r == NO_EDGE {
                continue;
            }
            if !rows.contains(&(r as usize)) {
                return Err(Error::index(
                    OP,
                    format!("argmax {r} at ({s}, {c}) is outside segment {s} ({rows:?})"),
                ));
            }
            let q = r as usize * width + c;
            grad_x[q] = grad_x[q] + grad_out[s * width + c];
        }
    }
    Ok(())
}
