//! Optimisers: [`Sgd`] (momentum, dampening, Nesterov, weight decay), [`Adam`] and AdamW
//! ([`Adam::decoupled`]), with PyTorch semantics.
//!
//! Every step is one fused pass per parameter on the parameter's own device
//! ([`weft_ops::Backend::sgd_update`], [`weft_ops::Backend::adam_update`], with the update
//! formula of [`weft_ops::optim_step`]): a CUDA parameter is updated by a kernel, its gradient
//! and value never cross the bus, and the optimiser state (momentum buffer, moment estimates)
//! is created on the parameter's device and stays there. The value is updated in place when no
//! other tensor shares its buffer (the usual case once `backward` has dropped the tape), else
//! on a fresh copy that becomes the value (see [`Param::update_storage`]). A gradient on
//! another device than its parameter is an `Error::DeviceMismatch`, one of another shape an
//! `Error::Shape`.

mod adam;
mod fused;
mod sgd;

pub use adam::Adam;
pub use sgd::Sgd;

use crate::backward::Grads;
use crate::nn::Param;
use crate::storage::Storage;
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, Error, Result};

/// A gradient-based optimiser over a fixed list of parameters.
pub trait Optimizer<T: Float> {
    /// One update from `grads` (parameters without a gradient are left alone).
    fn step(&mut self, grads: &Grads<T>) -> Result<()>;
    /// The current learning rate.
    fn learning_rate(&self) -> f64;
    /// Sets the learning rate (for schedules).
    fn set_learning_rate(&mut self, lr: f64);
}

/// Runs `update(state_index, value_storage, gradient)` for every parameter with a gradient,
/// after checking the gradient's shape; the value storage is the parameter's whole,
/// unshared buffer (see [`Param::update_storage`]).
pub(crate) fn for_each_update<T: Float>(
    params: &[Param<T>],
    grads: &Grads<T>,
    mut update: impl FnMut(usize, &mut Storage<T>, &Tensor<T>) -> Result<()>,
) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        let Some(g) = grads.get_id(p.id()) else { continue };
        if g.shape() != p.shape().as_slice() {
            return Err(Error::shape(
                "optimizer step",
                format!(
                    "gradient {} for a parameter of shape {}",
                    fmt_shape(g.shape()),
                    fmt_shape(&p.shape())
                ),
            ));
        }
        p.update_storage(|s| update(i, s, g))?;
    }
    Ok(())
}
