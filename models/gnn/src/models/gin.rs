//! [`Gin`]: graph isomorphism network layers for node classification.

use super::NodeClassifier;
use crate::layers::GinConv;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Dropout, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// `dropout -> GIN(input -> hidden) -> ReLU -> dropout -> GIN(hidden -> classes)`, eps = 0.
pub struct Gin<T: Float> {
    /// First layer.
    pub conv1: GinConv<T>,
    /// Output layer.
    pub conv2: GinConv<T>,
    dropout: Dropout,
}

impl<T: Float> Gin<T> {
    /// Two GIN-0 layers with MLPs of width `hidden`.
    pub fn new(
        input: usize,
        hidden: usize,
        classes: usize,
        dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        Ok(Gin {
            conv1: GinConv::new(input, hidden, hidden, 0.0, rng, device)?,
            conv2: GinConv::new(hidden, hidden, classes, 0.0, rng, device)?,
            dropout: Dropout::new(dropout, rng.next_u64())?,
        })
    }
}

impl<T: Float> Module<T> for Gin<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("conv1", self.conv1.named_parameters());
        v.extend(prefixed("conv2", self.conv2.named_parameters()));
        v
    }
}

impl<T: Float> NodeClassifier<T> for Gin<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let a = &data.graph.adj;
        let x = data.features.dropout(&self.dropout, mode)?;
        let h = self.conv1.forward(a, &x)?.relu()?;
        self.conv2.forward(a, &self.dropout.forward(&h, mode)?)
    }
}
