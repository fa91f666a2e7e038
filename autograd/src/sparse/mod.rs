//! Sparse matrices and graph primitives with gradients.
//!
//! A [`CsrMatrix`] is a sparsity pattern on a device (no values; shared, with its transpose
//! computed once and cached for backward passes). The primitives take the pattern, optional
//! per-edge values as a differentiable [`Tensor`](crate::Tensor), and dense tensors, and are recorded on the
//! tape with their backward rules. None of them materialises an `[nnz, F]` message tensor:
//! the gradient of an SpMM to its dense operand is an SpMM with the cached transpose, and the
//! gradient to its edge values is an SDDMM.
//!
//! Every primitive runs on the CPU and, with the feature `cuda` (or `cuda-emulated`), on a CUDA
//! device: `CsrMatrix::new(.., Device::Cuda(0))` uploads the pattern, and everything derived
//! from it (transpose and its permutation, row pointers, row and column ids, normalisation
//! values, mean scalings) lives on the same device. Segment reductions run on the device of
//! their offsets (which are validated on the host: one small read back per call).
//!
//! Modules (one concept each):
//! - [`csr_matrix`] — [`CsrMatrix`]: construction, transpose cache, normalisation values, ids;
//! - [`spmm`](mod@spmm) — [`spmm`](fn@spmm) with [`Aggregation`] sum / mean / max, optional (multi-head) values;
//! - [`sddmm`](mod@sddmm) — [`sddmm`](fn@sddmm) (per-head dot products) and [`sddmm_add`] (`s_i + t_j`);
//! - [`edge_softmax`](mod@edge_softmax) — [`edge_softmax`](fn@edge_softmax) over each row's stored entries;
//! - [`segment`] — [`segment_reduce`] over consecutive rows (graph pooling);
//! - [`sparse_tensor`] — [`SparseTensor`], a pattern with differentiable values (sparse features);
//! - `device` — the calls into the backends, CPU or CUDA (the only place that matches on
//!   devices; operands on another device than the pattern are `Error::DeviceMismatch`);
//! - `check` — operand validation shared by the primitives.
//!
//! ```
//! use weft_autograd::sparse::{spmm, Aggregation, CooOptions, CsrMatrix};
//! use weft_autograd::Tensor;
//! use weft_ops::Device;
//! let a = CsrMatrix::from_edges(3, 3, &[0, 1], &[1, 2], CooOptions::undirected(), Device::Cpu)?;
//! let w = a.sym_norm_values::<f64>()?.requires_grad();
//! let x = Tensor::<f64>::ones(&[3, 4], Device::Cpu)?.requires_grad();
//! let y = spmm(&a, Some(&w), &x, Aggregation::Sum)?;
//! let grads = y.sum_all()?.backward()?;
//! assert_eq!(grads.get(&x).unwrap().shape(), &[3, 4]);
//! assert_eq!(grads.get(&w).unwrap().shape(), &[a.nnz()]);
//! # Ok::<(), weft_ops::Error>(())
//! ```

mod check;
pub mod csr_matrix;
mod device;
pub mod edge_softmax;
pub mod sddmm;
pub mod segment;
pub mod sparse_tensor;
pub mod spmm;

pub use csr_matrix::CsrMatrix;
pub use edge_softmax::edge_softmax;
pub use sddmm::{sddmm, sddmm_add};
pub use segment::segment_reduce;
pub use sparse_tensor::SparseTensor;
pub use spmm::spmm;
pub use weft_ops::backend::Aggregation;
pub use weft_ops::sparse::{CooOptions, SelfLoops};
