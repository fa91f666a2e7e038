//! Node classification datasets in the OGB raw CSV layout.
//!
//! A dataset folder looks like this (each file either gzipped `.csv.gz` or plain `.csv`, no
//! header lines):
//!
//! ```text
//! <folder>/raw/num-node-list.csv.gz   one line: the node count
//! <folder>/raw/num-edge-list.csv.gz   one line: the stored edge count
//! <folder>/raw/edge.csv.gz            `src,dst` per line
//! <folder>/raw/node-feat.csv.gz       optional: one row of comma-separated floats per node
//! <folder>/raw/node-label.csv.gz      one class id per node
//! <folder>/split/<name>/train.csv.gz  node ids, one per line (likewise valid, test)
//! ```
//!
//! Submodules:
//! - [`ogb`]: [`OgbNodeDataset`], the loaded host data, and its `load` functions;
//! - [`split`]: [`Split`] (train / valid / test node ids) and how a split folder is chosen;
//! - `csv`: locating, decompressing and reading the files line by line (crate-private);
//! - `field`: allocation-free parsing of integer and float fields (crate-private);
//! - `tables`: readers for each table (counts, edges, features, labels, split ids; crate-private).

mod csv;
mod field;
pub mod ogb;
pub mod split;
mod tables;

pub use ogb::OgbNodeDataset;
pub use split::Split;
