//! GNN layers, one per file, all on the fused sparse primitives (SpMM, SDDMM, edge softmax):
//! - [`gcn`] — [`GcnConv`], `Â X W + b`;
//! - [`gat`] — [`GatConv`], multi-head graph attention;
//! - [`sage`] — [`SageConv`], GraphSAGE mean aggregation with a root weight;
//! - [`gin`] — [`GinConv`], sum aggregation and an MLP;
//! - [`appnp`] — [`Appnp`], personalised-PageRank propagation;
//! - [`sgc`] — [`sgc_features`], SGC's precomputed `Â^K X`;
//! - [`dagnn`] — [`DagnnProp`], DAGNN's adaptive-depth propagation;
//! - [`gated_gcn`] — [`GatedGcnLayer`], residual gated graph convolution with edge features.

pub mod appnp;
pub mod dagnn;
pub mod gat;
pub mod gated_gcn;
pub mod gcn;
pub mod gin;
pub mod sage;
pub mod sgc;

pub use appnp::Appnp;
pub use dagnn::DagnnProp;
pub use gat::GatConv;
pub use gated_gcn::GatedGcnLayer;
pub use gcn::GcnConv;
pub use gin::GinConv;
pub use sage::SageConv;
pub use sgc::sgc_features;
