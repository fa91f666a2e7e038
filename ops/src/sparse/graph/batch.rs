//! Batching many small graphs into one block-diagonal pattern with a segment vector.

use crate::element::Idx;
use crate::error::{Error, Result};
use crate::sparse::CsrPattern;

/// Many graphs as one: the block-diagonal pattern and where each graph's nodes and edges are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphBatch {
    /// Block-diagonal pattern of all graphs, graph `g`'s nodes renumbered
    /// `node_offsets[g] .. node_offsets[g + 1]`.
    pub pattern: CsrPattern,
    /// `n_graphs + 1` node offsets: the segment offsets for graph-level pooling
    /// ([`segment_sum`](crate::sparse::segment_sum) and friends).
    pub node_offsets: Vec<Idx>,
    /// `n_graphs + 1` offsets of each graph's stored entries (edge values concatenate in order).
    pub edge_offsets: Vec<Idx>,
    /// Graph id of every node (sorted).
    pub graph_ids: Vec<Idx>,
}

impl GraphBatch {
    /// Number of graphs.
    pub fn n_graphs(&self) -> usize {
        self.node_offsets.len() - 1
    }
}

/// Stacks square patterns block-diagonally.
///
/// ```
/// use weft_ops::sparse::{graph::batch_graphs, CsrPattern};
/// let a = CsrPattern::from_parts(2, 2, vec![0, 1, 2], vec![1, 0]).unwrap();
/// let b = CsrPattern::identity(1).unwrap();
/// let batch = batch_graphs(&[&a, &b, &a]).unwrap();
/// assert_eq!(batch.node_offsets, vec![0, 2, 3, 5]);
/// assert_eq!(batch.pattern.row(3), &[4]);
/// assert_eq!(batch.graph_ids, vec![0, 0, 1, 2, 2]);
/// ```
pub fn batch_graphs(graphs: &[&CsrPattern]) -> Result<GraphBatch> {
    const OP: &str = "batch_graphs";
    let (mut n, mut nnz) = (0usize, 0usize);
    for (k, g) in graphs.iter().enumerate() {
        if !g.is_square() {
            return Err(Error::shape(
                OP,
                format!("graph {k} is {} x {}, not square", g.n_rows(), g.n_cols()),
            ));
        }
        n += g.n_rows();
        nnz += g.nnz();
    }
    if n > Idx::MAX as usize || nnz > Idx::MAX as usize {
        return Err(Error::shape(OP, format!("{n} nodes and {nnz} entries in all do not fit u32")));
    }
    let mut row_ptr = Vec::with_capacity(n + 1);
    row_ptr.push(0 as Idx);
    let mut cols = Vec::with_capacity(nnz);
    let (mut node_offsets, mut edge_offsets) = (vec![0 as Idx], vec![0 as Idx]);
    let mut graph_ids = Vec::with_capacity(n);
    for (k, g) in graphs.iter().enumerate() {
        let (n0, e0) = (*node_offsets.last().unwrap_or(&0), *edge_offsets.last().unwrap_or(&0));
        cols.extend(g.col_idx().iter().map(|&c| c + n0));
        row_ptr.extend(g.row_ptr()[1..].iter().map(|&r| r + e0));
        graph_ids.extend(std::iter::repeat_n(k as Idx, g.n_rows()));
        node_offsets.push(n0 + g.n_rows() as Idx);
        edge_offsets.push(e0 + g.nnz() as Idx);
    }
    let pattern = CsrPattern::from_parts_trusted(n, n, row_ptr, cols);
    Ok(GraphBatch { pattern, node_offsets, edge_offsets, graph_ids })
}
