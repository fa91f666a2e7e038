//! [`sddmm`] (per-head dot products of row pairs) and [`sddmm_add`] (`s_i + t_j`, GAT's
//! attention logits) on the stored entries of a pattern, with gradients to both dense operands.

use super::spmm::transposed_spmm;
use super::{check, device, CsrMatrix};
use crate::tensor::Tensor;
use crate::Float;
use smallvec::smallvec;
use weft_ops::backend::Aggregation;
use weft_ops::{error::fmt_shape, Error, Result};

/// `out[e, h] = dot(x[i, head h columns], y[j, head h columns])` for every stored
/// `e = (i, j)`: `x` is `[n_rows, F]`, `y` is `[n_cols, F]`, `F % heads == 0`; the output is
/// `[nnz, heads]`. Gradients: `dx = A(g) y` and `dy = A(g)ᵀ x`, two SpMMs with the output
/// gradient as (multi-head) edge values.
pub fn sddmm<T: Float>(a: &CsrMatrix, x: &Tensor<T>, y: &Tensor<T>, heads: usize) -> Result<Tensor<T>> {
    const OP: &str = "sddmm";
    let fx = check::dense(OP, "x", a, x, a.n_rows())?;
    let fy = check::dense(OP, "y", a, y, a.n_cols())?;
    if fx != fy {
        return Err(Error::shape(
            OP,
            format!("x {} and y {} have different widths", fmt_shape(x.shape()), fmt_shape(y.shape())),
        ));
    }
    check::heads_divide(OP, heads, fx, "x and y")?;
    let out = device::sddmm_dot(a, x, y, heads)?;
    let (a, xd, yd) = (a.clone(), x.detach(), y.detach());
    Ok(out.record(&[x, y], move |g, need| {
        let gx =
            if need[0] { Some(device::spmm(&a, Some((g, heads)), &yd, Aggregation::Sum)?.0) } else { None };
        let gy = if need[1] { Some(transposed_spmm(&a, Some(g), heads, &xd)?) } else { None };
        Ok(smallvec![gx, gy])
    }))
}

/// `out[e, h] = s[i, h] + t[j, h]` for every stored `e = (i, j)`: `s` is `[n_rows, H]`, `t` is
/// `[n_cols, H]`; the output is `[nnz, H]`. Gradients: row sums of `g` over each row's entries
/// (to `s`) and over each column's entries (to `t`, through the cached transpose).
pub fn sddmm_add<T: Float>(a: &CsrMatrix, s: &Tensor<T>, t: &Tensor<T>) -> Result<Tensor<T>> {
    const OP: &str = "sddmm_add";
    let hs = check::dense(OP, "s", a, s, a.n_rows())?;
    let ht = check::dense(OP, "t", a, t, a.n_cols())?;
    if hs != ht || hs == 0 {
        return Err(Error::shape(
            OP,
            format!(
                "s {} and t {} must have the same positive number of heads",
                fmt_shape(s.shape()),
                fmt_shape(t.shape())
            ),
        ));
    }
    let out = device::sddmm_add(a, s, t, hs)?;
    let a = a.clone();
    Ok(out.record(&[s, t], move |g, need| {
        let gs =
            if need[0] { Some(device::segment_reduce(&a.row_ptr()?, g, Aggregation::Sum)?.0) } else { None };
        let gt = if need[1] {
            let (tr, perm) = a.transpose_with_perm()?;
            Some(device::segment_reduce(&tr.row_ptr()?, &g.index_select(0, &perm)?, Aggregation::Sum)?.0)
        } else {
            None
        };
        Ok(smallvec![gs, gt])
    }))
}
