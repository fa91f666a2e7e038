//! Conversions between dense row-major matrices and (pattern, values) pairs: sparse feature
//! matrices (Cora's bag-of-words features are 1.3% dense) and debugging.

use super::degree::check_values_len;
use super::pattern::{check_dims, CsrPattern};
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

impl CsrPattern {
    /// The pattern and values of the non-zero entries of a dense row-major `[n_rows, n_cols]`
    /// matrix (exact zeros are dropped; NaN is kept as a stored value).
    ///
    /// ```
    /// use weft_ops::sparse::CsrPattern;
    /// let (p, v) = CsrPattern::from_dense(2, 3, &[0.0f32, 2.0, 0.0, 1.0, 0.0, 3.0]).unwrap();
    /// assert_eq!((p.row(0), p.row(1)), (&[1][..], &[0, 2][..]));
    /// assert_eq!(v, vec![2.0, 1.0, 3.0]);
    /// assert_eq!(p.to_dense(Some(&v)).unwrap(), vec![0.0, 2.0, 0.0, 1.0, 0.0, 3.0]);
    /// ```
    pub fn from_dense<T: Element>(n_rows: usize, n_cols: usize, data: &[T]) -> Result<(Self, Vec<T>)> {
        const OP: &str = "CsrPattern::from_dense";
        check_dims(OP, n_rows, n_cols)?;
        if data.len() != n_rows * n_cols {
            return Err(Error::shape(
                OP,
                format!("data has {} entries, expected [{n_rows}, {n_cols}]", data.len()),
            ));
        }
        let mut row_ptr = Vec::with_capacity(n_rows + 1);
        row_ptr.push(0 as Idx);
        let (mut cols, mut vals) = (Vec::new(), Vec::new());
        for i in 0..n_rows {
            for (j, &x) in data[i * n_cols..(i + 1) * n_cols].iter().enumerate() {
                if x != T::zero() {
                    cols.push(j as Idx);
                    vals.push(x);
                }
            }
            if cols.len() > Idx::MAX as usize {
                return Err(Error::shape(OP, format!("more than {} non-zeros", Idx::MAX)));
            }
            row_ptr.push(cols.len() as Idx);
        }
        Ok((CsrPattern::from_parts_trusted(n_rows, n_cols, row_ptr, cols), vals))
    }

    /// The dense row-major `[n_rows, n_cols]` matrix with `values` (`None` = 1) at the stored
    /// entries and 0 elsewhere.
    pub fn to_dense<T: Element>(&self, values: Option<&[T]>) -> Result<Vec<T>> {
        if let Some(v) = values {
            check_values_len("CsrPattern::to_dense", self, v.len())?;
        }
        let mut out = vec![T::zero(); self.n_rows() * self.n_cols()];
        for i in 0..self.n_rows() {
            for e in self.row_range(i) {
                out[i * self.n_cols() + self.col_idx()[e] as usize] = values.map_or(T::one(), |v| v[e]);
            }
        }
        Ok(out)
    }
}
