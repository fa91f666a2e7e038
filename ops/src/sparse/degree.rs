//! Degree vectors of a [`CsrPattern`]: stored entries per row and per column, and weighted sums.

use super::pattern::CsrPattern;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

impl CsrPattern {
    /// Number of stored entries of every row (out-degree of each source node), `n_rows` entries.
    pub fn out_degrees(&self) -> Vec<Idx> {
        self.row_ptr().windows(2).map(|w| w[1] - w[0]).collect()
    }
    /// Number of stored entries of every column (in-degree of each target node), `n_cols` entries.
    pub fn in_degrees(&self) -> Vec<Idx> {
        let mut d = vec![0 as Idx; self.n_cols()];
        for &c in self.col_idx() {
            d[c as usize] += 1;
        }
        d
    }
    /// Weighted row sums `sum_j A[i, j]` (the out-degree when `values` is `None`), `n_rows` entries.
    pub fn row_sums<T: Element>(&self, values: Option<&[T]>) -> Result<Vec<T>> {
        let Some(v) = values else {
            return Ok(self.out_degrees().into_iter().map(|d| T::of(d as f64)).collect());
        };
        check_values_len("CsrPattern::row_sums", self, v.len())?;
        Ok((0..self.n_rows()).map(|i| v[self.row_range(i)].iter().copied().sum()).collect())
    }
}

/// Checks a per-edge value vector has `nnz` entries.
pub(crate) fn check_values_len(op: &'static str, p: &CsrPattern, len: usize) -> Result<()> {
    if len != p.nnz() {
        return Err(Error::shape(
            op,
            format!("edge values have {len} entries but the pattern has nnz = {}", p.nnz()),
        ));
    }
    Ok(())
}
