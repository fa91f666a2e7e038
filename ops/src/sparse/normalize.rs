//! Normalised adjacency coefficients as per-edge value vectors: `D^-1/2 A D^-1/2` (GCN) and
//! `D^-1 A` (mean aggregation).

use super::degree::check_values_len;
use super::pattern::CsrPattern;
use crate::element::Element;
use crate::error::{Error, Result};

/// `1 / sqrt(d)` for `d > 0`, `0` for `d == 0` (an isolated node contributes nothing, never NaN).
fn inv_sqrt<T: Element>(d: T) -> T {
    if d > T::zero() {
        T::one() / d.sqrt()
    } else {
        T::zero()
    }
}

/// Weighted degrees (row sums), rejecting negative or non-finite ones.
fn degrees<T: Element>(op: &'static str, p: &CsrPattern, values: Option<&[T]>) -> Result<Vec<T>> {
    if let Some(v) = values {
        check_values_len(op, p, v.len())?;
    }
    let d = p.row_sums(values)?;
    if let Some((i, x)) = d.iter().enumerate().find(|(_, x)| !x.is_finite() || **x < T::zero()) {
        return Err(Error::numerical(
            op,
            format!("degree of row {i} is {x}: edge weights must give non-negative finite degrees"),
        ));
    }
    Ok(d)
}

/// Symmetric normalisation: the value of entry `(i, j)` becomes `a_ij / sqrt(d_i d_j)` with
/// `d = ` row sums of `A` (`a_ij = 1` when `values` is `None`). Zero-degree nodes get
/// coefficient 0. The matrix must be square (for GCN, build it with
/// [`SelfLoops::Add`](super::SelfLoops::Add) and `symmetric: true` first).
///
/// ```
/// use weft_ops::sparse::{sym_norm_values, CsrPattern};
/// let p = CsrPattern::from_parts(2, 2, vec![0, 2, 3], vec![0, 1, 1]).unwrap();
/// let w: Vec<f64> = sym_norm_values(&p, None).unwrap();
/// assert!((w[1] - 1.0 / 2f64.sqrt()).abs() < 1e-15); // d_0 = 2, d_1 = 1
/// ```
pub fn sym_norm_values<T: Element>(p: &CsrPattern, values: Option<&[T]>) -> Result<Vec<T>> {
    const OP: &str = "sym_norm_values";
    if !p.is_square() {
        return Err(Error::shape(OP, format!("needs a square matrix, got {} x {}", p.n_rows(), p.n_cols())));
    }
    let d: Vec<T> = degrees(OP, p, values)?.into_iter().map(inv_sqrt).collect();
    let mut out = Vec::with_capacity(p.nnz());
    for i in 0..p.n_rows() {
        for e in p.row_range(i) {
            let a = values.map_or(T::one(), |v| v[e]);
            out.push(d[i] * a * d[p.col_idx()[e] as usize]);
        }
    }
    Ok(out)
}

/// Row normalisation: entry `(i, j)` becomes `a_ij / d_i` with `d_i = sum_j a_ij`, so every
/// non-empty row sums to 1 (a mean over neighbours). Rows with zero degree stay 0.
pub fn row_norm_values<T: Element>(p: &CsrPattern, values: Option<&[T]>) -> Result<Vec<T>> {
    const OP: &str = "row_norm_values";
    let d = degrees(OP, p, values)?;
    let mut out = Vec::with_capacity(p.nnz());
    for (i, &di) in d.iter().enumerate() {
        let inv = if di > T::zero() { T::one() / di } else { T::zero() };
        for e in p.row_range(i) {
            out.push(values.map_or(T::one(), |v| v[e]) * inv);
        }
    }
    Ok(out)
}
