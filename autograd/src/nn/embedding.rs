//! [`Embedding`]: a lookup table of learned vectors.

use super::init::Init;
use super::param::{Module, Param};
use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{rng::Philox, Device, Result};

/// `num` learned vectors of width `dim`, looked up by index.
pub struct Embedding<T: Float> {
    /// The table `[num, dim]`.
    pub weight: Param<T>,
}

impl<T: Float> Embedding<T> {
    /// A table drawn from `N(0, 1)` (as PyTorch's `nn.Embedding`).
    pub fn new(num: usize, dim: usize, rng: &mut Philox, device: Device) -> Result<Self> {
        Ok(Embedding { weight: Param::new(Init::Normal(1.0).sample(&[num, dim], num, dim, rng, device)?) })
    }

    /// The rows `idx` of the table, `[idx.len(), dim]`.
    pub fn forward(&self, idx: &Indices) -> Result<Tensor<T>> {
        self.weight.value().rows(idx)
    }
}

impl<T: Float> Module<T> for Embedding<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        vec![("weight".to_string(), self.weight.clone())]
    }
}
