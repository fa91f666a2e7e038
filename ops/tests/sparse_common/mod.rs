//! Shared helpers of the sparse integration tests: random patterns and dense references.
#![allow(dead_code)]

use weft_ops::rng::Philox;
use weft_ops::sparse::{CooOptions, CsrPattern};
use weft_ops::Idx;

/// A random `n_rows x n_cols` pattern with about `n_edges` entries (duplicates removed). Rows
/// `>= n_rows * 3 / 4` (when `n_rows >= 4`) get no entries, so empty rows are always covered;
/// square patterns get self loops with the probability any entry has.
pub fn random_pattern(n_rows: usize, n_cols: usize, n_edges: usize, seed: u64) -> CsrPattern {
    let mut r = Philox::new(seed);
    let live_rows = if n_rows >= 4 { n_rows * 3 / 4 } else { n_rows };
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    if live_rows > 0 && n_cols > 0 {
        for _ in 0..n_edges {
            src.push(r.below(live_rows as u64) as Idx);
            dst.push(r.below(n_cols as u64) as Idx);
        }
    }
    CsrPattern::from_coo(n_rows, n_cols, &src, &dst, CooOptions::default()).unwrap()
}

/// `n` values uniform in (-1, 1).
pub fn random_values(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Philox::with_stream(seed, 99);
    (0..n).map(|_| 2.0 * r.uniform() - 1.0).collect()
}

/// The dense matrix of a pattern with values (`None` = 1), `[n_rows][n_cols]`, and a mask of
/// stored entries.
pub fn dense(p: &CsrPattern, vals: Option<&[f64]>) -> (Vec<Vec<f64>>, Vec<Vec<bool>>) {
    let mut a = vec![vec![0.0; p.n_cols()]; p.n_rows()];
    let mut m = vec![vec![false; p.n_cols()]; p.n_rows()];
    for i in 0..p.n_rows() {
        for e in p.row_range(i) {
            let j = p.col_idx()[e] as usize;
            a[i][j] = vals.map_or(1.0, |v| v[e]);
            m[i][j] = true;
        }
    }
    (a, m)
}

/// Shapes covering the corner cases: single node, zero edges, self loops, empty rows,
/// rectangular, and big enough for the parallel path.
pub fn cases() -> Vec<(usize, usize, usize)> {
    vec![(1, 1, 0), (1, 1, 3), (5, 5, 0), (4, 7, 10), (17, 17, 60), (37, 53, 200), (300, 300, 4000)]
}

/// Asserts `|got - want| <= tol` elementwise with a helpful message.
pub fn assert_close(got: &[f64], want: &[f64], tol: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for k in 0..got.len() {
        assert!(
            (got[k] - want[k]).abs() <= tol[k],
            "{what}: entry {k}: got {} want {} (tol {})",
            got[k],
            want[k],
            tol[k]
        );
    }
}

/// Error bound of a floating-point sum of terms with absolute sum `abs_sum` and `n` terms
/// (Higham: `gamma_n * sum |t|`, with `gamma_n ~ n u`), for unit roundoff `u`.
pub fn sum_tol(n: usize, abs_sum: f64, u: f64) -> f64 {
    (n as f64 + 2.0) * u * abs_sum + f64::MIN_POSITIVE
}
