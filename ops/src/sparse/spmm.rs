//! SpMM: sparse (CSR, optional per-edge or per-head values) x dense, with sum, mean or max
//! reduction over each row's stored entries. Never materialises an `[nnz, F]` message tensor.

use super::partition::{for_row_blocks, for_row_blocks2};
use super::pattern::CsrPattern;
use super::simd::{has_avx2_fma, madd, prefetch};
use super::values::EdgeValues;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};
use std::ops::Range;

/// The argmax of an output element whose row has no stored entries.
pub const NO_EDGE: Idx = Idx::MAX;

/// How many stored entries ahead the rows of `x` are prefetched: enough to cover the latency
/// of a last-level-cache miss with the work of the entries in between.
const PREFETCH_DISTANCE: usize = 8;

/// Dense operands smaller than this stay in the per-core L2 cache: no prefetching then.
const PREFETCH_MIN_BYTES: usize = 2 << 20;

/// Operands of one SpMM, checked.
struct Args<'a, T> {
    p: &'a CsrPattern,
    vals: Option<&'a [T]>,
    heads: usize,
    x: &'a [T],
    width: usize,
    /// Whether `x` is too big for the per-core caches, so that prefetching its rows pays.
    prefetch: bool,
}

fn check<'a, T: Element>(
    op: &'static str,
    p: &'a CsrPattern,
    vals: EdgeValues<'a, T>,
    x: &'a [T],
    width: usize,
    out_len: usize,
) -> Result<Args<'a, T>> {
    let heads = vals.check(op, p.nnz(), width)?;
    if x.len() != p.n_cols() * width {
        return Err(Error::shape(
            op,
            format!(
                "sparse [{}, {}] x dense with {} entries: expected [{}, {width}]",
                p.n_rows(),
                p.n_cols(),
                x.len(),
                p.n_cols()
            ),
        ));
    }
    if out_len != p.n_rows() * width {
        return Err(Error::shape(
            op,
            format!("output has {out_len} entries, expected [{}, {width}]", p.n_rows()),
        ));
    }
    let prefetch = std::mem::size_of_val(x) > PREFETCH_MIN_BYTES;
    Ok(Args { p, vals: vals.values(), heads, x, width, prefetch })
}

/// `out[i, :] = sum_e val[e] * x[col[e], :]` over the stored entries `e` of row `i`.
///
/// `x` is `[n_cols, width]` and `out` is `[n_rows, width]`, row-major. With
/// [`EdgeValues::Heads`] of `H` heads, head `h` scales columns `h*width/H .. (h+1)*width/H`.
/// Empty rows give 0. Parallel over row blocks balanced by stored entries when big.
///
/// ```
/// use weft_ops::sparse::{spmm_sum, CsrPattern, EdgeValues};
/// let a = CsrPattern::from_parts(2, 2, vec![0, 2, 2], vec![0, 1]).unwrap();
/// let x = [1.0f32, 2.0, 10.0, 20.0]; // [2, 2]
/// let mut out = [0.0f32; 4];
/// spmm_sum(&a, EdgeValues::per_edge(&[0.5, 2.0]), &x, 2, &mut out).unwrap();
/// assert_eq!(out, [20.5, 41.0, 0.0, 0.0]);
/// ```
pub fn spmm_sum<T: Element>(
    p: &CsrPattern,
    vals: EdgeValues<'_, T>,
    x: &[T],
    width: usize,
    out: &mut [T],
) -> Result<()> {
    let a = check("spmm_sum", p, vals, x, width, out.len())?;
    run_sum(&a, false, out);
    Ok(())
}

/// Like [`spmm_sum`], divided by the number of stored entries of the row (mean aggregation);
/// empty rows give 0.
pub fn spmm_mean<T: Element>(
    p: &CsrPattern,
    vals: EdgeValues<'_, T>,
    x: &[T],
    width: usize,
    out: &mut [T],
) -> Result<()> {
    let a = check("spmm_mean", p, vals, x, width, out.len())?;
    run_sum(&a, true, out);
    Ok(())
}

