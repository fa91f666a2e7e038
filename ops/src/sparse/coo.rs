//! Building a [`CsrPattern`] from a COO edge list: validation, symmetrisation, self loops,
//! duplicate removal and sorting.

use super::pattern::{check_dims, CsrPattern};
use crate::element::Idx;
use crate::error::{Error, Result};

/// What to do with self loops `(i, i)` when building from COO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelfLoops {
    /// Keep the self loops the edge list has, add none.
    #[default]
    Keep,
    /// Make sure every node has exactly one self loop (`A + I` for a 0/1 pattern); needs a square matrix.
    Add,
    /// Drop every self loop.
    Remove,
}

/// Options of [`CsrPattern::from_coo`]. Duplicates are always removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CooOptions {
    /// Also store `(dst, src)` for every edge `(src, dst)` (needs a square matrix).
    pub symmetric: bool,
    /// Self-loop policy.
    pub self_loops: SelfLoops,
}

impl CooOptions {
    /// Undirected graph: symmetrised, self loops kept as given.
    pub fn undirected() -> Self {
        CooOptions { symmetric: true, self_loops: SelfLoops::Keep }
    }
    /// Returns these options with the given self-loop policy.
    pub fn with_self_loops(mut self, self_loops: SelfLoops) -> Self {
        self.self_loops = self_loops;
        self
    }
}

impl CsrPattern {
    /// Builds the pattern of the `n_rows x n_cols` matrix with an entry at every `(src[k], dst[k])`.
    ///
    /// Duplicates are removed and every row's column ids are sorted. Errors: [`Error::Shape`] when
    /// `src` and `dst` differ in length or the result does not fit `u32`; [`Error::Index`] naming
    /// the id, its position and the bound when an id is out of range; [`Error::Invalid`] when
    /// symmetrisation or added self loops are asked of a non-square matrix.
    ///
    /// ```
    /// use weft_ops::sparse::{CooOptions, CsrPattern, SelfLoops};
    /// let opts = CooOptions::undirected().with_self_loops(SelfLoops::Add);
    /// let p = CsrPattern::from_coo(3, 3, &[0, 0, 1], &[1, 1, 2], opts).unwrap();
    /// assert_eq!(p.row(0), &[0, 1]);
    /// assert_eq!(p.row(1), &[0, 1, 2]);
    /// assert_eq!(p.row(2), &[1, 2]);
    /// ```
    pub fn from_coo(
        n_rows: usize,
        n_cols: usize,
        src: &[Idx],
        dst: &[Idx],
        opts: CooOptions,
    ) -> Result<Self> {
        const OP: &str = "CsrPattern::from_coo";
        check_dims(OP, n_rows, n_cols)?;
        if src.len() != dst.len() {
            return Err(Error::shape(OP, format!("src has {} ids but dst has {}", src.len(), dst.len())));
        }
        check_ids(OP, "src", src, n_rows)?;
        check_ids(OP, "dst", dst, n_cols)?;
        if (opts.symmetric || opts.self_loops == SelfLoops::Add) && n_rows != n_cols {
            return Err(Error::invalid(
                OP,
                format!("symmetrisation and added self loops need a square matrix, got {n_rows} x {n_cols}"),
            ));
        }
        let keep = |s: Idx, d: Idx| opts.self_loops == SelfLoops::Keep || s != d;
        // Count entries per row (upper bound, before duplicate removal).
        let mut counts = vec![0usize; n_rows + 1];
        for (&s, &d) in src.iter().zip(dst) {
            if keep(s, d) {
                counts[s as usize + 1] += 1;
                if opts.symmetric && s != d {
                    counts[d as usize + 1] += 1;
                }
            }
        }
        if opts.self_loops == SelfLoops::Add {
            for c in counts.iter_mut().skip(1) {
                *c += 1;
            }
        }
        for i in 0..n_rows {
            counts[i + 1] += counts[i];
        }
        let total = counts[n_rows];
        let mut cols = vec![0 as Idx; total];
        let mut next = counts.clone();
        let mut push = |r: Idx, c: Idx| {
            cols[next[r as usize]] = c;
            next[r as usize] += 1;
        };
        for (&s, &d) in src.iter().zip(dst) {
            if keep(s, d) {
                push(s, d);
                if opts.symmetric && s != d {
                    push(d, s);
                }
            }
        }
        if opts.self_loops == SelfLoops::Add {
            for i in 0..n_rows as Idx {
                push(i, i);
            }
        }
        // Sort and deduplicate each row, compacting in place.
        let mut row_ptr = Vec::with_capacity(n_rows + 1);
        row_ptr.push(0 as Idx);
        let mut write = 0usize;
        for i in 0..n_rows {
            let (s, e) = (counts[i], counts[i + 1]);
            cols[s..e].sort_unstable();
            let mut prev: Option<Idx> = None;
            for k in s..e {
                let c = cols[k];
                if prev != Some(c) {
                    cols[write] = c;
                    write += 1;
                    prev = Some(c);
                }
            }
            if write > Idx::MAX as usize {
                return Err(Error::shape(OP, format!("more than {} stored entries", Idx::MAX)));
            }
            row_ptr.push(write as Idx);
        }
        cols.truncate(write);
        Ok(CsrPattern::from_parts_trusted(n_rows, n_cols, row_ptr, cols))
    }
}

/// Checks every id of `ids` (named `what`) is `< bound`; the error names the id, its position
/// and the bound.
pub(crate) fn check_ids(op: &'static str, what: &str, ids: &[Idx], bound: usize) -> Result<()> {
    if let Some(k) = ids.iter().position(|&i| i as usize >= bound) {
        return Err(Error::index(op, format!("{what} id {} at position {k} is >= {bound}", ids[k])));
    }
    Ok(())
}
