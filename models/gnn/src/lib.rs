//! # weft-gnn
//!
//! Graph neural networks on weft: datasets in the OGB raw CSV layout, graph preprocessing,
//! GNN layers on the fused sparse primitives (SpMM, SDDMM, edge softmax), node
//! classification models with each paper's standard hyperparameters, and training loops.
//!
//! Modules:
//! - [`dataset`] — [`OgbNodeDataset`] and its [`Split`], read from an OGB raw folder;
//! - [`node_data`] — [`NodeData`]: a dataset as tensors on a device ([`FeatureOptions`]);
//! - [`graph`] — [`Graph`]: the symmetrised adjacency, with and without self loops, and the
//!   GCN normalisation;
//! - [`features`] — [`Features`] (dense or sparse node features) and [`features::Project`];
//! - [`layers`] — GCNConv, GATConv, SAGEConv, GINConv, APPNP, SGC, DAGNN, GatedGCN;
//! - [`models`] — [`models::NodeClassifier`] models, [`ModelKind`], [`HyperParams`], [`build`];
//! - [`train`] — full-batch and sampled mini-batch training, accuracy.
//!
//! Devices: everything runs on the device of the [`NodeData`] (`Device::Cpu`, or
//! `Device::Cuda(i)` with the feature `cuda`; `cuda-emulated` runs the CUDA kernels on the
//! emulated device, for tests). The graph, features, labels and splits are uploaded once by
//! [`NodeData::from_dataset`]; per epoch only scalars (losses) and the predicted classes of
//! the evaluated nodes come back to the host, and sampled mini-batches (drawn on the host)
//! upload their blocks and node ids.
//!
//! ```no_run
//! use weft_gnn::{build, train::{train_full_batch, TrainConfig}, FeatureOptions, ModelKind, NodeData, OgbNodeDataset};
//! use weft_ops::Device;
//! let ds = OgbNodeDataset::load("data/cora")?;
//! let data = NodeData::<f32>::from_dataset(&ds, FeatureOptions::default(), Device::Cpu)?;
//! let hp = ModelKind::Gcn.defaults();
//! let model = build(ModelKind::Gcn, &hp, &data, 0)?;
//! let cfg = TrainConfig { epochs: hp.epochs, lr: hp.lr, weight_decay: hp.weight_decay };
//! let run = train_full_batch(model.as_ref(), &data, &cfg, &mut |_| {})?;
//! println!("test accuracy {:.1}%", run.test_acc);
//! # Ok::<(), weft_ops::Error>(())
//! ```

pub mod dataset;
pub mod features;
pub mod graph;
pub mod layers;
pub mod models;
pub mod node_data;
pub mod train;

/// The sparse autograd API the layers are written against (re-exported from weft-autograd).
pub use weft_autograd::sparse;

pub use dataset::{OgbNodeDataset, Split};
pub use features::Features;
pub use graph::Graph;
pub use models::{build, HyperParams, ModelKind};
pub use node_data::{FeatureOptions, NodeData};
