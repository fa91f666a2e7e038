//! [`edge_softmax`]: a softmax over the stored entries of every row, per head.

use super::{check, device, CsrMatrix};
use crate::tensor::Tensor;
use crate::Float;
use smallvec::smallvec;
use weft_ops::Result;

/// Softmax of `scores` over each row's stored entries, per head, numerically stable (the row
/// maximum is subtracted). `scores` is `[nnz]` or `[nnz, H]`; the output has the same shape.
/// A row whose scores contain NaN or are all `-inf` is an `Error::Numerical` naming the row.
/// Gradient: `y * (g - sum over the row of y * g)`.
pub fn edge_softmax<T: Float>(a: &CsrMatrix, scores: &Tensor<T>) -> Result<Tensor<T>> {
    const OP: &str = "edge_softmax";
    let heads = check::edge_values(OP, "scores", a, scores)?;
    let out = device::edge_softmax(a, scores, heads)?;
    let (a, y) = (a.clone(), out.clone());
    Ok(out
        .record(&[scores], move |g, _| Ok(smallvec![Some(device::edge_softmax_backward(&a, &y, g, heads)?)])))
}
