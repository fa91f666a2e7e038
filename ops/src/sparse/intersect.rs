//! Sorted-row intersection: common neighbours of node pairs (link prediction features).

use super::pattern::CsrPattern;
use crate::element::Idx;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Number of common elements of two strictly increasing slices (merge walk, `O(|a| + |b|)`;
/// galloping binary search when one side is much shorter).
pub fn intersect_count(a: &[Idx], b: &[Idx]) -> usize {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() * 16 < long.len() {
        return short.iter().filter(|x| long.binary_search(x).is_ok()).count();
    }
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The common elements of two strictly increasing slices, in increasing order.
pub fn intersect_sorted(a: &[Idx], b: &[Idx]) -> Vec<Idx> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

impl CsrPattern {
    /// The common neighbours of `u` and `v`: the column ids stored in both rows, sorted.
    ///
    /// ```
    /// use weft_ops::sparse::{CooOptions, CsrPattern};
    /// let p = CsrPattern::from_coo(4, 4, &[0, 0, 1, 1], &[2, 3, 2, 3], CooOptions::undirected()).unwrap();
    /// assert_eq!(p.common_neighbours(0, 1).unwrap(), vec![2, 3]);
    /// assert_eq!(p.common_neighbour_count(2, 3).unwrap(), 2);
    /// ```
    pub fn common_neighbours(&self, u: usize, v: usize) -> Result<Vec<Idx>> {
        const OP: &str = "common_neighbours";
        Ok(intersect_sorted(self.try_row(OP, u)?, self.try_row(OP, v)?))
    }

    /// The number of common neighbours of `u` and `v`.
    pub fn common_neighbour_count(&self, u: usize, v: usize) -> Result<usize> {
        const OP: &str = "common_neighbour_count";
        Ok(intersect_count(self.try_row(OP, u)?, self.try_row(OP, v)?))
    }

    /// Common-neighbour counts of many pairs `(us[k], vs[k])`, in parallel when there are many.
    pub fn common_neighbour_counts(&self, us: &[Idx], vs: &[Idx]) -> Result<Vec<Idx>> {
        const OP: &str = "common_neighbour_counts";
        if us.len() != vs.len() {
            return Err(Error::shape(OP, format!("us has {} ids but vs has {}", us.len(), vs.len())));
        }
        super::coo::check_ids(OP, "us", us, self.n_rows())?;
        super::coo::check_ids(OP, "vs", vs, self.n_rows())?;
        let f = |(&u, &v): (&Idx, &Idx)| intersect_count(self.row(u as usize), self.row(v as usize)) as Idx;
        Ok(if us.len() < 1024 {
            us.iter().zip(vs).map(f).collect()
        } else {
            us.par_iter().zip(vs.par_iter()).map(f).collect()
        })
    }
}
