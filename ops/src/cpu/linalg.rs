//! Cholesky factorisation and triangular solves (the dense linear algebra GPs need).

use super::strided::gather;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use rayon::prelude::*;

/// Lower Cholesky factor of the `[n, n]` view (only the lower triangle is read).
///
/// Row-oriented: row `i` of `L` needs rows `0..=j` for column `j`, and each entry is a dot
/// product of two contiguous row prefixes. For large `n` the rows below the pivot are updated
/// in parallel.
pub fn cholesky<T: Element>(a: &[T], l: &Layout) -> Result<Vec<T>> {
    let n = l.shape()[0];
    let src = gather(a, l);
    let mut lo = vec![T::zero(); n * n];
    for j in 0..n {
        let (row_j, below) = lo[j * n..].split_at_mut(n);
        let d = src[j * n + j] - row_j[..j].iter().map(|&v| v * v).sum::<T>();
        if d.partial_cmp(&T::zero()) != Some(std::cmp::Ordering::Greater) || !d.is_finite() {
            return Err(Error::NotPositiveDefinite { op: "cholesky", pivot: j, value: d.f64() });
        }
        let djj = d.sqrt();
        row_j[j] = djj;
        let inv = T::one() / djj;
        let row_j: &[T] = row_j;
        let update = |(r, row_i): (usize, &mut [T])| {
            let i = j + 1 + r;
            let dot: T = row_i[..j].iter().zip(&row_j[..j]).map(|(&p, &q)| p * q).sum();
            row_i[j] = (src[i * n + j] - dot) * inv;
        };
        if (n - j) * j > 1 << 16 {
            below.par_chunks_mut(n).enumerate().for_each(update);
        } else {
            below.chunks_mut(n).enumerate().for_each(update);
        }
    }
    Ok(lo)
}

/// Solves `op(A) X = B` with triangular `A` `[n, n]` and `B` `[n, k]`.
pub fn triangular_solve<T: Element>(
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
    lower: bool,
    transpose: bool,
) -> Result<Vec<T>> {
    let n = la.shape()[0];
    let k = lb.shape()[1];
    let am = gather(a, la);
    let mut x = gather(b, lb);
    // Effective matrix entry op(A)[i][j].
    let at = |i: usize, j: usize| if transpose { am[j * n + i] } else { am[i * n + j] };
    // op(A) is lower-triangular when exactly one of (lower, transpose) holds.
    let forward = lower != transpose;
    let order: Box<dyn Iterator<Item = usize>> =
        if forward { Box::new(0..n) } else { Box::new((0..n).rev()) };
    let mut acc = vec![T::zero(); k];
    for i in order {
        let d = at(i, i);
        if d == T::zero() || !d.is_finite() {
            return Err(Error::numerical(
                "triangular_solve",
                format!("diagonal entry {i} of the triangular matrix is {d} (singular)"),
            ));
        }
        acc.copy_from_slice(&x[i * k..(i + 1) * k]);
        let js: Box<dyn Iterator<Item = usize>> = if forward { Box::new(0..i) } else { Box::new(i + 1..n) };
        for j in js {
            let c = at(i, j);
            if c != T::zero() {
                let xj = &x[j * k..(j + 1) * k];
                acc.iter_mut().zip(xj).for_each(|(a, &v)| *a = *a - c * v);
            }
        }
        let inv = T::one() / d;
        x[i * k..(i + 1) * k].iter_mut().zip(&acc).for_each(|(o, &v)| *o = v * inv);
    }
    Ok(x)
}
