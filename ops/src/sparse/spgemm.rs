//! Sparse x sparse product `C = A B` (Gustavson's row-by-row algorithm), e.g. `A*A` for 2-hop
//! operators and `A^T*A` (co-occurrence).

use super::degree::check_values_len;
use super::partition::row_blocks;
use super::pattern::CsrPattern;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// `C = A B` for sparse `A` (`m x k`) and `B` (`k x n`), with optional values (`None` = all ones).
///
/// Returns the pattern of `C` (sorted, no duplicates; an entry is stored when some path
/// `i -> l -> j` exists, even if its values cancel) and the values of `C`. Without values,
/// `C[i, j]` counts the paths `i -> l -> j`. For `A^T A`, pass
/// `a.transpose().pattern` and its permuted values. Parallel over row blocks; each thread uses
/// one dense accumulator of `n` entries.
///
/// ```
/// use weft_ops::sparse::{spgemm, CsrPattern};
/// // path graph 0 - 1 - 2
/// let a = CsrPattern::from_parts(3, 3, vec![0, 1, 3, 4], vec![1, 0, 2, 1]).unwrap();
/// let (c, v) = spgemm::<f64>(&a, None, &a, None).unwrap();
/// assert_eq!(c.row(0), &[0, 2]);     // 2-hop neighbours of node 0
/// assert_eq!(v[c.row_range(1)], [2.0]); // two paths 1 -> 0 -> 1 and 1 -> 2 -> 1
/// ```
pub fn spgemm<T: Element>(
    a: &CsrPattern,
    a_values: Option<&[T]>,
    b: &CsrPattern,
    b_values: Option<&[T]>,
) -> Result<(CsrPattern, Vec<T>)> {
    const OP: &str = "spgemm";
    if a.n_cols() != b.n_rows() {
        return Err(Error::shape(
            OP,
            format!(
                "lhs [{}, {}] and rhs [{}, {}]: inner dims {} != {}",
                a.n_rows(),
                a.n_cols(),
                b.n_rows(),
                b.n_cols(),
                a.n_cols(),
                b.n_rows()
            ),
        ));
    }
    if let Some(v) = a_values {
        check_values_len(OP, a, v.len())?;
    }
    if let Some(v) = b_values {
        check_values_len(OP, b, v.len())?;
    }
    let (m, n) = (a.n_rows(), b.n_cols());
    // Work estimate: number of (a-entry, b-entry) products.
    let flops: usize = a.col_idx().iter().map(|&l| b.row_range(l as usize).len()).sum();
    let n_blocks = if flops < 32_768 { 1 } else { rayon::current_num_threads() * 4 };
    let bounds = row_blocks(a.row_ptr(), n_blocks);
    let block = |r: std::ops::Range<usize>| -> (Vec<Idx>, Vec<Idx>, Vec<T>) {
        let mut acc = vec![T::zero(); n];
        let mut seen = vec![false; n];
        let mut touched: Vec<Idx> = Vec::new();
        let (mut lens, mut cols, mut vals) = (Vec::with_capacity(r.len()), Vec::new(), Vec::new());
        for i in r {
            for ea in a.row_range(i) {
                let l = a.col_idx()[ea] as usize;
                let va = a_values.map_or(T::one(), |v| v[ea]);
                for eb in b.row_range(l) {
                    let j = b.col_idx()[eb] as usize;
                    let vb = b_values.map_or(T::one(), |v| v[eb]);
                    if !seen[j] {
                        seen[j] = true;
                        touched.push(j as Idx);
                    }
                    acc[j] = acc[j] + va * vb;
                }
            }
            touched.sort_unstable();
            lens.push(touched.len() as Idx);
            for &j in &touched {
                cols.push(j);
                vals.push(acc[j as usize]);
                acc[j as usize] = T::zero();
                seen[j as usize] = false;
            }
            touched.clear();
        }
        (lens, cols, vals)
    };
    let parts: Vec<_> = if n_blocks == 1 {
        vec![block(0..m)]
    } else {
        bounds.windows(2).collect::<Vec<_>>().into_par_iter().map(|w| block(w[0]..w[1])).collect()
    };
    let nnz: usize = parts.iter().map(|p| p.1.len()).sum();
    if nnz > Idx::MAX as usize {
        return Err(Error::shape(OP, format!("the product has {nnz} entries, more than u32 can index")));
    }
    let mut row_ptr = Vec::with_capacity(m + 1);
    row_ptr.push(0 as Idx);
    let (mut cols, mut vals) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
    for (lens, c, v) in parts {
        for l in lens {
            let last = *row_ptr.last().unwrap_or(&0);
            row_ptr.push(last + l);
        }
        cols.extend(c);
        vals.extend(v);
    }
    Ok((CsrPattern::from_parts_trusted(m, n, row_ptr, cols), vals))
}
