//! [`EdgeValues`]: the optional per-edge (or per-edge-per-head) values a kernel scales by.

use crate::error::{Error, Result};

/// Values of the stored entries of a sparse matrix, as kernels take them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EdgeValues<'a, T> {
    /// Every stored entry is 1 (a 0/1 adjacency); nothing is read.
    Ones,
    /// `heads` values per stored entry, `[nnz, heads]` row-major. With a dense operand of width
    /// `heads * f`, head `h` scales columns `h*f .. (h+1)*f` (multi-head attention, GAT).
    Heads {
        /// The values, `nnz * heads` entries.
        values: &'a [T],
        /// Number of heads (1 for a plain weighted matrix).
        heads: usize,
    },
}

impl<'a, T> EdgeValues<'a, T> {
    /// One value per stored entry.
    pub fn per_edge(values: &'a [T]) -> Self {
        EdgeValues::Heads { values, heads: 1 }
    }
    /// `heads` values per stored entry (`[nnz, heads]`).
    pub fn heads(values: &'a [T], heads: usize) -> Self {
        EdgeValues::Heads { values, heads }
    }
    /// `Ones` for `None`, one value per edge for `Some`.
    pub fn from_option(values: Option<&'a [T]>) -> Self {
        values.map_or(EdgeValues::Ones, EdgeValues::per_edge)
    }
    /// Number of heads (1 for `Ones`).
    pub fn n_heads(&self) -> usize {
        match self {
            EdgeValues::Ones => 1,
            EdgeValues::Heads { heads, .. } => *heads,
        }
    }
    /// The value slice, if any.
    pub fn values(&self) -> Option<&'a [T]> {
        match self {
            EdgeValues::Ones => None,
            EdgeValues::Heads { values, .. } => Some(values),
        }
    }

    /// Checks the values fit `nnz` entries and a dense width `width`; returns the number of heads.
    pub fn check(&self, op: &'static str, nnz: usize, width: usize) -> Result<usize> {
        let h = self.n_heads();
        if h == 0 {
            return Err(Error::invalid(op, "edge values with 0 heads"));
        }
        if let EdgeValues::Heads { values, heads } = self {
            if values.len() != nnz * heads {
                return Err(Error::shape(
                    op,
                    format!("edge values have {} entries, expected nnz {nnz} x heads {heads}", values.len()),
                ));
            }
        }
        if !width.is_multiple_of(h) {
            return Err(Error::shape(op, format!("dense width {width} is not a multiple of the {h} heads")));
        }
        Ok(h)
    }
}