/// `out[i, f] = max_e val[e] * x[col[e], f]`, and `argmax[i, f]` = the stored-entry id `e` that
/// attains it (first one on ties; its column is `p.col_idx()[e]`). Empty rows give 0 and
/// [`NO_EDGE`]. `argmax` has the shape of `out`.
pub fn spmm_max<T: Element>(
    p: &CsrPattern,
    vals: EdgeValues<'_, T>,
    x: &[T],
    width: usize,
    out: &mut [T],
    argmax: &mut [Idx],
) -> Result<()> {
    const OP: &str = "spmm_max";
    let a = check(OP, p, vals, x, width, out.len())?;
    if argmax.len() != out.len() {
        return Err(Error::shape(OP, format!("argmax has {} entries, expected {}", argmax.len(), out.len())));
    }
    let work = p.nnz() * width;
    for_row_blocks2(p.row_ptr(), work, out, width, argmax, width, |rows, o, am| {
        max_block_dispatch(&a, rows, o, am)
    });
    Ok(())
}

fn run_sum<T: Element>(a: &Args<'_, T>, mean: bool, out: &mut [T]) {
    let work = a.p.nnz() * a.width;
    for_row_blocks(a.p.row_ptr(), work, out, a.width, |rows, o| sum_block_dispatch(a, mean, rows, o));
}

fn sum_block_dispatch<T: Element>(a: &Args<'_, T>, mean: bool, rows: Range<usize>, out: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        unsafe { sum_block_avx2(a, mean, rows, out) };
        return;
    }
    sum_block::<T, false>(a, mean, rows, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sum_block_avx2<T: Element>(a: &Args<'_, T>, mean: bool, rows: Range<usize>, out: &mut [T]) {
    sum_block::<T, true>(a, mean, rows, out)
}

/// Sum (or mean) of the rows `rows`; `out` is their part of the output.
#[inline(always)]
fn sum_block<T: Element, const FMA: bool>(a: &Args<'_, T>, mean: bool, rows: Range<usize>, out: &mut [T]) {
    let (w, h) = (a.width, a.heads);
    if w == 0 {
        return;
    }
    let f = w / h;
    let r0 = rows.start;
    for i in rows {
        let es = a.p.row_range(i);
        let orow = &mut out[(i - r0) * w..(i - r0 + 1) * w];
        for head in 0..h {
            let seg = head * f..(head + 1) * f;
            head_columns_sum::<T, FMA>(a, es.clone(), head, seg, &mut orow[head * f..(head + 1) * f]);
        }
        if mean && !es.is_empty() {
            let inv = T::one() / T::of(es.len() as f64);
            for o in orow.iter_mut() {
                *o = *o * inv;
            }
        }
    }
}

/// `out = sum_e val[e, head] * x[col[e], seg]` for one row's entries `es`, register-blocked:
/// the segment is covered by chunks of 64, 32, 16 and 8 columns (f32; half that for f64), and a
/// chunk's accumulators stay in vector registers over all entries of the row.
#[inline(always)]
fn head_columns_sum<T: Element, const FMA: bool>(
    a: &Args<'_, T>,
    es: Range<usize>,
    head: usize,
    seg: Range<usize>,
    out: &mut [T],
) {
    let mut off = 0;
    if std::mem::size_of::<T>() == 4 {
        off = chunks::<T, FMA, 64>(a, &es, head, seg.start, off, out);
        off = chunks::<T, FMA, 32>(a, &es, head, seg.start, off, out);
        off = chunks::<T, FMA, 16>(a, &es, head, seg.start, off, out);
        off = chunks::<T, FMA, 8>(a, &es, head, seg.start, off, out);
    } else {
        off = chunks::<T, FMA, 32>(a, &es, head, seg.start, off, out);
        off = chunks::<T, FMA, 16>(a, &es, head, seg.start, off, out);
        off = chunks::<T, FMA, 8>(a, &es, head, seg.start, off, out);
        off = chunks::<T, FMA, 4>(a, &es, head, seg.start, off, out);
    }
    let len = out.len();
    if off < len {
        let cols = &a.p.col_idx()[es.clone()];
        let o = &mut out[off..len];
        o.fill(T::zero());
        for (k, &c) in cols.iter().enumerate() {
            let v = a.vals.map_or(T::one(), |v| v[(es.start + k) * a.heads + head]);
            let start = c as usize * a.width + seg.start + off;
            let xs = &a.x[start..start + (len - off)];
            for (ov, &xv) in o.iter_mut().zip(xs) {
                *ov = madd::<T, FMA>(v, xv, *ov);
            }
        }
    }
}

/// Writes `out[off..off + CH]`, `out[off + CH..off + 2 CH]`, ... while a whole chunk of `CH`
/// columns fits; returns the first column not written. Columns `col_off + off ..` of `x`.
#[inline(always)]
fn chunks<T: Element, const FMA: bool, const CH: usize>(
    a: &Args<'_, T>,
    es: &Range<usize>,
    head: usize,
    col_off: usize,
    mut off: usize,
    out: &mut [T],
) -> usize {
    let cols = &a.p.col_idx()[es.clone()];
    let w = a.width;
    while off + CH <= out.len() {
        let mut acc = [T::zero(); CH];
        for (k, &c) in cols.iter().enumerate() {
            if a.prefetch {
                // Entries of the next rows too: rows are short (power-law graphs).
                if let Some(&cn) = a.p.col_idx().get(es.start + k + PREFETCH_DISTANCE) {
                    let ahead = a.x.as_ptr().wrapping_add(cn as usize * w + col_off + off);
                    prefetch(ahead, CH * std::mem::size_of::<T>());
                }
            }
            let v = a.vals.map_or(T::one(), |v| v[(es.start + k) * a.heads + head]);
            let start = c as usize * w + col_off + off;
            let xs = &a.x[start..start + CH];
            for q in 0..CH {
                acc[q] = madd::<T, FMA>(v, xs[q], acc[q]);
            }
        }
        out[off..off + CH].copy_from_slice(&acc);
        off += CH;
    }
    off
}

fn max_block_dispatch<T: Element>(a: &Args<'_, T>, rows: Range<usize>, out: &mut [T], argmax: &mut [Idx]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        unsafe { max_block_avx2(a, rows, out, argmax) };
        return;
    }
    max_block(a, rows, out, argmax)
}

