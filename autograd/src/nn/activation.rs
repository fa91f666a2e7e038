//! Activation functions as a value, for layers that take one as a setting.

use crate::tensor::Tensor;
use crate::Float;
use weft_ops::Result;

/// An elementwise activation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Activation {
    /// `max(x, 0)`.
    #[default]
    Relu,
    /// Hyperbolic tangent.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// GELU (tanh approximation).
    Gelu,
    /// ELU with the given alpha.
    Elu(f64),
    /// Leaky ReLU with the given negative slope.
    LeakyRelu(f64),
    /// No activation.
    Identity,
}

impl Activation {
    /// Applies the activation.
    pub fn apply<T: Float>(self, x: &Tensor<T>) -> Result<Tensor<T>> {
        match self {
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Gelu => x.gelu(),
            Activation::Elu(a) => x.elu(a),
            Activation::LeakyRelu(s) => x.leaky_relu(s),
            Activation::Identity => Ok(x.clone()),
        }
    }
}
