//! The transpose of a [`CsrPattern`] together with the permutation that carries edge values.

use super::pattern::CsrPattern;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

/// The transpose `A^T` of a pattern, and where each of its entries came from.
///
/// Entry `t` of `pattern` is entry `perm[t]` of the original, so per-edge values are carried
/// over by `values_t[t] = values[perm[t]]` ([`Transposed::permute`]). Computed by a counting
/// sort in `O(nnz + n_cols)`; the column ids of every transposed row come out sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transposed {
    /// The `n_cols x n_rows` pattern of the transpose.
    pub pattern: CsrPattern,
    /// For every entry of `pattern`, the id of the same entry in the original.
    pub perm: Vec<Idx>,
}

impl Transposed {
    /// Carries per-edge values with `heads` values per edge (`[nnz, heads]`, row-major) over to the
    /// transpose's entry order.
    pub fn permute<T: Copy>(&self, values: &[T], heads: usize) -> Result<Vec<T>> {
        if heads == 0 || values.len() != self.perm.len() * heads {
            return Err(Error::shape(
                "Transposed::permute",
                format!(
                    "values have {} entries, expected nnz {} x heads {heads}",
                    values.len(),
                    self.perm.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(values.len());
        for &p in &self.perm {
            let p = p as usize * heads;
            out.extend_from_slice(&values[p..p + heads]);
        }
        Ok(out)
    }

    /// [`Transposed::permute`] for one value per edge, specialised to elements.
    pub fn permute_values<T: Element>(&self, values: &[T]) -> Result<Vec<T>> {
        self.permute(values, 1)
    }
}

impl CsrPattern {
    /// Computes the transpose and the entry permutation (see [`Transposed`]).
    ///
    /// ```
    /// use weft_ops::sparse::CsrPattern;
    /// let p = CsrPattern::from_parts(2, 3, vec![0, 2, 3], vec![0, 2, 2]).unwrap();
    /// let t = p.transpose();
    /// assert_eq!(t.pattern.row(2), &[0, 1]);
    /// assert_eq!(t.perm, vec![0, 1, 2]);
    /// ```
    pub fn transpose(&self) -> Transposed {
        let (n_rows, n_cols, nnz) = (self.n_rows(), self.n_cols(), self.nnz());
        let mut row_ptr = vec![0 as Idx; n_cols + 1];
        for &c in self.col_idx() {
            row_ptr[c as usize + 1] += 1;
        }
        for j in 0..n_cols {
            row_ptr[j + 1] += row_ptr[j];
        }
        let mut next: Vec<Idx> = row_ptr[..n_cols].to_vec();
        let mut col_idx = vec![0 as Idx; nnz];
        let mut perm = vec![0 as Idx; nnz];
        for i in 0..n_rows {
            for e in self.row_range(i) {
                let c = self.col_idx()[e] as usize;
                let t = next[c] as usize;
                col_idx[t] = i as Idx;
                perm[t] = e as Idx;
                next[c] += 1;
            }
        }
        Transposed { pattern: CsrPattern::from_parts_trusted(n_cols, n_rows, row_ptr, col_idx), perm }
    }
}
