//! [`GraphSage`]: GraphSAGE with mean (or another) aggregation, full-batch or on sampled blocks.

use super::NodeClassifier;
use crate::features::Project;
use crate::layers::SageConv;
use crate::node_data::NodeData;
use crate::sparse::{Aggregation, CsrMatrix};
use weft_autograd::nn::{param::prefixed, Dropout, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Error, Result};

/// `dropout -> SAGE -> ReLU -> dropout -> ... -> SAGE` (`layers` convolutions).
pub struct GraphSage<T: Float> {
    /// The convolutions, input first.
    pub convs: Vec<SageConv<T>>,
    dropout: Dropout,
}

impl<T: Float> GraphSage<T> {
    /// `layers >= 1` convolutions `input -> hidden -> ... -> classes`.
    pub fn new(
        input: usize,
        hidden: usize,
        classes: usize,
        layers: usize,
        dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        if layers == 0 {
            return Err(Error::invalid("GraphSage", "needs at least one layer"));
        }
        let mut convs = Vec::with_capacity(layers);
        for l in 0..layers {
            let i = if l == 0 { input } else { hidden };
            let o = if l + 1 == layers { classes } else { hidden };
            convs.push(SageConv::new(i, o, rng, device)?);
        }
        Ok(GraphSage { convs, dropout: Dropout::new(dropout, rng.next_u64())? })
    }

    /// The same model with every convolution aggregating with `aggregation` (see
    /// [`SageConv::with_aggregation`]; mean by default).
    pub fn with_aggregation(mut self, aggregation: Aggregation) -> Self {
        self.convs = self.convs.into_iter().map(|c| c.with_aggregation(aggregation)).collect();
        self
    }

    /// Number of layers (hops of a sampled mini-batch).
    pub fn num_layers(&self) -> usize {
        self.convs.len()
    }

    /// Runs the layers over one adjacency per layer: `blocks[l]` is `[n_dst_l, n_src_l]` with
    /// `n_src_{l+1} = n_dst_l` (a sampled mini-batch, input block first) or the full graph
    /// repeated; `x` holds the input features of block 0's source nodes. Returns the logits of
    /// the last block's destination nodes.
    pub fn forward_blocks<X: Project<T> + ?Sized>(
        &self,
        blocks: &[&CsrMatrix],
        x: &X,
        mode: Mode,
    ) -> Result<Tensor<T>> {
        if blocks.len() != self.convs.len() {
            return Err(Error::invalid(
                "GraphSage::forward_blocks",
                format!("{} blocks for {} layers", blocks.len(), self.convs.len()),
            ));
        }
        let mut h: Option<Tensor<T>> = None;
        for (l, (conv, a)) in self.convs.iter().zip(blocks).enumerate() {
            let out = match &h {
                None => conv.forward(a, x)?,
                Some(prev) => conv.forward(a, &self.dropout.forward(prev, mode)?)?,
            };
            h = Some(if l + 1 < self.convs.len() { out.relu()? } else { out });
        }
        h.ok_or_else(|| Error::invalid("GraphSage", "no layers"))
    }
}

impl<T: Float> Module<T> for GraphSage<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        self.convs
            .iter()
            .enumerate()
            .flat_map(|(i, c)| prefixed(&format!("convs.{i}"), c.named_parameters()))
            .collect()
    }
}

impl<T: Float> NodeClassifier<T> for GraphSage<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let x = data.features.dropout(&self.dropout, mode)?;
        let blocks: Vec<&CsrMatrix> = self.convs.iter().map(|_| &data.graph.adj).collect();
        self.forward_blocks(&blocks, &x, mode)
    }
}
