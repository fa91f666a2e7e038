//! [`sgc_features`]: the fixed propagation of SGC (Wu et al. 2019), `Â^K X`, computed once.

use crate::sparse::{spmm, Aggregation, CsrMatrix};
use weft_autograd::{no_grad, Float, Tensor};
use weft_ops::Result;

/// `Â^K x` without recording anything on the tape (SGC precomputes it; the model is then a
/// logistic regression on the result).
pub fn sgc_features<T: Float>(
    a_hat: &CsrMatrix,
    norm: &Tensor<T>,
    x: &Tensor<T>,
    k: usize,
) -> Result<Tensor<T>> {
    no_grad(|| {
        let mut z = x.detach();
        for _ in 0..k {
            z = spmm(a_hat, Some(norm), &z, Aggregation::Sum)?;
        }
        Ok(z)
    })
}
