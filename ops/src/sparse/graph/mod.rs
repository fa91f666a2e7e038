//! Graph utilities on [`CsrPattern`](super::CsrPattern)s: k-hop subgraphs, neighbour sampling
//! for mini-batch training, random walks, and batching small graphs block-diagonally.
//!
//! Edge direction: entry `(i, j)` of a pattern is an edge along which row `i` *receives* from
//! `j` (an SpMM computes `out[i] = sum_j A[i, j] x[j]`). So the receptive field of a node is
//! found by following its row, and "neighbours of `i`" are the column ids of row `i`.

pub mod batch;
pub mod khop;
pub mod random_walk;
pub mod relabel;
pub mod sampling;

pub use batch::{batch_graphs, GraphBatch};
pub use khop::{k_hop_subgraph, Subgraph};
pub use random_walk::random_walks;
pub use sampling::{sample_neighbours, NeighbourSample, SampledBlock};
