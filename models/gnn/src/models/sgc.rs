//! [`Sgc`]: simplified graph convolution (Wu et al. 2019): logistic regression on `Â^K X`.

use super::NodeClassifier;
use crate::layers::sgc_features;
use crate::node_data::NodeData;
use weft_autograd::nn::{param::prefixed, Init, Linear, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{error::fmt_shape, rng::Philox, Error, Result};

/// A linear classifier on features propagated `K` times, computed once at construction.
pub struct Sgc<T: Float> {
    /// The classifier.
    pub lin: Linear<T>,
    propagated: Tensor<T>,
}

impl<T: Float> Sgc<T> {
    /// Precomputes `Â^k X` for `data` and draws the classifier.
    pub fn new(data: &NodeData<T>, k: usize, rng: &mut Philox) -> Result<Self> {
        let g = &data.graph;
        let x = data.features.to_dense()?;
        let propagated = sgc_features(&g.adj_loops, &g.gcn_norm, &x, k)?;
        let device = x.device();
        let lin =
            Linear::with_init(data.num_features(), data.num_classes, true, Init::GlorotUniform, rng, device)?;
        Ok(Sgc { lin, propagated })
    }
}

impl<T: Float> Module<T> for Sgc<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        prefixed("lin", self.lin.named_parameters())
    }
}

impl<T: Float> NodeClassifier<T> for Sgc<T> {
    fn forward(&self, data: &NodeData<T>, _mode: Mode) -> Result<Tensor<T>> {
        if self.propagated.shape()[0] != data.num_nodes() {
            return Err(Error::shape(
                "Sgc",
                format!(
                    "precomputed for {} but given {} nodes",
                    fmt_shape(self.propagated.shape()),
                    data.num_nodes()
                ),
            ));
        }
        self.lin.forward(&self.propagated)
    }
}
