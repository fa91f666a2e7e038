//! [`LayerNorm`] over the last dimension.

use super::param::{Module, Param};
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, Device, Error, Result};

/// `(x - mean) / sqrt(var + eps) * gamma + beta` over the last dimension.
pub struct LayerNorm<T: Float> {
    /// Scale `[dim]`, initially ones.
    pub gamma: Param<T>,
    /// Shift `[dim]`, initially zeros.
    pub beta: Param<T>,
    eps: f64,
}

impl<T: Float> LayerNorm<T> {
    /// Layer norm over a last dimension of width `dim` (eps = 1e-5, as PyTorch).
    pub fn new(dim: usize, device: Device) -> Result<Self> {
        Ok(LayerNorm {
            gamma: Param::new(Tensor::ones(&[dim], device)?),
            beta: Param::new(Tensor::zeros(&[dim], device)?),
            eps: 1e-5,
        })
    }

    /// Normalises `x` of shape `[..., dim]`.
    pub fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let dim = self.gamma.shape()[0];
        if x.shape().last() != Some(&dim) {
            return Err(Error::shape(
                "LayerNorm",
                format!("input {} does not end in width {dim}", fmt_shape(x.shape())),
            ));
        }
        let axis = x.rank() - 1;
        let centred = x.sub(&x.mean_keepdim(axis)?)?;
        let var = centred.square()?.mean_keepdim(axis)?;
        let normed = centred.div(&var.add_scalar(self.eps)?.sqrt()?)?;
        normed.mul(&self.gamma.value())?.add(&self.beta.value())
    }
}

impl<T: Float> Module<T> for LayerNorm<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        vec![("gamma".to_string(), self.gamma.clone()), ("beta".to_string(), self.beta.clone())]
    }
}
