//! Every differentiable op, with its forward and backward rule together, one file per family.
//!
//! - [`elementwise`]: unary maps, broadcasting binary ops, scalar ops, comparisons, `where`;
//! - [`reduce`]: sums, means, max/min, logsumexp, argmax, softmax, `sum_to`;
//! - [`shape`]: views (reshape, transpose, permute, narrow, broadcast), concat, stack;
//! - [`linalg`]: matmul, Cholesky, triangular solve;
//! - [`gather`]: index_select, index_add;
//! - [`random`]: random tensors and dropout.

pub mod elementwise;
pub mod gather;
pub mod linalg;
pub mod random;
pub mod reduce;
pub mod shape;
