//! # weft-bench
//!
//! Criterion benches (`cargo bench -p weft-bench`), and the workloads they share:
//! - `benches/dense.rs` — matmul f32/f64 at 64..2048, broadcast add and softmax on 1M elements;
//! - `benches/autograd.rs` — per-op overhead with and without recording, and forward plus
//!   backward of the 1-50-1 tanh MLP log density (the Bayesian crate's HMC workload);
//! - `benches/sparse.rs` — SpMM, SDDMM, edge softmax on Cora and 100k-node generated graphs,
//!   memory copy bandwidth, and the sparse-feature first GCN layer.
//!
//! Figures and the commands that produced them are in `bench/RESULTS.md`; the Python peers
//! used for side-by-side comparisons are in `bench/compare/`.

pub mod workloads;
