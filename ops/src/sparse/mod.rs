//! Sparse matrices and graph primitives on the CPU, as plain functions on slices.
//!
//! The structure of a sparse matrix is a [`CsrPattern`] (row pointers and sorted column ids,
//! validated once on construction); values live next to it as per-edge slices (`[nnz]` or
//! `[nnz, heads]`), so the same pattern serves many value tensors. [`Csr`] is a shared handle
//! that caches the transpose for backward passes. Kernels take `&[T]` operands and write into
//! caller-provided `&mut [T]` outputs, row-major; they run serially without allocating for
//! small work and in parallel (rayon, row blocks balanced by stored entries) for big work.
//!
//! Modules (one concept each):
//! - [`pattern`] — [`CsrPattern`] and its invariants, [`from_parts`](CsrPattern::from_parts);
//! - [`coo`] — [`CsrPattern::from_coo`] with [`CooOptions`] (symmetrise, self loops, dedup);
//! - [`coo_weighted`] — [`CsrPattern::from_coo_weighted`], the same with edge values (duplicates summed);
//! - [`transpose`] — [`CsrPattern::transpose`] returning [`Transposed`] (pattern + edge permutation);
//! - [`csr`] — [`Csr`], a shared pattern with its transpose cached on first use;
//! - [`dense`] — [`CsrPattern::from_dense`] (sparse feature matrices) and [`CsrPattern::to_dense`];
//! - [`degree`] — in/out degrees, weighted row sums;
//! - [`normalize`] — [`sym_norm_values`] (`D^-1/2 A D^-1/2`) and [`row_norm_values`] (`D^-1 A`);
//! - [`values`] — [`EdgeValues`], the optional (multi-head) edge values kernels scale by;
//! - [`spmm`] — [`spmm_sum`], [`spmm_mean`], [`spmm_max`] (with argmax);
//! - [`max_backward`] — [`spmm_max_backward`], [`segment_max_backward`] (gradients through the argmax);
//! - [`sddmm`] — [`sddmm_dot`] (per-head dot products) and [`sddmm_add`] (`s_i + t_j`);
//! - [`edge_softmax`](mod@edge_softmax) — per-row, per-head softmax of edge scores, and its gradient;
//! - [`segment`] — [`segment_sum`], [`segment_mean`], [`segment_max`] over sorted offsets;
//! - [`gather`] — [`gather_rows`] and [`scatter_add_rows`];
//! - [`spgemm`](mod@spgemm) — sparse x sparse product;
//! - [`intersect`] — sorted-row intersection, common neighbours;
//! - [`partition`] — nnz-balanced row blocks and the serial/parallel runner;
//! - [`simd`] — run-time AVX2/FMA dispatch and vectorisable helpers;
//! - [`random`] — seeded Erdős–Rényi and power-law graph generators;
//! - [`graph`] — k-hop subgraphs, neighbour sampling, random walks, graph batching.

pub mod coo;
pub mod coo_weighted;
pub mod csr;
pub mod degree;
pub mod dense;
pub mod edge_softmax;
pub mod gather;
pub mod graph;
pub mod intersect;
pub mod max_backward;
pub mod normalize;
pub mod partition;
pub mod pattern;
pub mod random;
pub mod sddmm;
pub mod segment;
pub mod simd;
pub mod spgemm;
pub mod spmm;
pub mod transpose;
pub mod values;

pub use coo::{CooOptions, SelfLoops};
pub use csr::Csr;
pub use edge_softmax::{edge_softmax, edge_softmax_backward};
pub use gather::{gather_rows, scatter_add_rows};
pub use intersect::{intersect_count, intersect_sorted};
pub use max_backward::{segment_max_backward, spmm_max_backward};
pub use normalize::{row_norm_values, sym_norm_values};
pub use pattern::CsrPattern;
pub use sddmm::{sddmm_add, sddmm_dot};
pub use segment::{check_segment_offsets, segment_max, segment_mean, segment_offsets_from_ids, segment_sum};
pub use spgemm::spgemm;
pub use spmm::{spmm_max, spmm_mean, spmm_sum, NO_EDGE};
pub use transpose::Transposed;
pub use values::EdgeValues;
