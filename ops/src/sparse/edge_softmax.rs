//! Edge softmax: a softmax over the stored entries of every row, per head (attention weights).

use super::partition::for_edge_blocks;
use super::pattern::CsrPattern;
use crate::element::Element;
use crate::error::{Error, Result};

/// `out[e, h] = exp(x[e, h] - m) / sum_{e' in row} exp(x[e', h] - m)` over the entries `e` of
/// each row, with `m` the row's maximum (numerically stable). `x` and `out` are `[nnz, heads]`.
/// Empty rows have nothing to write. A row whose scores include NaN or are all `-inf` gives an
/// [`Error::Numerical`] naming the row and head.
///
/// ```
/// use weft_ops::sparse::{edge_softmax, CsrPattern};
/// let p = CsrPattern::from_parts(2, 2, vec![0, 2, 2], vec![0, 1]).unwrap();
/// let mut out = [0.0f64; 2];
/// edge_softmax(&p, &[1000.0, 1000.0], 1, &mut out).unwrap();
/// assert_eq!(out, [0.5, 0.5]);
/// ```
pub fn edge_softmax<T: Element>(p: &CsrPattern, x: &[T], heads: usize, out: &mut [T]) -> Result<()> {
    const OP: &str = "edge_softmax";
    if heads == 0 {
        return Err(Error::invalid(OP, "0 heads"));
    }
    if x.len() != p.nnz() * heads || out.len() != x.len() {
        return Err(Error::shape(
            OP,
            format!(
                "scores have {} and output {} entries, expected [nnz {}, heads {heads}]",
                x.len(),
                out.len(),
                p.nnz()
            ),
        ));
    }
    let bad = std::sync::Mutex::new(None::<(usize, usize)>);
    for_edge_blocks(p.row_ptr(), p.nnz() * heads * 4, out, heads, |rows, o| {
        let base = p.row_ptr()[rows.start] as usize;
        for i in rows {
            let es = p.row_range(i);
            if es.is_empty() {
                continue;
            }
            for h in 0..heads {
                let mut m = T::neg_infinity();
                for e in es.clone() {
                    m = m.max(x[e * heads + h]);
                }
                let mut s = T::zero();
                for e in es.clone() {
                    let y = (x[e * heads + h] - m).exp();
                    o[(e - base) * heads + h] = y;
                    s = s + y;
                }
                if !(s.is_finite() && s > T::zero()) || m.is_nan() {
                    if let Ok(mut b) = bad.lock() {
                        b.get_or_insert((i, h));
                    }
                    continue;
                }
                let inv = T::one() / s;
                for e in es.clone() {
                    let y = &mut o[(e - base) * heads + h];
                    *y = *y * inv;
                }
            }
        }
    });
    let bad = bad.into_inner().ok().flatten();
    if let Some((i, h)) = bad {
        return Err(Error::numerical(OP, format!("row {i}, head {h}: scores contain NaN or are all -inf")));
    }
    Ok(())
}

/// Gradient of [`edge_softmax`]: `dx[e, h] = y[e, h] * (dy[e, h] - sum_{e' in row} y[e', h] dy[e', h])`
/// from the softmax output `y` and the incoming gradient `dy` (all `[nnz, heads]`).
pub fn edge_softmax_backward<T: Element>(
    p: &CsrPattern,
    y: &[T],
    dy: &[T],
    heads: usize,
    dx: &mut [T],
) -> Result<()> {
    const OP: &str = "edge_softmax_backward";
    if heads == 0 {
        return Err(Error::invalid(OP, "0 heads"));
    }
    let n = p.nnz() * heads;
    if y.len() != n || dy.len() != n || dx.len() != n {
        return Err(Error::shape(
            OP,
            format!(
                "y {}, dy {}, dx {} entries, expected [nnz {}, heads {heads}]",
                y.len(),
                dy.len(),
                dx.len(),
                p.nnz()
            ),
        ));
    }
    for_edge_blocks(p.row_ptr(), n * 2, dx, heads, |rows, o| {
        let base = p.row_ptr()[rows.start] as usize;
        for i in rows {
            for h in 0..heads {
                let s: T = p.row_range(i).map(|e| y[e * heads + h] * dy[e * heads + h]).sum();
                for e in p.row_range(i) {
                    o[(e - base) * heads + h] = y[e * heads + h] * (dy[e * heads + h] - s);
                }
            }
        }
    });
    Ok(())
}
