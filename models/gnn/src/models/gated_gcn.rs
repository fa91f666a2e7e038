//! [`GatedGcn`]: a residual gated GCN for node classification ("Benchmarking GNNs" style).

use super::NodeClassifier;
use crate::features::linear_on;
use crate::layers::GatedGcnLayer;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Dropout, Linear, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// `dropout -> Linear (embed) -> GatedGCN layers -> Linear (classes)`. The graph has no edge
/// features, so every edge starts from one learned embedding vector.
pub struct GatedGcn<T: Float> {
    /// Node input embedding.
    pub embed: Linear<T>,
    /// The initial edge feature `[1, hidden]`.
    pub edge_embed: Param<T>,
    /// The gated layers.
    pub layers: Vec<GatedGcnLayer<T>>,
    /// Classifier.
    pub head: Linear<T>,
    dropout: Dropout,
}

impl<T: Float> GatedGcn<T> {
    /// `layers` gated layers of width `hidden`.
    pub fn new(
        input: usize,
        hidden: usize,
        classes: usize,
        layers: usize,
        dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        let embed = Linear::new(input, hidden, true, rng, device)?;
        let edge_embed = Param::new(Tensor::randn(&[1, hidden], 0.0, 1.0, rng, device)?);
        let layers = (0..layers)
            .map(|_| GatedGcnLayer::new(hidden, dropout, rng, device))
            .collect::<Result<Vec<_>>>()?;
        let head = Linear::new(hidden, classes, true, rng, device)?;
        Ok(GatedGcn { embed, edge_embed, layers, head, dropout: Dropout::new(dropout, rng.next_u64())? })
    }
}

impl<T: Float> Module<T> for GatedGcn<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("embed", self.embed.named_parameters());
        v.push(("edge_embed".into(), self.edge_embed.clone()));
        for (i, l) in self.layers.iter().enumerate() {
            v.extend(prefixed(&format!("layers.{i}"), l.named_parameters()));
        }
        v.extend(prefixed("head", self.head.named_parameters()));
        v
    }
}

impl<T: Float> NodeClassifier<T> for GatedGcn<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let a = &data.graph.adj;
        let x = data.features.dropout(&self.dropout, mode)?;
        let mut h = linear_on(&self.embed, &x)?;
        let hidden = self.edge_embed.shape()[1];
        let mut e = self.edge_embed.value().broadcast_to(&[a.nnz(), hidden])?.contiguous()?;
        for layer in &self.layers {
            (h, e) = layer.forward(a, &h, &e, mode)?;
        }
        self.head.forward(&self.dropout.forward(&h, mode)?)
    }
}
