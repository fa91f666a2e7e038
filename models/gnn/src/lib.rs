//! # weft-gnn
//!
//! Graph neural networks on weft. For now this crate holds the dataset layer: a loader for node
//! classification datasets in the OGB raw CSV layout (the layout of `ogbn-arxiv`,
//! `ogbn-products` and of the repository's `data/cora`), producing plain host data.
//!
//! Modules:
//! - [`dataset`]: [`OgbNodeDataset`] and its [`Split`], read from an OGB raw folder
//!   (`.csv.gz` through flate2, or plain `.csv`), with errors naming the file and line.

pub mod dataset;

pub use dataset::{OgbNodeDataset, Split};
