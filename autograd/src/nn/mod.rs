//! Neural-network building blocks: parameters and modules, layers, activations, losses,
//! initialisation.
//!
//! - [`param`] — [`Param`] and the [`Module`] trait;
//! - [`init`] — [`Init`] schemes;
//! - [`linear`], [`embedding`], [`layer_norm`], [`dropout`], [`mlp`], [`attention`] — layers;
//! - [`activation`] — [`Activation`];
//! - [`loss`] — cross-entropy with logits, MSE, BCE with logits, Gaussian NLL.

pub mod activation;
pub mod attention;
pub mod dropout;
pub mod embedding;
pub mod init;
pub mod layer_norm;
pub mod linear;
pub mod loss;
pub mod mlp;
pub mod param;

pub use activation::Activation;
pub use attention::MultiHeadAttention;
pub use dropout::{Dropout, Mode};
pub use embedding::Embedding;
pub use init::Init;
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mlp::Mlp;
pub use param::{Module, Param};
