//! Target densities: the [`LogDensity`] trait every sampler consumes, and [`FnDensity`], a
//! closure adapter.
//!
//! A model exposes its parameters as one flat, unconstrained `f64` vector (see
//! [`crate::layout::ParamLayout`] to pack named blocks with shapes and bijections into it) and
//! returns the log density (up to a constant) and its gradient.

use weft_ops::Result;

/// An unnormalised log density over `R^dim` with its gradient.
///
/// Object safe and `Send`, so chains can own one each and run on worker threads. A tape-based
/// model implements it by running its forward pass on `theta` and writing the gradient of the
/// scalar output into `grad`.
///
/// Contract: `theta.len() == grad.len() == self.dim()`; on return `grad` holds
/// `d log p / d theta`. A NaN or infinite value (or gradient) is allowed: the samplers report it
/// as an error at the initial point and as a divergence during sampling. An `Err` of kind
/// [`weft_ops::Error::Numerical`] is treated the same way; other errors abort sampling.
pub trait LogDensity: Send {
    /// Number of (unconstrained) parameters.
    fn dim(&self) -> usize;
    /// Log density at `theta`; its gradient is written to `grad`.
    fn log_density_and_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64>;
}

impl<T: LogDensity + ?Sized> LogDensity for Box<T> {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn log_density_and_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64> {
        (**self).log_density_and_grad(theta, grad)
    }
}

impl<T: LogDensity + ?Sized> LogDensity for &mut T {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn log_density_and_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64> {
        (**self).log_density_and_grad(theta, grad)
    }
}

/// A [`LogDensity`] from a closure `f(theta, grad) -> Result<log p>`.
///
/// ```
/// use weft_bayes::{FnDensity, LogDensity};
/// let mut normal = FnDensity::new(2, |x: &[f64], g: &mut [f64]| {
///     g[0] = -x[0];
///     g[1] = -x[1];
///     Ok(-0.5 * (x[0] * x[0] + x[1] * x[1]))
/// });
/// let mut g = [0.0; 2];
/// assert_eq!(normal.log_density_and_grad(&[1.0, 0.0], &mut g).unwrap(), -0.5);
/// ```
#[derive(Clone)]
pub struct FnDensity<F> {
    dim: usize,
    f: F,
}

impl<F> FnDensity<F>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<f64> + Send,
{
    /// Wraps `f` as a density over `R^dim`.
    pub fn new(dim: usize, f: F) -> Self {
        FnDensity { dim, f }
    }
}

impl<F> LogDensity for FnDensity<F>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<f64> + Send,
{
    fn dim(&self) -> usize {
        self.dim
    }
    fn log_density_and_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64> {
        (self.f)(theta, grad)
    }
}
