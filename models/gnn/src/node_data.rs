//! [`NodeData`]: a node classification dataset as tensors on a device, ready for training.

use crate::dataset::OgbNodeDataset;
use crate::features::Features;
use crate::graph::Graph;
use crate::sparse::SparseTensor;
use weft_autograd::{Float, Indices, Tensor};
use weft_ops::{Device, Error, Idx, Result};

/// How to turn the dataset's features into tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureOptions {
    /// Divide each row by its sum (PyG's `NormalizeFeatures`; rows summing to 0 stay 0).
    pub row_normalize: bool,
    /// Keep the features as a sparse matrix (good for bag-of-words features).
    pub sparse: bool,
}

impl Default for FeatureOptions {
    /// Row-normalised, sparse: the setting of GCN and GAT on the citation graphs.
    fn default() -> Self {
        FeatureOptions { row_normalize: true, sparse: true }
    }
}

/// A node classification problem on a device: graph, features, labels and the split.
#[derive(Clone, Debug)]
pub struct NodeData<T: Float> {
    /// The symmetrised graph.
    pub graph: Graph<T>,
    /// Node features `[n, f]`.
    pub features: Features<T>,
    /// Class of every node.
    pub labels: Indices,
    /// Training node ids.
    pub train: Indices,
    /// Validation node ids.
    pub valid: Indices,
    /// Test node ids.
    pub test: Indices,
    /// Class of every node, on the host (for accuracies and mini-batches).
    pub labels_host: Vec<Idx>,
    /// Number of classes.
    pub num_classes: usize,
}

impl<T: Float> NodeData<T> {
    /// Builds the tensors of `ds` on `device`.
    ///
    /// Errors: a dataset without node features, or one whose tables disagree in size.
    pub fn from_dataset(ds: &OgbNodeDataset, options: FeatureOptions, device: Device) -> Result<Self> {
        const OP: &str = "NodeData::from_dataset";
        if ds.num_features == 0 || ds.features.len() != ds.num_nodes * ds.num_features {
            return Err(Error::invalid(
                OP,
                format!(
                    "dataset '{}' has {} feature values for {} nodes x {} features (node features are required)",
                    ds.name,
                    ds.features.len(),
                    ds.num_nodes,
                    ds.num_features
                ),
            ));
        }
        if ds.labels.len() != ds.num_nodes {
            return Err(Error::invalid(
                OP,
                format!("dataset '{}' has {} labels for {} nodes", ds.name, ds.labels.len(), ds.num_nodes),
            ));
        }
        let graph = Graph::undirected(ds.num_nodes, &ds.src, &ds.dst, device)?;
        let (n, f) = (ds.num_nodes, ds.num_features);
        let mut x: Vec<T> = ds.features.iter().map(|&v| T::of(f64::from(v))).collect();
        if options.row_normalize {
            for row in x.chunks_mut(f) {
                let s = row.iter().fold(T::zero(), |a, &b| a + b);
                if s != T::zero() {
                    row.iter_mut().for_each(|v| *v = *v / s);
                }
            }
        }
        let features = if options.sparse {
            Features::Sparse(SparseTensor::from_dense(&x, n, f, device)?)
        } else {
            Features::Dense(Tensor::from_vec(x, &[n, f])?.to_device(device)?)
        };
        let ids = |v: &[Idx]| Indices::new(v.to_vec()).to_device(device);
        Ok(NodeData {
            graph,
            features,
            labels: ids(&ds.labels)?,
            train: ids(&ds.split.train)?,
            valid: ids(&ds.split.valid)?,
            test: ids(&ds.split.test)?,
            labels_host: ds.labels.clone(),
            num_classes: ds.num_classes,
        })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.graph.num_nodes()
    }

    /// Number of input features per node.
    pub fn num_features(&self) -> usize {
        self.features.num_cols()
    }

    /// The labels of `ids`, on the labels' device.
    pub fn labels_of(&self, ids: &Indices) -> Result<Indices> {
        let host = ids.to_vec()?;
        let v = host.iter().map(|&i| self.labels_host[i as usize]).collect();
        Indices::new(v).to_device(self.labels.device())
    }
}
