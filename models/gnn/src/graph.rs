//! [`Graph`]: an undirected graph's adjacency in the forms the layers use, built once.

use crate::sparse::{CooOptions, CsrMatrix, SelfLoops};
use weft_autograd::{Float, Tensor};
use weft_ops::{Device, Idx, Result};

/// A symmetrised graph on a device: the adjacency without self loops (for SAGE, GIN,
/// GatedGCN), with one self loop per node (for GCN, GAT, APPNP, SGC, DAGNN), and the GCN
/// coefficients `D^-1/2 (A + I) D^-1/2` of the latter.
#[derive(Clone, Debug)]
pub struct Graph<T: Float> {
    /// `A`: both directions of every edge, duplicates merged, self loops removed.
    pub adj: CsrMatrix,
    /// `A + I`: as `adj` plus exactly one self loop per node.
    pub adj_loops: CsrMatrix,
    /// `[adj_loops.nnz()]`: the values of `Â = D^-1/2 (A + I) D^-1/2`, `D` the degrees of `A + I`.
    pub gcn_norm: Tensor<T>,
}

impl<T: Float> Graph<T> {
    /// The undirected graph on `num_nodes` nodes with an edge between `src[k]` and `dst[k]`
    /// for every `k` (stored in either or both directions; duplicates and self loops ignored).
    pub fn undirected(num_nodes: usize, src: &[Idx], dst: &[Idx], device: Device) -> Result<Self> {
        let undirected = CooOptions::undirected();
        let adj = CsrMatrix::from_edges(
            num_nodes,
            num_nodes,
            src,
            dst,
            undirected.with_self_loops(SelfLoops::Remove),
            device,
        )?;
        let adj_loops = CsrMatrix::from_edges(
            num_nodes,
            num_nodes,
            src,
            dst,
            undirected.with_self_loops(SelfLoops::Add),
            device,
        )?;
        let gcn_norm = adj_loops.sym_norm_values::<T>()?.to_device(device)?;
        Ok(Graph { adj, adj_loops, gcn_norm })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.adj.n_rows()
    }

    /// Number of stored directed edges of `adj` (twice the undirected edge count).
    pub fn num_directed_edges(&self) -> usize {
        self.adj.nnz()
    }
}
