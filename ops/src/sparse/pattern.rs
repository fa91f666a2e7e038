//! [`CsrPattern`]: the structure (row pointers and sorted column ids) of a sparse matrix.

use crate::element::Idx;
use crate::error::{Error, Result};

/// The structure of an `n_rows x n_cols` sparse matrix in compressed sparse row form.
///
/// Invariants, checked once on construction so that kernels can rely on them:
/// `row_ptr` has `n_rows + 1` entries, starts at 0, never decreases and ends at
/// `nnz = col_idx.len()`; the column ids of every row are strictly increasing (sorted, no
/// duplicates) and `< n_cols`. Stored entry `e` of row `i` is `row_ptr[i] <= e < row_ptr[i + 1]`;
/// per-edge value vectors are indexed by `e`.
///
/// ```
/// use weft_ops::sparse::CsrPattern;
/// // 0 -> 1, 0 -> 2, 2 -> 0
/// let p = CsrPattern::from_parts(3, 3, vec![0, 2, 2, 3], vec![1, 2, 0]).unwrap();
/// assert_eq!(p.nnz(), 3);
/// assert_eq!(p.row(0), &[1, 2]);
/// assert!(p.row(1).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrPattern {
    n_rows: usize,
    n_cols: usize,
    row_ptr: Vec<Idx>,
    col_idx: Vec<Idx>,
}

impl CsrPattern {
    /// Validates raw CSR arrays and wraps them.
    ///
    /// Errors: [`Error::Shape`] when `row_ptr` has the wrong length or `nnz` does not fit
    /// [`Idx`]; [`Error::Invalid`] when `row_ptr` does not start at 0, decreases, does not end at
    /// `col_idx.len()`, or a row's column ids are not strictly increasing; [`Error::Index`] when a
    /// column id is `>= n_cols`.
    pub fn from_parts(n_rows: usize, n_cols: usize, row_ptr: Vec<Idx>, col_idx: Vec<Idx>) -> Result<Self> {
        const OP: &str = "CsrPattern::from_parts";
        check_dims(OP, n_rows, n_cols)?;
        if row_ptr.len() != n_rows + 1 {
            return Err(Error::shape(
                OP,
                format!("row_ptr has {} entries, expected n_rows + 1 = {}", row_ptr.len(), n_rows + 1),
            ));
        }
        if col_idx.len() > Idx::MAX as usize {
            return Err(Error::shape(OP, format!("nnz {} does not fit the index type u32", col_idx.len())));
        }
        if row_ptr[0] != 0 {
            return Err(Error::invalid(OP, format!("row_ptr[0] is {}, expected 0", row_ptr[0])));
        }
        for (i, w) in row_ptr.windows(2).enumerate() {
            if w[1] < w[0] {
                return Err(Error::invalid(
                    OP,
                    format!(
                        "row_ptr is not sorted: row_ptr[{}] = {} > row_ptr[{}] = {}",
                        i,
                        w[0],
                        i + 1,
                        w[1]
                    ),
                ));
            }
        }
        let last = row_ptr[n_rows] as usize;
        if last != col_idx.len() {
            return Err(Error::invalid(
                OP,
                format!("row_ptr ends at {last} but col_idx has {} entries", col_idx.len()),
            ));
        }
        for i in 0..n_rows {
            let (s, e) = (row_ptr[i] as usize, row_ptr[i + 1] as usize);
            let row = &col_idx[s..e];
            for (k, &c) in row.iter().enumerate() {
                if c as usize >= n_cols {
                    return Err(Error::index(
                        OP,
                        format!("column id {c} at position {} (row {i}) is >= n_cols = {n_cols}", s + k),
                    ));
                }
                if k > 0 && row[k - 1] >= c {
                    return Err(Error::invalid(
                        OP,
                        format!(
                            "column ids of row {i} are not strictly increasing: {} then {c} at position {}",
                            row[k - 1],
                            s + k
                        ),
                    ));
                }
            }
        }
        Ok(CsrPattern { n_rows, n_cols, row_ptr, col_idx })
    }

