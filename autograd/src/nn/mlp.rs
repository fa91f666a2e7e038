//! [`Mlp`]: a stack of [`Linear`] layers with an activation and dropout between them.

use super::activation::Activation;
use super::dropout::{Dropout, Mode};
use super::linear::Linear;
use super::param::{prefixed, Module, Param};
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{rng::Philox, Device, Error, Result};

/// A multi-layer perceptron: `Linear -> act -> dropout -> ... -> Linear` (no activation after
/// the last layer).
pub struct Mlp<T: Float> {
    layers: Vec<Linear<T>>,
    activation: Activation,
    dropout: Dropout,
}

impl<T: Float> Mlp<T> {
    /// An MLP with layer widths `sizes` (`[in, hidden..., out]`, at least two entries).
    pub fn new(
        sizes: &[usize],
        activation: Activation,
        dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        if sizes.len() < 2 {
            return Err(Error::invalid(
                "Mlp",
                format!("needs at least input and output widths, got {sizes:?}"),
            ));
        }
        let layers = sizes
            .windows(2)
            .map(|w| Linear::new(w[0], w[1], true, rng, device))
            .collect::<Result<Vec<_>>>()?;
        Ok(Mlp { layers, activation, dropout: Dropout::new(dropout, rng.next_u64())? })
    }

    /// The layers.
    pub fn layers(&self) -> &[Linear<T>] {
        &self.layers
    }

    /// Applies the network to `x` of shape `[..., in]`.
    pub fn forward(&self, x: &Tensor<T>, mode: Mode) -> Result<Tensor<T>> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.layers.len() {
                h = self.dropout.forward(&self.activation.apply(&h)?, mode)?;
            }
        }
        Ok(h)
    }
}

impl<T: Float> Module<T> for Mlp<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| prefixed(&format!("layers.{i}"), l.named_parameters()))
            .collect()
    }
}
