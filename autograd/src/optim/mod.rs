//! Optimisers: [`Sgd`] (momentum, weight decay), [`Adam`] and AdamW ([`Adam::decoupled`]).
//!
//! Updates are in place: each parameter's buffer is rewritten in one fused pass when no other
//! tensor shares it (the usual case once `backward` has dropped the tape).
//!
//! Parameters may live on any device: the update runs on the host, so for a parameter on a
//! CUDA device each step downloads its gradient and value and uploads the new value (see
//! [`Param::update_host`]); the optimiser state (momenta) stays on the host.

mod adam;
mod sgd;

pub use adam::Adam;
pub use sgd::Sgd;

use crate::backward::Grads;
use crate::nn::Param;
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

/// Runs `update(param_slice, grad_slice, state_index)` for every parameter with a gradient,
/// after checking the gradient's shape.
pub(crate) fn for_each_update<T: Float>(
    params: &[Param<T>],
    grads: &Grads<T>,
    mut update: impl FnMut(usize, &mut [T], &[T]),
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
        g.with_host_data(|gs| p.update_host(|ps| update(i, ps, gs)))??;
    }
    Ok(())
}

pub(crate) fn check_lr(op: &'static str, lr: f64) -> Result<()> {
    if !(lr > 0.0 && lr.is_finite()) {
        return Err(Error::invalid(op, format!("learning rate {lr} must be positive and finite")));
    }
    Ok(())
}

/// Errors unless `value` is finite and in `[lo, hi)` (`hi = None`: no upper bound).
pub(crate) fn check_hyper(op: &'static str, name: &str, value: f64, lo: f64, hi: Option<f64>) -> Result<()> {
    let ok = value.is_finite() && value >= lo && hi.is_none_or(|h| value < h);
    if !ok {
        let range = match hi {
            Some(h) => format!("[{lo}, {h})"),
            None => format!("[{lo}, inf)"),
        };
        return Err(Error::invalid(op, format!("{name} {value} is not in {range}")));
    }
    Ok(())
}