    /// Wraps arrays the caller has built to satisfy the invariants (checked in debug builds).
    pub(crate) fn from_parts_trusted(
        n_rows: usize,
        n_cols: usize,
        row_ptr: Vec<Idx>,
        col_idx: Vec<Idx>,
    ) -> Self {
        debug_assert!(Self::from_parts(n_rows, n_cols, row_ptr.clone(), col_idx.clone()).is_ok());
        CsrPattern { n_rows, n_cols, row_ptr, col_idx }
    }

    /// The pattern with no stored entries.
    pub fn empty(n_rows: usize, n_cols: usize) -> Result<Self> {
        check_dims("CsrPattern::empty", n_rows, n_cols)?;
        Ok(CsrPattern { n_rows, n_cols, row_ptr: vec![0; n_rows + 1], col_idx: Vec::new() })
    }

    /// The `n x n` identity pattern (one self loop per node).
    pub fn identity(n: usize) -> Result<Self> {
        check_dims("CsrPattern::identity", n, n)?;
        Ok(CsrPattern {
            n_rows: n,
            n_cols: n,
            row_ptr: (0..=n as Idx).collect(),
            col_idx: (0..n as Idx).collect(),
        })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }
    /// Number of stored entries (edges).
    pub fn nnz(&self) -> usize {
        self.col_idx.len()
    }
    /// Whether the matrix is square (a graph on one node set).
    pub fn is_square(&self) -> bool {
        self.n_rows == self.n_cols
    }
    /// Row pointers, `n_rows + 1` entries.
    pub fn row_ptr(&self) -> &[Idx] {
        &self.row_ptr
    }
    /// Column ids of all stored entries, row after row.
    pub fn col_idx(&self) -> &[Idx] {
        &self.col_idx
    }
    /// The range of stored-entry ids of row `i` (panics if `i >= n_rows`, like slice indexing).
    pub fn row_range(&self, i: usize) -> std::ops::Range<usize> {
        self.row_ptr[i] as usize..self.row_ptr[i + 1] as usize
    }
    /// The sorted column ids of row `i` (panics if `i >= n_rows`, like slice indexing).
    pub fn row(&self, i: usize) -> &[Idx] {
        &self.col_idx[self.row_range(i)]
    }
    /// Checked access to row `i`: an [`Error::Index`] naming `op` when `i >= n_rows`.
    pub fn try_row(&self, op: &'static str, i: usize) -> Result<&[Idx]> {
        if i >= self.n_rows {
            return Err(Error::index(op, format!("row {i} is >= n_rows = {}", self.n_rows)));
        }
        Ok(self.row(i))
    }
    /// Whether entry `(i, j)` is stored (binary search in row `i`).
    pub fn contains(&self, i: usize, j: usize) -> bool {
        i < self.n_rows && self.row(i).binary_search(&(j as Idx)).is_ok()
    }
    /// The row id of every stored entry (the COO source vector), `nnz` entries.
    pub fn row_ids(&self) -> Vec<Idx> {
        let mut out = Vec::with_capacity(self.nnz());
        for i in 0..self.n_rows {
            out.extend(std::iter::repeat_n(i as Idx, self.row_range(i).len()));
        }
        out
    }
    /// Consumes the pattern, returning `(n_rows, n_cols, row_ptr, col_idx)`.
    pub fn into_parts(self) -> (usize, usize, Vec<Idx>, Vec<Idx>) {
        (self.n_rows, self.n_cols, self.row_ptr, self.col_idx)
    }
}

/// Checks that both dimensions fit [`Idx`] (ids are stored as `u32`).
pub(crate) fn check_dims(op: &'static str, n_rows: usize, n_cols: usize) -> Result<()> {
    if n_rows > Idx::MAX as usize || n_cols > Idx::MAX as usize {
        return Err(Error::shape(op, format!("{n_rows} x {n_cols} does not fit the index type u32")));
    }
    Ok(())
}
