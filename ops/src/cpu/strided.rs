//! Iteration over several same-shape strided views, row by row (the last axis is the row).

use crate::layout::Layout;
use rayon::prelude::*;

use super::parallel::{chunk_len, ELEMENTWISE_MIN};

/// Reads a view into a contiguous vector (borrowing nothing; always a copy).
pub fn gather<T: Copy>(x: &[T], l: &Layout) -> Vec<T> {
    if let Some(r) = l.contiguous_range() {
        return x[r].to_vec();
    }
    let mut out = Vec::with_capacity(l.numel());
    l.for_each_offset(|o| out.push(x[o]));
    out
}

/// A contiguous slice of the view if it is contiguous, else a gathered copy.
pub fn contiguous<'a, T: Copy>(x: &'a [T], l: &Layout) -> std::borrow::Cow<'a, [T]> {
    match l.contiguous_range() {
        Some(r) => std::borrow::Cow::Borrowed(&x[r]),
        None => std::borrow::Cow::Owned(gather(x, l)),
    }
}

/// `out[i] = f(x[i])` over a strided view, into a new contiguous vector.
pub fn map1<T: Copy + Send + Sync, U: Copy + Send + Sync + Default>(
    x: &[T],
    l: &Layout,
    f: impl Fn(T) -> U + Sync,
) -> Vec<U> {
    let n = l.numel();
    if let Some(r) = l.contiguous_range() {
        let xs = &x[r];
        if n < ELEMENTWISE_MIN {
            return xs.iter().map(|&v| f(v)).collect();
        }
        let mut out = vec![U::default(); n];
        out.par_chunks_mut(chunk_len(n))
            .zip(xs.par_chunks(chunk_len(n)))
            .for_each(|(o, i)| o.iter_mut().zip(i).for_each(|(o, &v)| *o = f(v)));
        return out;
    }
    let mut out = Vec::with_capacity(n);
    l.for_each_offset(|o| out.push(f(x[o])));
    out
}

/// `out[i] = f(a[i], b[i])` over two same-shape strided views (broadcast strides allowed).
pub fn map2<T: Copy + Send + Sync, U: Copy + Send + Sync + Default>(
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
    f: impl Fn(T, T) -> U + Sync,
) -> Vec<U> {
    let n = la.numel();
    let mut out = vec![U::default(); n];
    if n == 0 {
        return out;
    }
    if let (Some(ra), Some(rb)) = (la.contiguous_range(), lb.contiguous_range()) {
        let (xa, xb) = (&a[ra], &b[rb]);
        if n < ELEMENTWISE_MIN {
            out.iter_mut().zip(xa.iter().zip(xb)).for_each(|(o, (&u, &v))| *o = f(u, v));
        } else {
            let c = chunk_len(n);
            out.par_chunks_mut(c).zip(xa.par_chunks(c).zip(xb.par_chunks(c))).for_each(|(o, (ia, ib))| {
                o.iter_mut().zip(ia.iter().zip(ib)).for_each(|(o, (&u, &v))| *o = f(u, v))
            });
        }
        return out;
    }
    let (ra, len, sa) = la.rows();
    let (rb, _, sb) = lb.rows();
    let row = |r: usize, o: &mut [U]| {
        let (oa, ob) = (ra[r], rb[r]);
        match (sa, sb) {
            (1, 1) => o
                .iter_mut()
                .zip(a[oa..oa + len].iter().zip(&b[ob..ob + len]))
                .for_each(|(o, (&u, &v))| *o = f(u, v)),
            (1, 0) => {
                let v = b[ob];
                o.iter_mut().zip(&a[oa..oa + len]).for_each(|(o, &u)| *o = f(u, v))
            }
            (0, 1) => {
                let u = a[oa];
                o.iter_mut().zip(&b[ob..ob + len]).for_each(|(o, &v)| *o = f(u, v))
            }
            _ => o.iter_mut().enumerate().for_each(|(j, o)| *o = f(a[oa + j * sa], b[ob + j * sb])),
        }
    };
    if n < ELEMENTWISE_MIN || len == 0 {
        out.chunks_mut(len.max(1)).enumerate().for_each(|(r, o)| row(r, o));
    } else {
        out.par_chunks_mut(len).enumerate().for_each(|(r, o)| row(r, o));
    }
    out
}

/// `out[i] = f(a[i], b[i], c[i])` over three same-shape strided views.
pub fn map3<T: Copy + Send + Sync + Default>(
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
    c: &[T],
    lc: &Layout,
    f: impl Fn(T, T, T) -> T + Sync,
) -> Vec<T> {
    let (ra, len, sa) = la.rows();
    let (rb, _, sb) = lb.rows();
    let (rc, _, sc) = lc.rows();
    let mut out = vec![T::default(); la.numel()];
    if out.is_empty() {
        return out;
    }
    out.chunks_mut(len).enumerate().for_each(|(r, o)| {
        for (j, o) in o.iter_mut().enumerate() {
            *o = f(a[ra[r] + j * sa], b[rb[r] + j * sb], c[rc[r] + j * sc]);
        }
    });
    out
}
