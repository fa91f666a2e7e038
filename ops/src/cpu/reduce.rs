//! Reductions along one axis, argmax, and fused softmax / log-softmax.
//!
//! The input is viewed as `[outer, len, inner]` around the reduced axis. With `inner == 1`
//! each output is a reduction of a contiguous run; otherwise whole `inner`-long rows are
//! combined, which vectorises.

use super::math;
use super::parallel::ELEMENTWISE_MIN;
use super::strided::contiguous;
use crate::backend::ReduceOp;
use crate::element::{Element, Idx};
use crate::layout::Layout;
use rayon::prelude::*;

fn fold_max<T: Element>(acc: T, v: T) -> T {
    if v > acc || v.is_nan() {
        v
    } else {
        acc
    }
}

fn fold_min<T: Element>(acc: T, v: T) -> T {
    if v < acc || v.is_nan() {
        v
    } else {
        acc
    }
}

/// Reduces a contiguous run.
fn reduce_run<T: Element>(op: ReduceOp, xs: &[T]) -> T {
    match op {
        ReduceOp::Sum => math::sum(xs),
        ReduceOp::Mean => math::sum(xs) / T::of(xs.len() as f64),
        ReduceOp::Max => xs.iter().copied().fold(T::neg_infinity(), fold_max),
        ReduceOp::Min => xs.iter().copied().fold(T::infinity(), fold_min),
        ReduceOp::LogSumExp => {
            let m = xs.iter().copied().fold(T::neg_infinity(), fold_max);
            if !m.is_finite() {
                return m; // all -inf, some +inf, or NaN
            }
            m + xs.iter().map(|&v| math::exp(v - m)).sum::<T>().ln()
        }
    }
}

/// Reduces `axis` of the view away.
pub fn reduce<T: Element>(op: ReduceOp, x: &[T], l: &Layout, axis: usize) -> Vec<T> {
    let (outer, len, inner) = l.split_at_axis(axis);
    let xs = contiguous(x, l);
    let xs: &[T] = &xs;
    if inner == 1 {
        if outer * len >= ELEMENTWISE_MIN && outer > 1 {
            return (0..outer).into_par_iter().map(|o| reduce_run(op, &xs[o * len..(o + 1) * len])).collect();
        }
        return (0..outer).map(|o| reduce_run(op, &xs[o * len..(o + 1) * len])).collect();
    }
    let mut out = vec![T::zero(); outer * inner];
    if out.is_empty() {
        return out; // an empty axis after `axis` (inner == 0): nothing to reduce into
    }
    let block = |o: usize, acc: &mut [T]| {
        let rows = &xs[o * len * inner..(o + 1) * len * inner];
        match op {
            ReduceOp::Sum | ReduceOp::Mean => {
                for r in rows.chunks_exact(inner) {
                    acc.iter_mut().zip(r).for_each(|(a, &v)| *a = *a + v);
                }
                if op == ReduceOp::Mean {
                    let s = T::one() / T::of(len as f64);
                    acc.iter_mut().for_each(|a| *a = *a * s);
                }
            }
            ReduceOp::Max | ReduceOp::Min => {
                let (init, f): (T, fn(T, T) -> T) = if op == ReduceOp::Max {
                    (T::neg_infinity(), fold_max)
                } else {
                    (T::infinity(), fold_min)
                };
                acc.iter_mut().for_each(|a| *a = init);
                for r in rows.chunks_exact(inner) {
                    acc.iter_mut().zip(r).for_each(|(a, &v)| *a = f(*a, v));
                }
            }
            ReduceOp::LogSumExp => {
                let mut m = vec![T::neg_infinity(); inner];
                for r in rows.chunks_exact(inner) {
                    m.iter_mut().zip(r).for_each(|(a, &v)| *a = fold_max(*a, v));
                }
                // Rows whose max is infinite would give inf - inf: shift by 0 there instead.
                let shift: Vec<T> = m.iter().map(|&v| if v.is_finite() { v } else { T::zero() }).collect();
                for r in rows.chunks_exact(inner) {
                    acc.iter_mut()
                        .zip(r.iter().zip(&shift))
                        .for_each(|(a, (&v, &s))| *a = *a + math::exp(v - s));
                }
                acc.iter_mut().zip(&shift).for_each(|(a, &s)| *a = a.ln() + s);
            }
        }
    };
    if outer > 1 && outer * len * inner >= ELEMENTWISE_MIN {
        out.par_chunks_mut(inner).enumerate().for_each(|(o, acc)| block(o, acc));
    } else {
        out.chunks_mut(inner).enumerate().for_each(|(o, acc)| block(o, acc));
    }
    out
}

/// Index of the first maximum along `axis` (NaN counts as maximal).
pub fn argmax<T: Element>(x: &[T], l: &Layout, axis: usize) -> Vec<Idx> {
    let (outer, len, inner) = l.split_at_axis(axis);
    let xs = contiguous(x, l);
    let mut out = vec![0 as Idx; outer * inner];
    for o in 0..outer {
        for i in 0..inner {
            let mut best = T::neg_infinity();
            let mut arg = 0;
            for k in 0..len {
                let v = xs[(o * len + k) * inner + i];
                if v > best || (v.is_nan() && !best.is_nan()) {
                    best = v;
                    arg = k;
                }
            }
            out[o * inner + i] = arg as Idx;
        }
    }
    out
}

/// Softmax of one strided run (`n` values, stride `s`) into `out` (same stride).
fn softmax_run<T: Element>(xs: &[T], out: &mut [T], n: usize, s: usize, log: bool) {
    let m = (0..n).map(|k| xs[k * s]).fold(T::neg_infinity(), fold_max);
    let m = if m.is_finite() { m } else { T::zero() };
    let mut sum = T::zero();
    for k in 0..n {
        let e = math::exp(xs[k * s] - m);
        out[k * s] = e;
        sum = sum + e;
    }
    if log {
        let lse = sum.ln();
        for k in 0..n {
            out[k * s] = xs[k * s] - m - lse;
        }
    } else {
        let inv = T::one() / sum;
        for k in 0..n {
            out[k * s] = out[k * s] * inv;
        }
    }
}

/// Softmax or log-softmax along `axis`.
pub fn softmax<T: Element>(x: &[T], l: &Layout, axis: usize, log: bool) -> Vec<T> {
    let (outer, len, inner) = l.split_at_axis(axis);
    let xs = contiguous(x, l);
    let xs: &[T] = &xs;
    let mut out = vec![T::zero(); outer * len * inner];
    if out.is_empty() {
        return out;
    }
    let block = |o: usize, ob: &mut [T]| {
        let xb = &xs[o * len * inner..(o + 1) * len * inner];
        for i in 0..inner {
            softmax_run(&xb[i..], &mut ob[i..], len, inner, log);
        }
    };
    if outer > 1 && out.len() >= ELEMENTWISE_MIN {
        out.par_chunks_mut(len * inner).enumerate().for_each(|(o, ob)| block(o, ob));
    } else {
        out.chunks_mut(len * inner).enumerate().for_each(|(o, ob)| block(o, ob));
    }
    out
}
