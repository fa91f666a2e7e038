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
    map1_runs(x, l, &f, |xs, out| map_run(out, xs, &f))
}

/// [`map1`] with a kernel for contiguous runs: `run(xs, out)` must set `out[i] = f(xs[i])`
/// (a vectorised version of `f`); strided views use `f` element by element.
pub fn map1_runs<T: Copy + Send + Sync, U: Copy + Send + Sync + Default>(
    x: &[T],
    l: &Layout,
    f: impl Fn(T) -> U + Sync,
    run: impl Fn(&[T], &mut [U]) + Sync,
) -> Vec<U> {
    let n = l.numel();
    if let Some(r) = l.contiguous_range() {
        let xs = &x[r];
        let mut out = vec![U::default(); n];
        if n < ELEMENTWISE_MIN {
            run(xs, &mut out);
        } else {
            out.par_chunks_mut(chunk_len(n)).zip(xs.par_chunks(chunk_len(n))).for_each(|(o, i)| run(i, o));
        }
        return out;
    }
    let mut out = Vec::with_capacity(n);
    l.for_each_offset(|o| out.push(f(x[o])));
    out
}

/// `out[i] = f(xs[i])` over contiguous runs. On x86-64 with AVX2 + FMA the loop is compiled
/// for those features (wider vectors where `f` inlines), else for the baseline (SSE2). Rust
/// never contracts `a * b + c` into a fused multiply-add, so both give bitwise the same results.
#[inline]
fn map_run<T: Copy, U: Copy>(out: &mut [U], xs: &[T], f: &impl Fn(T) -> U) {
    #[cfg(target_arch = "x86_64")]
    if crate::sparse::simd::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        unsafe { map_run_avx2(out, xs, f) };
        return;
    }
    out.iter_mut().zip(xs).for_each(|(o, &v)| *o = f(v));
}

/// [`map_run`] compiled with AVX2 + FMA enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_run_avx2<T: Copy, U: Copy>(out: &mut [U], xs: &[T], f: &impl Fn(T) -> U) {
    out.iter_mut().zip(xs).for_each(|(o, &v)| *o = f(v));
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
    if n == 0 {
        return Vec::new();
    }
    if let (Some(ra), Some(rb)) = (la.contiguous_range(), lb.contiguous_range()) {
        let (xa, xb) = (&a[ra], &b[rb]);
        if n < ELEMENTWISE_MIN {
            return xa.iter().zip(xb).map(|(&u, &v)| f(u, v)).collect();
        }
        let mut out = vec![U::default(); n];
        let c = chunk_len(n);
        out.par_chunks_mut(c).zip(xa.par_chunks(c).zip(xb.par_chunks(c))).for_each(|(o, (ia, ib))| {
            o.iter_mut().zip(ia.iter().zip(ib)).for_each(|(o, (&u, &v))| *o = f(u, v))
        });
        return out;
    }
    let (ra, len, sa) = la.rows();
    let (rb, _, sb) = lb.rows();
    // Appends row `r` of the result to `o`; the inner loop is specialised for the common
    // stride patterns (both contiguous, one operand broadcast along the row).
    let row = |r: usize, o: &mut Vec<U>| {
        let (oa, ob) = (ra[r], rb[r]);
        match (sa, sb) {
            (1, 1) => o.extend(a[oa..oa + len].iter().zip(&b[ob..ob + len]).map(|(&u, &v)| f(u, v))),
            (1, 0) => {
                let v = b[ob];
                o.extend(a[oa..oa + len].iter().map(|&u| f(u, v)))
            }
            (0, 1) => {
                let u = a[oa];
                o.extend(b[ob..ob + len].iter().map(|&v| f(u, v)))
            }
            _ => o.extend((0..len).map(|j| f(a[oa + j * sa], b[ob + j * sb]))),
        }
    };
    if n < ELEMENTWISE_MIN || len == 0 {
        let mut out = Vec::with_capacity(n);
        (0..ra.len()).for_each(|r| row(r, &mut out));
        return out;
    }
    let rows_per_chunk = (chunk_len(n) / len).max(1);
    let parts: Vec<Vec<U>> = (0..ra.len())
        .collect::<Vec<_>>()
        .par_chunks(rows_per_chunk)
        .map(|rs| {
            let mut o = Vec::with_capacity(rs.len() * len);
            rs.iter().for_each(|&r| row(r, &mut o));
            o
        })
        .collect();
    parts.concat()
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
