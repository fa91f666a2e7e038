//! The sparse group of [`CpuBackend`](super::CpuBackend): thin adapters from `(buffer, layout)`
//! operands to the slice kernels of [`crate::sparse`]. The device pattern is the host
//! [`Csr`] itself (shared, with its cached transpose).

use super::strided;
use crate::backend::{Aggregation, EdgeVals};
use crate::element::{Element, Idx};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::sparse::{self, Csr, EdgeValues};
use std::borrow::Cow;

/// The elements of the view `l` of `x`, row-major: borrowed when contiguous, gathered otherwise.
fn dense<'a, T: Element>(x: &'a [T], l: &Layout) -> Cow<'a, [T]> {
    match l.contiguous_range() {
        Some(r) => Cow::Borrowed(&x[r]),
        None => Cow::Owned(strided::gather(x, l)),
    }
}

/// Width (number of columns) of a rank-2 operand.
fn width(op: &'static str, l: &Layout) -> Result<usize> {
    match l.shape() {
        [_, w] => Ok(*w),
        s => Err(Error::shape(op, format!("dense operand of shape {s:?} is not a matrix"))),
    }
}

/// Edge values as a kernel operand.
fn edge_values<'a, T: Element>(vals: &'a Option<(Cow<'a, [T]>, usize)>) -> EdgeValues<'a, T> {
    match vals {
        None => EdgeValues::Ones,
        Some((v, h)) => EdgeValues::heads(v, *h),
    }
}

fn vals_view<'a, T: Element>(vals: EdgeVals<'a, Vec<T>>) -> Option<(Cow<'a, [T]>, usize)> {
    vals.map(|(v, l, h)| (dense(v, l), h))
}

/// See [`Backend::spmm`](crate::Backend::spmm).
pub fn spmm<T: Element>(
    a: &Csr,
    vals: EdgeVals<'_, Vec<T>>,
    x: &[T],
    lx: &Layout,
    agg: Aggregation,
) -> Result<(Vec<T>, Option<Vec<Idx>>)> {
    let w = width("spmm", lx)?;
    let xv = dense(x, lx);
    let vals = vals_view(vals);
    let ev = edge_values(&vals);
    let mut out = vec![T::zero(); a.n_rows() * w];
    match agg {
        Aggregation::Sum => sparse::spmm_sum(a, ev, &xv, w, &mut out)?,
        Aggregation::Mean => sparse::spmm_mean(a, ev, &xv, w, &mut out)?,
        Aggregation::Max => {
            let mut am = vec![0 as Idx; out.len()];
            sparse::spmm_max(a, ev, &xv, w, &mut out, &mut am)?;
            return Ok((out, Some(am)));
        }
    }
    Ok((out, None))
}

/// See [`Backend::spmm_max_backward`](crate::Backend::spmm_max_backward).
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn spmm_max_backward<T: Element>(
    a: &Csr,
    vals: EdgeVals<'_, Vec<T>>,
    x: &[T],
    lx: &Layout,
    argmax: &[Idx],
    g: &[T],
    lg: &Layout,
    need_x: bool,
    need_vals: bool,
) -> Result<(Option<Vec<T>>, Option<Vec<T>>)> {
    let w = width("spmm_max_backward", lx)?;
    let (xv, gv) = (dense(x, lx), dense(g, lg));
    let vals = vals_view(vals);
    let heads = vals.as_ref().map_or(1, |v| v.1);
    let mut gx = need_x.then(|| vec![T::zero(); xv.len()]);
    let mut gvals = need_vals.then(|| vec![T::zero(); a.nnz() * heads]);
    sparse::spmm_max_backward(
        a,
        edge_values(&vals),
        &xv,
        w,
        argmax,
        &gv,
        gx.as_deref_mut(),
        gvals.as_deref_mut(),
    )?;
    Ok((gx, gvals))
}

/// See [`Backend::sddmm_dot`](crate::Backend::sddmm_dot).
pub fn sddmm_dot<T: Element>(
    a: &Csr,
    x: &[T],
    lx: &Layout,
    y: &[T],
    ly: &Layout,
    heads: usize,
) -> Result<Vec<T>> {
    let w = width("sddmm", lx)?;
    let mut out = vec![T::zero(); a.nnz() * heads];
    sparse::sddmm_dot(a, &dense(x, lx), &dense(y, ly), w, heads, &mut out)?;
    Ok(out)
}

/// See [`Backend::sddmm_add`](crate::Backend::sddmm_add).
pub fn sddmm_add<T: Element>(
    a: &Csr,
    s: &[T],
    ls: &Layout,
    t: &[T],
    lt: &Layout,
    heads: usize,
) -> Result<Vec<T>> {
    let mut out = vec![T::zero(); a.nnz() * heads];
    sparse::sddmm_add(a, &dense(s, ls), &dense(t, lt), heads, &mut out)?;
    Ok(out)
}

/// See [`Backend::edge_softmax`](crate::Backend::edge_softmax).
pub fn edge_softmax<T: Element>(a: &Csr, scores: &[T], l: &Layout, heads: usize) -> Result<Vec<T>> {
    let mut out = vec![T::zero(); a.nnz() * heads];
    sparse::edge_softmax(a, &dense(scores, l), heads, &mut out)?;
    Ok(out)
}

/// See [`Backend::edge_softmax_backward`](crate::Backend::edge_softmax_backward).
pub fn edge_softmax_backward<T: Element>(
    a: &Csr,
    y: &[T],
    ly: &Layout,
    dy: &[T],
    ldy: &Layout,
    heads: usize,
) -> Result<Vec<T>> {
    let mut out = vec![T::zero(); a.nnz() * heads];
    sparse::edge_softmax_backward(a, &dense(y, ly), &dense(dy, ldy), heads, &mut out)?;
    Ok(out)
}

/// See [`Backend::segment_reduce`](crate::Backend::segment_reduce).
pub fn segment_reduce<T: Element>(
    offsets: &[Idx],
    n_seg: usize,
    x: &[T],
    lx: &Layout,
    agg: Aggregation,
) -> Result<(Vec<T>, Option<Vec<Idx>>)> {
    let w = width("segment_reduce", lx)?;
    let xv = dense(x, lx);
    let mut out = vec![T::zero(); n_seg * w];
    match agg {
        Aggregation::Sum => sparse::segment_sum(offsets, &xv, w, &mut out)?,
        Aggregation::Mean => sparse::segment_mean(offsets, &xv, w, &mut out)?,
        Aggregation::Max => {
            let mut am = vec![0 as Idx; out.len()];
            sparse::segment_max(offsets, &xv, w, &mut out, &mut am)?;
            return Ok((out, Some(am)));
        }
    }
    Ok((out, None))
}

/// See [`Backend::segment_max_backward`](crate::Backend::segment_max_backward).
pub fn segment_max_backward<T: Element>(
    offsets: &[Idx],
    m: usize,
    argmax: &[Idx],
    g: &[T],
    lg: &Layout,
) -> Result<Vec<T>> {
    let w = width("segment_max_backward", lg)?;
    let mut gx = vec![T::zero(); m * w];
    sparse::segment_max_backward(offsets, w, argmax, &dense(g, lg), &mut gx)?;
    Ok(gx)
}
