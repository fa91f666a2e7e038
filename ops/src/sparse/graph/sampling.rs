//! Uniform neighbour sampling with per-layer fan-outs (GraphSAGE-style mini-batches).

use super::relabel::Relabel;
use crate::element::Idx;
use crate::error::{Error, Result};
use crate::rng::Philox;
use crate::sparse::coo::check_ids;
use crate::sparse::CsrPattern;

/// One message-passing layer of a sampled mini-batch: a bipartite pattern from source nodes
/// (columns) to destination nodes (rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampledBlock {
    /// Global ids of the source nodes; the first `n_dst` of them are the destination nodes, so
    /// a layer can take its destinations' own features as a prefix of its input.
    pub src_nodes: Vec<Idx>,
    /// Number of destination nodes (rows of `pattern`).
    pub n_dst: usize,
    /// `n_dst x src_nodes.len()` pattern in local ids, column ids sorted per row.
    pub pattern: CsrPattern,
    /// For every entry of `pattern`, the id of the same entry in the full graph.
    pub edge_ids: Vec<Idx>,
}

impl SampledBlock {
    /// Global ids of the destination nodes.
    pub fn dst_nodes(&self) -> &[Idx] {
        &self.src_nodes[..self.n_dst]
    }
}

/// The result of [`sample_neighbours`]: one block per layer, input layer first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourSample {
    /// `blocks[0]` feeds the first GNN layer (its `src_nodes` are the input nodes whose features
    /// are needed); the last block's destinations are the seeds. Block `l`'s destination nodes
    /// are block `l + 1`'s source nodes.
    pub blocks: Vec<SampledBlock>,
    /// The seeds, as given.
    pub seeds: Vec<Idx>,
}

impl NeighbourSample {
    /// Global ids of the nodes whose input features the mini-batch needs.
    pub fn input_nodes(&self) -> &[Idx] {
        self.blocks.first().map_or(&self.seeds, |b| &b.src_nodes)
    }
}

/// Samples a mini-batch computation graph around `seeds`: for hop `h` (`fanouts[0]` is the hop
/// next to the seeds, as in PyG's `num_neighbors`), every destination node keeps `fanouts[h]`
/// of its row's entries drawn uniformly without replacement (all of them when it has fewer;
/// `usize::MAX` keeps all). Deterministic for a given `rng` state.
///
/// Errors: out-of-range or repeated seeds, a non-square pattern.
///
/// ```
/// use weft_ops::rng::Philox;
/// use weft_ops::sparse::{graph::sample_neighbours, random::erdos_renyi};
/// let g = erdos_renyi(1000, 5000, false, 1).unwrap();
/// let s = sample_neighbours(&g, &[0, 1, 2], &[5, 3], &mut Philox::new(0)).unwrap();
/// assert_eq!(s.blocks.len(), 2);
/// assert_eq!(s.blocks[1].dst_nodes(), &[0, 1, 2]);
/// assert!(s.blocks[1].pattern.out_degrees().iter().all(|&d| d <= 5));
/// assert_eq!(s.blocks[0].dst_nodes(), &s.blocks[1].src_nodes[..]);
/// ```
pub fn sample_neighbours(
    g: &CsrPattern,
    seeds: &[Idx],
    fanouts: &[usize],
    rng: &mut Philox,
) -> Result<NeighbourSample> {
    const OP: &str = "sample_neighbours";
    if !g.is_square() {
        return Err(Error::shape(
            OP,
            format!("needs a square pattern (a graph), got {} x {}", g.n_rows(), g.n_cols()),
        ));
    }
    check_ids(OP, "seed", seeds, g.n_rows())?;
    let mut map = Relabel::new(g.n_rows());
    for (k, &s) in seeds.iter().enumerate() {
        if map.get(s).is_some() {
            return Err(Error::invalid(OP, format!("seed {s} at position {k} is repeated")));
        }
        map.insert(s);
    }
    map.clear();
    let mut dst: Vec<Idx> = seeds.to_vec();
    let mut blocks = Vec::with_capacity(fanouts.len());
    let mut picked: Vec<usize> = Vec::new();
    let mut row: Vec<(Idx, Idx)> = Vec::new();
    for &fanout in fanouts {
        map.clear();
        for &d in &dst {
            map.insert(d);
        }
        let mut row_ptr = Vec::with_capacity(dst.len() + 1);
        row_ptr.push(0 as Idx);
        let (mut cols, mut edge_ids) = (Vec::new(), Vec::new());
        for &d in &dst {
            let es = g.row_range(d as usize);
            let deg = es.len();
            picked.clear();
            if deg <= fanout {
                picked.extend(0..deg);
            } else {
                // Floyd's algorithm: `fanout` distinct positions out of `deg`, uniformly.
                for j in deg - fanout..deg {
                    let t = rng.below(j as u64 + 1) as usize;
                    picked.push(if picked.contains(&t) { j } else { t });
                }
            }
            row.clear();
            for &k in &picked {
                let e = es.start + k;
                row.push((map.insert(g.col_idx()[e]), e as Idx));
            }
            row.sort_unstable();
            cols.extend(row.iter().map(|x| x.0));
            edge_ids.extend(row.iter().map(|x| x.1));
            row_ptr.push(cols.len() as Idx);
        }
        let n_dst = dst.len();
        let src_nodes = map.nodes.clone();
        let pattern = CsrPattern::from_parts_trusted(n_dst, src_nodes.len(), row_ptr, cols);
        dst = src_nodes.clone();
        blocks.push(SampledBlock { src_nodes, n_dst, pattern, edge_ids });
    }
    blocks.reverse();
    Ok(NeighbourSample { blocks, seeds: seeds.to_vec() })
}
