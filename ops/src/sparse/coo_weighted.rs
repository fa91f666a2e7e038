//! Building a pattern and its edge values from a weighted COO edge list.

use super::coo::{check_ids, CooOptions, SelfLoops};
use super::pattern::{check_dims, CsrPattern};
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

impl CsrPattern {
    /// Like [`CsrPattern::from_coo`], with a value per edge: returns the pattern and the values
    /// of its stored entries (`nnz` of them, in entry order).
    ///
    /// Duplicate edges are merged by summing their values. With `symmetric`, edge `(s, d, w)`
    /// also contributes `(d, s, w)` (so a pair given both ways sums both). [`SelfLoops::Add`]
    /// adds a loop of value 1 to every node that has none (existing loops keep their values,
    /// as PyG's `add_remaining_self_loops`); [`SelfLoops::Remove`] drops loops.
    ///
    /// ```
    /// use weft_ops::sparse::{CooOptions, CsrPattern, SelfLoops};
    /// let opts = CooOptions::default().with_self_loops(SelfLoops::Add);
    /// let (p, v) = CsrPattern::from_coo_weighted(2, 2, &[0, 0, 1], &[1, 1, 1], &[0.5f64, 0.25, 3.0], opts).unwrap();
    /// assert_eq!(p.row(0), &[0, 1]);
    /// assert_eq!(v, vec![1.0, 0.75, 3.0]); // added loop, merged duplicates, kept loop
    /// ```
    pub fn from_coo_weighted<T: Element>(
        n_rows: usize,
        n_cols: usize,
        src: &[Idx],
        dst: &[Idx],
        values: &[T],
        opts: CooOptions,
    ) -> Result<(Self, Vec<T>)> {
        const OP: &str = "CsrPattern::from_coo_weighted";
        check_dims(OP, n_rows, n_cols)?;
        if src.len() != dst.len() || src.len() != values.len() {
            return Err(Error::shape(
                OP,
                format!("src has {} ids, dst {} and values {}", src.len(), dst.len(), values.len()),
            ));
        }
        check_ids(OP, "src", src, n_rows)?;
        check_ids(OP, "dst", dst, n_cols)?;
        if (opts.symmetric || opts.self_loops == SelfLoops::Add) && n_rows != n_cols {
            return Err(Error::invalid(
                OP,
                format!("symmetrisation and added self loops need a square matrix, got {n_rows} x {n_cols}"),
            ));
        }
        let keep = |s: Idx, d: Idx| opts.self_loops != SelfLoops::Remove || s != d;
        let mut start = vec![0usize; n_rows + 1];
        for (&s, &d) in src.iter().zip(dst) {
            if keep(s, d) {
                start[s as usize + 1] += 1;
                if opts.symmetric && s != d {
                    start[d as usize + 1] += 1;
                }
            }
        }
        for i in 0..n_rows {
            start[i + 1] += start[i];
        }
        let mut entries = vec![(0 as Idx, T::zero()); start[n_rows]];
        let mut next = start.clone();
        for ((&s, &d), &w) in src.iter().zip(dst).zip(values) {
            if keep(s, d) {
                entries[next[s as usize]] = (d, w);
                next[s as usize] += 1;
                if opts.symmetric && s != d {
                    entries[next[d as usize]] = (s, w);
                    next[d as usize] += 1;
                }
            }
        }
        let mut row_ptr = Vec::with_capacity(n_rows + 1);
        row_ptr.push(0 as Idx);
        let (mut cols, mut vals) = (Vec::with_capacity(entries.len()), Vec::with_capacity(entries.len()));
        for i in 0..n_rows {
            let row = &mut entries[start[i]..start[i + 1]];
            row.sort_by_key(|e| e.0);
            let first = cols.len();
            for &(c, w) in row.iter() {
                if cols.len() > first && cols[cols.len() - 1] == c {
                    let last = vals.len() - 1;
                    vals[last] = vals[last] + w;
                } else {
                    cols.push(c);
                    vals.push(w);
                }
            }
            if opts.self_loops == SelfLoops::Add {
                let ii = i as Idx;
                if let Err(pos) = cols[first..].binary_search(&ii) {
                    cols.insert(first + pos, ii);
                    vals.insert(first + pos, T::one());
                }
            }
            if cols.len() > Idx::MAX as usize {
                return Err(Error::shape(OP, format!("more than {} stored entries", Idx::MAX)));
            }
            row_ptr.push(cols.len() as Idx);
        }
        Ok((CsrPattern::from_parts_trusted(n_rows, n_cols, row_ptr, cols), vals))
    }
}
