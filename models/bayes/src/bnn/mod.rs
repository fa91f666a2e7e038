//! Bayesian neural networks: an MLP with priors on its weights and biases (one pair of priors
//! per layer) and a likelihood head, as a [`LogDensity`](crate::LogDensity) whose gradient goes
//! through weft's tape ([`BnnDensity`]), plus the posterior predictive from the draws.
//!
//! Parameters are packed layer by layer into the flat vector: `w1` (`[in, out]`, row-major),
//! `b1` (`[out]`), `w2`, `b2`, ..., then `sigma` (unconstrained `log sigma`) when the noise is
//! learned. `w_l` followed by `b_l` is the row-major `[in + 1, out]` matrix with the bias as its
//! last row, which the first layer multiplies with the inputs augmented by a column of ones.
//!
//! Submodules: [`likelihood`] (the heads), [`density`] (the tape-backed density and its
//! minibatch form), [`forward`] (plain `f64` forward pass and the posterior predictive).

pub mod density;
pub mod forward;
pub mod likelihood;

pub use density::BnnDensity;
pub use likelihood::Likelihood;

use crate::bijection::Bijection;
use crate::layout::ParamLayout;
use crate::prior::Prior;
use std::ops::Range;
use weft_ops::{Error, Result};

/// Hidden-layer nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `tanh`.
    Tanh,
    /// `max(x, 0)`.
    Relu,
}

impl Activation {
    /// Applies the nonlinearity to one value.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Activation::Tanh => x.tanh(),
            Activation::Relu => x.max(0.0),
        }
    }
}

/// Architecture, priors and likelihood of a Bayesian MLP.
///
/// ```
/// use weft_bayes::bnn::{Activation, Bnn, Likelihood};
/// use weft_bayes::Prior;
/// let net = Bnn::new(&[1, 50, 1], Activation::Tanh, Likelihood::gaussian(0.1)?)?
///     .with_all_priors(Prior::normal(0.0, 1.0)?, Prior::normal(0.0, 1.0)?);
/// assert_eq!(net.dim(), 151);
/// # Ok::<(), weft_ops::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bnn {
    sizes: Vec<usize>,
    activation: Activation,
    weight_priors: Vec<Prior>,
    bias_priors: Vec<Prior>,
    likelihood: Likelihood,
    layout: ParamLayout,
}

