//! k-hop subgraph extraction: the nodes within `k` hops of some seeds and the induced,
//! relabelled sub-pattern.

use super::relabel::Relabel;
use crate::element::Idx;
use crate::error::{Error, Result};
use crate::sparse::coo::check_ids;
use crate::sparse::CsrPattern;

/// The result of [`k_hop_subgraph`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subgraph {
    /// Global id of every local node: the distinct seeds first (in the order given), then nodes
    /// in breadth-first order (by hop, then by discovery).
    pub nodes: Vec<Idx>,
    /// Hop distance of every local node from the nearest seed (seeds have 0).
    pub hops: Vec<Idx>,
    /// The induced sub-pattern on `nodes`, in local ids (`nodes.len()` square).
    pub pattern: CsrPattern,
    /// For every entry of `pattern`, the id of the same entry in the original pattern.
    pub edge_ids: Vec<Idx>,
}

/// The subgraph induced by every node within `k` hops of `seeds` (following rows: node `i`
/// reaches the column ids of row `i`). Every edge of the original between two kept nodes is
/// kept, not only the breadth-first-search tree.
///
/// ```
/// use weft_ops::sparse::{graph::k_hop_subgraph, CooOptions, CsrPattern};
/// // path 0 - 1 - 2 - 3
/// let g = CsrPattern::from_coo(4, 4, &[0, 1, 2], &[1, 2, 3], CooOptions::undirected()).unwrap();
/// let s = k_hop_subgraph(&g, &[1], 1).unwrap();
/// assert_eq!(s.nodes, vec![1, 0, 2]);
/// assert_eq!(s.pattern.row(0), &[1, 2]); // local node 0 = global 1, linked to 0 and 2
/// ```
pub fn k_hop_subgraph(g: &CsrPattern, seeds: &[Idx], k: usize) -> Result<Subgraph> {
    const OP: &str = "k_hop_subgraph";
    if !g.is_square() {
        return Err(Error::shape(
            OP,
            format!("needs a square pattern (a graph), got {} x {}", g.n_rows(), g.n_cols()),
        ));
    }
    check_ids(OP, "seed", seeds, g.n_rows())?;
    let mut map = Relabel::new(g.n_rows());
    let mut hops = Vec::new();
    for &s in seeds {
        if map.get(s).is_none() {
            map.insert(s);
            hops.push(0);
        }
    }
    let mut frontier = 0..map.len();
    for hop in 1..=k {
        let start = map.len();
        for l in frontier.clone() {
            let u = map.nodes[l];
            for &v in g.row(u as usize) {
                if map.get(v).is_none() {
                    map.insert(v);
                    hops.push(hop as Idx);
                }
            }
        }
        if map.len() == start {
            break;
        }
        frontier = start..map.len();
    }
    let n = map.len();
    let mut row_ptr = Vec::with_capacity(n + 1);
    row_ptr.push(0 as Idx);
    let (mut cols, mut edge_ids) = (Vec::new(), Vec::new());
    let mut row: Vec<(Idx, Idx)> = Vec::new();
    for l in 0..n {
        let u = map.nodes[l] as usize;
        row.clear();
        for e in g.row_range(u) {
            if let Some(lc) = map.get(g.col_idx()[e]) {
                row.push((lc, e as Idx));
            }
        }
        row.sort_unstable();
        cols.extend(row.iter().map(|x| x.0));
        edge_ids.extend(row.iter().map(|x| x.1));
        row_ptr.push(cols.len() as Idx);
    }
    let pattern = CsrPattern::from_parts_trusted(n, n, row_ptr, cols);
    Ok(Subgraph { nodes: map.nodes, hops, pattern, edge_ids })
}
