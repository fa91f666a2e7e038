//! [`SparseTensor`]: a sparse matrix whose stored values are a differentiable tensor (sparse
//! node features such as bag-of-words vectors).

use super::{spmm, CsrMatrix};
use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::backend::Aggregation;
use weft_ops::rng::Philox;
use weft_ops::sparse::CsrPattern;
use weft_ops::{error::fmt_shape, CmpOp, Device, Error, Result};

/// A sparse `[n_rows, n_cols]` matrix: a pattern and its stored values (`[nnz]`).
#[derive(Clone, Debug)]
pub struct SparseTensor<T: Float> {
    /// The sparsity pattern.
    pub pattern: CsrMatrix,
    /// The stored values, `[nnz]`, in the pattern's entry order.
    pub values: Tensor<T>,
}

impl<T: Float> SparseTensor<T> {
    /// A sparse tensor from a pattern and its values (`[nnz]`, same device).
    pub fn new(pattern: CsrMatrix, values: Tensor<T>) -> Result<Self> {
        super::check::device("SparseTensor::new", &pattern, &values)?;
        if values.shape() != [pattern.nnz()] {
            return Err(Error::shape(
                "SparseTensor::new",
                format!(
                    "values have shape {}, expected [{}] (nnz of {pattern:?})",
                    fmt_shape(values.shape()),
                    pattern.nnz()
                ),
            ));
        }
        Ok(SparseTensor { pattern, values })
    }

    /// The non-zero entries of a dense row-major `[n_rows, n_cols]` matrix (exact zeros dropped).
    pub fn from_dense(dense: &[T], n_rows: usize, n_cols: usize, device: Device) -> Result<Self> {
        let (p, v) = CsrPattern::from_dense(n_rows, n_cols, dense)?;
        let nnz = p.nnz();
        Ok(SparseTensor {
            pattern: CsrMatrix::new(p, device)?,
            values: Tensor::from_vec(v, &[nnz])?.to_device(device)?,
        })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.pattern.n_rows()
    }
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.pattern.n_cols()
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.pattern.nnz()
    }

    /// `self x dense` (`dense` is `[n_cols, F]`, the output `[n_rows, F]`): an SpMM with sum
    /// aggregation, differentiable in the values and in `dense`.
    pub fn matmul(&self, dense: &Tensor<T>) -> Result<Tensor<T>> {
        spmm(&self.pattern, Some(&self.values), dense, Aggregation::Sum)
    }

    /// Inverted dropout on the stored values only (each is zeroed with probability `p`, the
    /// rest scaled by `1 / (1 - p)`); the pattern is shared. Training only.
    pub fn dropout_values(&self, p: f64, rng: &mut Philox) -> Result<Self> {
        Ok(SparseTensor { pattern: self.pattern.clone(), values: self.values.dropout(p, rng)? })
    }

    /// Each row divided by its sum, so non-empty rows sum to 1; rows summing to 0 stay as they
    /// are (all-zero rows stay zero). Differentiable in the values.
    pub fn row_normalized(&self) -> Result<Self> {
        let nnz = self.nnz();
        let v = self.values.reshape(&[nnz, 1])?;
        let sums = super::segment_reduce(&self.pattern.row_ptr()?, &v, Aggregation::Sum)?;
        let zero = sums.compare(CmpOp::Eq, &sums.detach().zeros_like()?)?;
        let denom = Tensor::where_cond(&zero, &sums.detach().ones_like()?, &sums)?;
        let per_entry = denom.index_select(0, &self.row_ids()?)?;
        Ok(SparseTensor { pattern: self.pattern.clone(), values: v.div(&per_entry)?.reshape(&[nnz])? })
    }

    fn row_ids(&self) -> Result<Indices> {
        self.pattern.row_ids()
    }

    /// The dense `[n_rows, n_cols]` matrix (host copy, for tests and debugging).
    pub fn to_dense(&self) -> Result<Tensor<T>> {
        let v = self.values.to_vec()?;
        let d = self.pattern.pattern().to_dense(Some(&v))?;
        Tensor::from_vec(d, &[self.n_rows(), self.n_cols()])?.to_device(self.pattern.device())
    }
}
