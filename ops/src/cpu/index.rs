//! Gathers, scatter-adds and concatenation along an axis.

use super::strided::contiguous;
use crate::element::{Element, Idx};
use crate::layout::Layout;

/// Gathers slices `idx[i]` of `axis`.
pub fn index_select<T: Element>(x: &[T], l: &Layout, axis: usize, idx: &[Idx]) -> Vec<T> {
    let (outer, len, inner) = l.split_at_axis(axis);
    let xs = contiguous(x, l);
    let mut out = Vec::with_capacity(outer * idx.len() * inner);
    for o in 0..outer {
        let block = &xs[o * len * inner..(o + 1) * len * inner];
        for &i in idx {
            let i = i as usize;
            out.extend_from_slice(&block[i * inner..(i + 1) * inner]);
        }
    }
    out
}

/// A copy of `dst` with slice `r` of `src` (along `axis`) added into slice `idx[r]`.
pub fn index_add<T: Element>(
    dst: &[T],
    dst_shape: &[usize],
    axis: usize,
    idx: &[Idx],
    src: &[T],
    ls: &Layout,
) -> Vec<T> {
    let len: usize = dst_shape[axis];
    let inner: usize = dst_shape[axis + 1..].iter().product();
    let outer: usize = dst_shape[..axis].iter().product();
    let ss = contiguous(src, ls);
    let mut out = dst.to_vec();
    for o in 0..outer {
        for (r, &i) in idx.iter().enumerate() {
            let s = &ss[(o * idx.len() + r) * inner..(o * idx.len() + r + 1) * inner];
            let d = &mut out[(o * len + i as usize) * inner..(o * len + i as usize + 1) * inner];
            d.iter_mut().zip(s).for_each(|(d, &v)| *d = *d + v);
        }
    }
    out
}

/// Concatenates views along `axis`.
pub fn concat<T: Element>(parts: &[(&[T], &Layout)], axis: usize) -> Vec<T> {
    let first = parts[0].1;
    let outer: usize = first.shape()[..axis].iter().product();
    let inner: usize = first.shape()[axis + 1..].iter().product();
    let total: usize = parts.iter().map(|(_, l)| l.shape()[axis]).sum();
    let conts: Vec<_> = parts.iter().map(|(x, l)| contiguous(x, l)).collect();
    let mut out = Vec::with_capacity(outer * total * inner);
    for o in 0..outer {
        for (c, (_, l)) in conts.iter().zip(parts) {
            let run = l.shape()[axis] * inner;
            out.extend_from_slice(&c[o * run..(o + 1) * run]);
        }
    }
    out
}
