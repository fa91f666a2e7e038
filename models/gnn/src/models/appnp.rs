//! [`AppnpNet`]: predict, then propagate (Klicpera et al. 2019).

use super::{NodeClassifier, ParamGroup};
use crate::features::linear_on;
use crate::layers::Appnp;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Dropout, Init, Linear, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// `dropout -> Linear -> ReLU -> dropout -> Linear -> APPNP(K, alpha)`; weight decay on the
/// first layer only, as in the paper.
pub struct AppnpNet<T: Float> {
    /// Hidden layer.
    pub lin1: Linear<T>,
    /// Output layer.
    pub lin2: Linear<T>,
    prop: Appnp,
    dropout: Dropout,
}

impl<T: Float> AppnpNet<T> {
    /// `input -> hidden -> classes`, then `k` propagation steps with teleport `alpha`;
    /// `dropout` on both layers' inputs, `edge_dropout` on the propagation's edge values.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        input: usize,
        hidden: usize,
        classes: usize,
        dropout: f64,
        edge_dropout: f64,
        k: usize,
        alpha: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        Ok(AppnpNet {
            lin1: Linear::with_init(input, hidden, true, Init::GlorotUniform, rng, device)?,
            lin2: Linear::with_init(hidden, classes, true, Init::GlorotUniform, rng, device)?,
            prop: Appnp::new(k, alpha, edge_dropout, rng.next_u64())?,
            dropout: Dropout::new(dropout, rng.next_u64())?,
        })
    }
}

impl<T: Float> Module<T> for AppnpNet<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("lin1", self.lin1.named_parameters());
        v.extend(prefixed("lin2", self.lin2.named_parameters()));
        v
    }
}

impl<T: Float> NodeClassifier<T> for AppnpNet<T> {
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>> {
        let g = &data.graph;
        let x = data.features.dropout(&self.dropout, mode)?;
        let h = linear_on(&self.lin1, &x)?.relu()?;
        let h = self.lin2.forward(&self.dropout.forward(&h, mode)?)?;
        self.prop.forward(&g.adj_loops, &g.gcn_norm, &h, mode)
    }

    fn param_groups(&self) -> Vec<ParamGroup<T>> {
        vec![
            ParamGroup { params: self.lin1.parameters(), decay: true },
            ParamGroup { params: self.lin2.parameters(), decay: false },
        ]
    }
}
