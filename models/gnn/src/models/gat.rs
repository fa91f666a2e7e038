//! [`Gat`]: two graph attention layers (Veličković et al. 2018).

use super::NodeClassifier;
use crate::layers::GatConv;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Dropout, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// `dropout -> GATConv(heads x hidden, concat) -> ELU -> dropout -> GATConv(out_heads, mean)`.
pub struct Gat<T: Float> {
    /// Hidden attention layer.
    pub conv1: GatConv<T>,
    /// Output attention layer.
    pub conv2: GatConv<T>,
    dropout: Dropout,
}

impl<T: Float> Gat<T> {
    /// The GAT of the paper with `heads` heads of width `hidden`, `out_heads` output heads
    /// (averaged), dropout `dropout` on features and attention coefficients.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        input: usize,
        hidden: usize,
        heads: usize,
        out_heads: usize,
        classes: usize,
        dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        let conv1 = GatConv::new(input, hidden, heads, true, dropout, rng, device)?;
        let conv2 = GatConv::new(hidden * heads, classes, out_heads, false, dropout, rng, device)?;
        Ok(Gat { conv1, conv2, dropout: Dropout::new(dropout, rng.next_u64())? })
    }
}

impl<T: Float> Module<T> for Gat<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("conv1", self.conv1.named_parameters());
        v.extend(prefixed("conv2", self.conv2.named_parameters()));
        v
    }
}

impl<T: Float> NodeClassifier<T> for Gat<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let a = &data.graph.adj_loops;
        let x = data.features.dropout(&self.dropout, mode)?;
        let h = self.conv1.forward(a, &x, mode)?.elu(1.0)?;
        let h = self.dropout.forward(&h, mode)?;
        self.conv2.forward(a, &h, mode)
    }
}
