//! [`spmm`]: sparse (optionally weighted, multi-head) x dense with sum, mean or max aggregation,
//! differentiable in the dense operand and in the edge values.

use super::{check, device, CsrMatrix};
use crate::tensor::Tensor;
use crate::Float;
use smallvec::smallvec;
use weft_ops::backend::Aggregation;
use weft_ops::Result;

/// `out[i, :] = agg over stored (i, j) = e of values[e] * x[j, :]`.
///
/// `values`: `None` (all ones), `[nnz]`, or `[nnz, H]` (head `h` scales columns
/// `h*F/H..(h+1)*F/H`); `x`: `[n_cols, F]`; the output is `[n_rows, F]`. Empty rows give 0 for
/// every aggregation. Differentiable in `values` and `x`:
/// - sum: `dx = Aᵀ g` with the cached transpose (values permuted once per backward, all heads
///   together), `dvalues[e, h] = dot(g[i, head h], x[j, head h])` (an SDDMM);
/// - mean: the same with `g` scaled by `1 / degree` of its row;
/// - max: through the argmax (ties go to the first stored entry).
///
/// Errors name the shapes when `x` does not have `n_cols` rows, when `values` is not `[nnz]`
/// or `[nnz, H]`, or when `H` does not divide `F`.
pub fn spmm<T: Float>(
    a: &CsrMatrix,
    values: Option<&Tensor<T>>,
    x: &Tensor<T>,
    agg: Aggregation,
) -> Result<Tensor<T>> {
    const OP: &str = "spmm";
    let f = check::dense(OP, "dense operand x", a, x, a.n_cols())?;
    let heads = match values {
        None => 1,
        Some(v) => check::edge_values(OP, "edge values", a, v)?,
    };
    check::heads_divide(OP, heads, f, "x")?;
    let (out, argmax) = device::spmm(a, values.map(|v| (v, heads)), x, agg)?;
    let mut inputs = vec![x];
    inputs.extend(values);
    let (a, xd, vd) = (a.clone(), x.detach(), values.map(Tensor::detach));
    Ok(out.record(&inputs, move |g, need| {
        let need_x = need[0];
        let need_v = need.get(1).copied().unwrap_or(false);
        let vals = vd.as_ref().map(|v| (v, heads));
        let (gx, gv) = match (agg, argmax) {
            (Aggregation::Max, Some(am)) => device::spmm_max_backward(&a, vals, &xd, &am, g, need_x, need_v)?,
            _ => {
                let g = if agg == Aggregation::Mean { g.mul(&a.inv_degrees()?)? } else { g.clone() };
                let gx = if need_x { Some(transposed_spmm(&a, vd.as_ref(), heads, &g)?) } else { None };
                let gv = if need_v { Some(device::sddmm_dot(&a, &g, &xd, heads)?) } else { None };
                (gx, gv)
            }
        };
        let gv = match (gv, &vd) {
            (Some(gv), Some(v)) => Some(gv.reshape(v.shape())?),
            _ => None,
        };
        Ok(smallvec![gx, gv])
    }))
}

/// `Aᵀ g` with per-edge values `vals` (`[nnz]` or `[nnz, heads]`) of `A`, carried over to the
/// cached transpose by its edge permutation: one gather of all heads together.
pub(crate) fn transposed_spmm<T: Float>(
    a: &CsrMatrix,
    vals: Option<&Tensor<T>>,
    heads: usize,
    g: &Tensor<T>,
) -> Result<Tensor<T>> {
    let (t, perm) = a.transpose_with_perm()?;
    let vt = vals.map(|v| v.index_select(0, &perm)).transpose()?;
    Ok(device::spmm(&t, vt.as_ref().map(|v| (v, heads)), g, Aggregation::Sum)?.0)
}
