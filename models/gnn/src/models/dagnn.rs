//! [`Dagnn`]: deep adaptive graph neural network (Liu, Gao & Ji 2020).

use super::NodeClassifier;
use crate::features::linear_on;
use crate::layers::DagnnProp;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Dropout, Init, Linear, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// `dropout -> Linear -> ReLU -> dropout -> Linear -> adaptive K-hop propagation`.
pub struct Dagnn<T: Float> {
    /// Hidden layer.
    pub lin1: Linear<T>,
    /// Output layer.
    pub lin2: Linear<T>,
    /// Adaptive propagation.
    pub prop: DagnnProp<T>,
    dropout: Dropout,
}

impl<T: Float> Dagnn<T> {
    /// `input -> hidden -> classes`, then `k` hops.
    pub fn new(
        input: usize,
        hidden: usize,
        classes: usize,
        dropout: f64,
        k: usize,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        Ok(Dagnn {
            lin1: Linear::with_init(input, hidden, true, Init::GlorotUniform, rng, device)?,
            lin2: Linear::with_init(hidden, classes, true, Init::GlorotUniform, rng, device)?,
            prop: DagnnProp::new(classes, k, rng, device)?,
            dropout: Dropout::new(dropout, rng.next_u64())?,
        })
    }
}

impl<T: Float> Module<T> for Dagnn<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("lin1", self.lin1.named_parameters());
        v.extend(prefixed("lin2", self.lin2.named_parameters()));
        v.extend(prefixed("prop", self.prop.named_parameters()));
        v
    }
}

impl<T: Float> NodeClassifier<T> for Dagnn<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let g = &data.graph;
        let x = data.features.dropout(&self.dropout, mode)?;
        let h = linear_on(&self.lin1, &x)?.relu()?;
        let z = self.lin2.forward(&self.dropout.forward(&h, mode)?)?;
        self.prop.forward(&g.adj_loops, &g.gcn_norm, &z)
    }
}
