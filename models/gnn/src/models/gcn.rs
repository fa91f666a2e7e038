//! [`Gcn`]: two graph convolutions (Kipf & Welling 2017).

use super::{NodeClassifier, ParamGroup};
use crate::layers::GcnConv;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Dropout, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// `dropout -> GCNConv -> ReLU -> dropout -> GCNConv`; weight decay on the first layer only.
pub struct Gcn<T: Float> {
    /// First convolution.
    pub conv1: GcnConv<T>,
    /// Second convolution.
    pub conv2: GcnConv<T>,
    dropout: Dropout,
}

impl<T: Float> Gcn<T> {
    /// A GCN `input -> hidden -> classes` with dropout `dropout` on both layers' inputs.
    pub fn new(
        input: usize,
        hidden: usize,
        classes: usize,
        dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        Ok(Gcn {
            conv1: GcnConv::new(input, hidden, rng, device)?,
            conv2: GcnConv::new(hidden, classes, rng, device)?,
            dropout: Dropout::new(dropout, rng.next_u64())?,
        })
    }
}

impl<T: Float> Module<T> for Gcn<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("conv1", self.conv1.named_parameters());
        v.extend(prefixed("conv2", self.conv2.named_parameters()));
        v
    }
}

impl<T: Float> NodeClassifier<T> for Gcn<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let g = &data.graph;
        let x = data.features.dropout(&self.dropout, mode)?;
        let h = self.conv1.forward(&g.adj_loops, &g.gcn_norm, &x)?.relu()?;
        let h = self.dropout.forward(&h, mode)?;
        self.conv2.forward(&g.adj_loops, &g.gcn_norm, &h)
    }

    fn param_groups(&self) -> Vec<ParamGroup<T>> {
        vec![
            ParamGroup { params: self.conv1.parameters(), decay: true },
            ParamGroup { params: self.conv2.parameters(), decay: false },
        ]
    }
}
