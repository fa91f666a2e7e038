//! Node classification models built from the layers, with each paper's Cora hyperparameters.
//!
//! - [`kind`] — [`ModelKind`] (the model names of the example's `--model`), [`HyperParams`] and
//!   [`build`], which makes any of them as a boxed [`NodeClassifier`];
//! - one file per model: [`gcn`], [`gat`], [`sage`], [`gin`], [`appnp`], [`sgc`], [`dagnn`],
//!   [`gated_gcn`].

pub mod appnp;
pub mod dagnn;
pub mod gat;
pub mod gated_gcn;
pub mod gcn;
pub mod gin;
pub mod kind;
pub mod sage;
pub mod sgc;

pub use appnp::AppnpNet;
pub use dagnn::Dagnn;
pub use gat::Gat;
pub use gated_gcn::GatedGcn;
pub use gcn::Gcn;
pub use gin::Gin;
pub use kind::{build, HyperParams, ModelKind};
pub use sage::GraphSage;
pub use sgc::Sgc;

use crate::node_data::NodeData;
use weft_autograd::nn::{Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::Result;

/// Parameters sharing one optimiser setting: `decay` says whether the run's weight decay
/// applies to them (GCN and APPNP decay only their first layer, as in their papers).
pub struct ParamGroup<T: Float> {
    /// The parameters.
    pub params: Vec<Param<T>>,
    /// Whether L2 weight decay applies.
    pub decay: bool,
}

/// A full-batch node classifier: logits for every node of the graph.
pub trait NodeClassifier<T: Float>: Module<T> {
    /// Logits `[n, classes]` for every node of `data`.
    fn forward(&self, data: &NodeData<T>, mode: Mode) -> Result<Tensor<T>>;

    /// Optimiser groups (default: every parameter, with weight decay).
    fn param_groups(&self) -> Vec<ParamGroup<T>> {
        vec![ParamGroup { params: self.parameters(), decay: true }]
    }
}