impl Bnn {
    /// An MLP with layer widths `sizes` (`[inputs, hidden..., outputs]`: at least two, none
    /// zero), `activation` after every hidden layer, N(0, 1) priors on every weight and bias,
    /// and `likelihood` (its output width is checked against `sizes`).
    pub fn new(sizes: &[usize], activation: Activation, likelihood: Likelihood) -> Result<Self> {
        let op = "Bnn::new";
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::shape(op, format!("layer sizes {sizes:?}: need >= 2 layers, all > 0")));
        }
        likelihood.check_targets(sizes[sizes.len() - 1], &[])?;
        let mut layout = ParamLayout::new();
        for l in 0..sizes.len() - 1 {
            layout = layout
                .block(&format!("w{}", l + 1), &[sizes[l], sizes[l + 1]], Bijection::Identity)?
                .block(&format!("b{}", l + 1), &[sizes[l + 1]], Bijection::Identity)?;
        }
        if likelihood.has_noise_param() {
            layout = layout.block("sigma", &[], Bijection::Exp)?;
        }
        let n_layers = sizes.len() - 1;
        let std_normal = Prior::Normal { mu: 0.0, sigma: 1.0 };
        Ok(Bnn {
            sizes: sizes.to_vec(),
            activation,
            weight_priors: vec![std_normal; n_layers],
            bias_priors: vec![std_normal; n_layers],
            likelihood,
            layout,
        })
    }

    /// Sets the priors of layer `layer` (0-based) weights and biases.
    pub fn with_priors(mut self, layer: usize, weight: Prior, bias: Prior) -> Result<Self> {
        if layer >= self.n_layers() {
            return Err(Error::index(
                "Bnn::with_priors",
                format!("layer {layer} of a {}-layer network", self.n_layers()),
            ));
        }
        self.weight_priors[layer] = weight;
        self.bias_priors[layer] = bias;
        Ok(self)
    }

    /// Sets the same weight and bias priors on every layer.
    pub fn with_all_priors(mut self, weight: Prior, bias: Prior) -> Self {
        self.weight_priors.fill(weight);
        self.bias_priors.fill(bias);
        self
    }

    /// Number of weight layers.
    pub fn n_layers(&self) -> usize {
        self.sizes.len() - 1
    }
    /// Layer widths.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    /// Input width.
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }
    /// Output width.
    pub fn outputs(&self) -> usize {
        self.sizes[self.sizes.len() - 1]
    }
    /// The hidden nonlinearity.
    pub fn activation(&self) -> Activation {
        self.activation
    }
    /// The likelihood head.
    pub fn likelihood(&self) -> &Likelihood {
        &self.likelihood
    }
    /// Weight prior of each layer.
    pub fn weight_priors(&self) -> &[Prior] {
        &self.weight_priors
    }
    /// Bias prior of each layer.
    pub fn bias_priors(&self) -> &[Prior] {
        &self.bias_priors
    }
    /// The parameter layout (names, shapes, bijections).
    pub fn layout(&self) -> &ParamLayout {
        &self.layout
    }
    /// Number of (unconstrained) parameters.
    pub fn dim(&self) -> usize {
        self.layout.dim()
    }
    /// One name per parameter: `w1[0,3]`, `b1[3]`, ..., `sigma`.
    pub fn param_names(&self) -> Vec<String> {
        self.layout.names()
    }

    /// Range of layer `l`'s weights in the flat vector (its bias follows directly).
    pub fn weight_range(&self, l: usize) -> Range<usize> {
        self.layout.blocks()[2 * l].range.clone()
    }
    /// Range of layer `l`'s bias in the flat vector.
    pub fn bias_range(&self, l: usize) -> Range<usize> {
        self.layout.blocks()[2 * l + 1].range.clone()
    }
    /// Index of `log sigma` in the flat vector, when the noise is learned.
    pub fn noise_index(&self) -> Option<usize> {
        self.likelihood.has_noise_param().then(|| self.dim() - 1)
    }

    /// Log prior of the weights and biases (not the noise) at `theta`; its gradient is added
    /// into `grad`.
    pub fn log_prior(&self, theta: &[f64], grad: &mut [f64]) -> Result<f64> {
        let mut lp = 0.0;
        for l in 0..self.n_layers() {
            let (w, b) = (self.weight_range(l), self.bias_range(l));
            lp += self.weight_priors[l].accumulate(&theta[w.clone()], &mut grad[w])?;
            lp += self.bias_priors[l].accumulate(&theta[b.clone()], &mut grad[b])?;
        }
        Ok(lp)
    }

    /// Random initial points, one per chain: every weight and bias uniform in
    /// `(-radius, radius)` and `log sigma` at `ln(sigma0)` (when learned).
    pub fn inits(&self, n_chains: usize, radius: f64, sigma0: f64, seed: u64) -> Vec<Vec<f64>> {
        let mut inits = crate::chains::uniform_inits(self.dim(), n_chains, radius, seed);
        if let Some(k) = self.noise_index() {
            for init in &mut inits {
                init[k] = sigma0.ln();
            }
        }
        inits
    }

    pub(crate) fn check_theta(&self, op: &'static str, theta: &[f64], grad: &[f64]) -> Result<()> {
        if theta.len() != self.dim() || grad.len() != self.dim() {
            return Err(Error::shape(
                op,
                format!(
                    "theta has length {} and grad {}, the network has {} parameters",
                    theta.len(),
                    grad.len(),
                    self.dim()
                ),
            ));
        }
        Ok(())
    }
}