/// [`max_block`] compiled with AVX2 (vector compares and blends for the running maximum).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn max_block_avx2<T: Element>(a: &Args<'_, T>, rows: Range<usize>, out: &mut [T], argmax: &mut [Idx]) {
    max_block(a, rows, out, argmax)
}

/// Max reduction of the rows `rows` with argmax. Starts from the first entry's products, so a
/// row of `-inf` gives `-inf` and a NaN product in the first entry propagates.
#[inline(always)]
fn max_block<T: Element>(a: &Args<'_, T>, rows: Range<usize>, out: &mut [T], argmax: &mut [Idx]) {
    let (w, h) = (a.width, a.heads);
    if w == 0 {
        return;
    }
    let f = w / h;
    let r0 = rows.start;
    for i in rows {
        let es = a.p.row_range(i);
        let orow = &mut out[(i - r0) * w..(i - r0 + 1) * w];
        let arow = &mut argmax[(i - r0) * w..(i - r0 + 1) * w];
        if es.is_empty() {
            orow.fill(T::zero());
            arow.fill(NO_EDGE);
            continue;
        }
        for e in es.clone() {
            let c = a.p.col_idx()[e] as usize;
            let xr = &a.x[c * w..(c + 1) * w];
            let first = e == es.start;
            for head in 0..h {
                let v = a.vals.map_or(T::one(), |v| v[e * h + head]);
                let seg = head * f..(head + 1) * f;
                let (o, am, xs) = (&mut orow[seg.clone()], &mut arow[seg.clone()], &xr[seg]);
                if first {
                    for ((ov, av), &xv) in o.iter_mut().zip(am.iter_mut()).zip(xs) {
                        *ov = v * xv;
                        *av = e as Idx;
                    }
                    continue;
                }
                for ((ov, av), &xv) in o.iter_mut().zip(am.iter_mut()).zip(xs) {
                    let y = v * xv;
                    let gt = y > *ov;
                    *ov = if gt { y } else { *ov };
                    *av = if gt { e as Idx } else { *av };
                }
            }
        }
    }
}
