//! Parameter initialisation schemes.

use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{rng::Philox, Device, Result};

/// How to draw a weight matrix `[fan_in, fan_out]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`: PyTorch's default for `nn.Linear`.
    KaimingUniform,
    /// Glorot/Xavier uniform: `U(-a, a)`, `a = sqrt(6 / (fan_in + fan_out))` (GCN, GAT).
    GlorotUniform,
    /// `N(0, std^2)`.
    Normal(f64),
    /// All zeros.
    Zeros,
}

impl Init {
    /// Draws a tensor of `shape` with fan-in `fan_in` and fan-out `fan_out`.
    pub fn sample<T: Float>(
        self,
        shape: &[usize],
        fan_in: usize,
        fan_out: usize,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Tensor<T>> {
        match self {
            Init::KaimingUniform => {
                let a = 1.0 / (fan_in.max(1) as f64).sqrt();
                Tensor::rand_uniform(shape, -a, a, rng, device)
            }
            Init::GlorotUniform => {
                let a = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
                Tensor::rand_uniform(shape, -a, a, rng, device)
            }
            Init::Normal(std) => Tensor::randn(shape, 0.0, std, rng, device),
            Init::Zeros => Tensor::zeros(shape, device),
        }
    }
}
