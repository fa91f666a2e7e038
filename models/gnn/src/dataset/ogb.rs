//! [`OgbNodeDataset`]: a node classification dataset read from an OGB raw folder, as host data.

use super::csv;
use super::split::{self, Split};
use super::tables::{read_count, read_edges, read_features, read_labels};
use std::path::Path;
use weft_ops::{Error, Idx, Result};

/// A node classification dataset in host memory, as stored in an OGB raw folder.
///
/// The edge list is kept exactly as stored: for undirected graphs such as Cora each edge appears
/// once (in one direction), and the graph is symmetrised later, when it is turned into a sparse
/// adjacency (OGB marks such graphs with `add_inverse_edge`). Self loops and duplicate edges in
/// the file are kept as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct OgbNodeDataset {
    /// The folder's name (e.g. `cora`, `ogbn-arxiv`).
    pub name: String,
    /// Number of nodes (from `num-node-list`).
    pub num_nodes: usize,
    /// Source node of each stored edge.
    pub src: Vec<Idx>,
    /// Destination node of each stored edge.
    pub dst: Vec<Idx>,
    /// Node features, row-major `[num_nodes, num_features]`; empty when the folder has no
    /// `node-feat` table.
    pub features: Vec<f32>,
    /// Features per node (0 when the folder has no `node-feat` table).
    pub num_features: usize,
    /// Class id of each node, `num_nodes` entries.
    pub labels: Vec<Idx>,
    /// Number of classes: the largest label + 1.
    pub num_classes: usize,
    /// The train / validation / test node ids.
    pub split: Split,
}

impl OgbNodeDataset {
    /// Loads the dataset in `folder` with its default split: the only folder under `split/`,
    /// or `split/public` when there are several.
    pub fn load(folder: impl AsRef<Path>) -> Result<Self> {
        Self::load_impl(folder.as_ref(), None)
    }

    /// Loads the dataset in `folder` with the split in `split/<split_name>/`.
    pub fn load_split(folder: impl AsRef<Path>, split_name: &str) -> Result<Self> {
        Self::load_impl(folder.as_ref(), Some(split_name))
    }

    /// Number of stored edges (each undirected edge counted once, as stored).
    pub fn num_edges(&self) -> usize {
        self.src.len()
    }

    /// The features of node `node`: `Some` of `num_features` values (empty when the dataset
    /// has no features), `None` when `node` is not below `num_nodes`.
    pub fn feature_row(&self, node: usize) -> Option<&[f32]> {
        if node >= self.num_nodes {
            return None;
        }
        let start = node * self.num_features;
        Some(&self.features[start..start + self.num_features])
    }

    fn load_impl(folder: &Path, split_name: Option<&str>) -> Result<Self> {
        if !folder.is_dir() {
            return Err(Error::io(folder.display(), "dataset folder not found"));
        }
        let raw = folder.join("raw");
        // Choose the split first: a wrong split name fails before the big tables are read.
        let (split_name, split_dir) = split::choose(folder, split_name)?;

        let node_count_path = csv::require(&raw, "num-node-list")?;
        let edge_count_path = csv::require(&raw, "num-edge-list")?;
        let edge_path = csv::require(&raw, "edge")?;
        let label_path = csv::require(&raw, "node-label")?;
        let feature_path = csv::find(&raw, "node-feat");

        let num_nodes = read_count(&node_count_path)?;
        if num_nodes as u64 > u64::from(Idx::MAX) {
            return Err(Error::parse(
                node_count_path.display(),
                1,
                format!("{num_nodes} nodes do not fit the index type (at most {})", Idx::MAX),
            ));
        }
        let num_edges = read_count(&edge_count_path)?;
        let node_count_name = file_name(&node_count_path);
        let (src, dst) = read_edges(&edge_path, num_nodes, num_edges, &file_name(&edge_count_path))?;
        let (features, num_features) = match feature_path {
            Some(path) => read_features(&path, num_nodes, &node_count_name)?,
            None => (Vec::new(), 0),
        };
        let (labels, num_classes) = read_labels(&label_path, num_nodes, &node_count_name)?;
        let split = split::read(split_name, &split_dir, num_nodes)?;

        let name = folder
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| folder.display().to_string());
        Ok(OgbNodeDataset { name, num_nodes, src, dst, features, num_features, labels, num_classes, split })
    }
}

/// The last component of `path`, for messages that refer to another table.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
