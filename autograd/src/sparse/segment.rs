//! [`segment_reduce`]: sum, mean or max over segments of consecutive rows (graph-level pooling
//! of batched small graphs).

use super::check;
use super::device;
use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use smallvec::smallvec;
use weft_ops::backend::Aggregation;
use weft_ops::{error::fmt_shape, Error, Idx, Result};

/// Reduces segments of consecutive rows of `x`: segment `s` is rows `offsets[s]..offsets[s+1]`
/// (`offsets` has `n_seg + 1` non-decreasing entries from 0 to the number of rows). `x` is
/// `[M, F]` (or `[M]`, giving `[n_seg]`); the output is `[n_seg, F]`. Empty segments give 0.
/// Differentiable in `x` (max through the argmax, first row on ties).
pub fn segment_reduce<T: Float>(offsets: &Indices, x: &Tensor<T>, agg: Aggregation) -> Result<Tensor<T>> {
    const OP: &str = "segment_reduce";
    check::same(OP, offsets.device(), x.device())?;
    if x.rank() == 1 {
        let m = x.shape()[0];
        let out = segment_reduce(offsets, &x.reshape(&[m, 1])?, agg)?;
        let n_seg = out.shape()[0];
        return out.reshape(&[n_seg]);
    }
    let [m, _] = x.shape() else {
        return Err(Error::shape(
            OP,
            format!("x has shape {}, expected [M, F] or [M]", fmt_shape(x.shape())),
        ));
    };
    let m = *m;
    if offsets.is_empty() {
        return Err(Error::shape(OP, "offsets are empty: n_seg + 1 entries are needed"));
    }
    let host = offsets.to_vec()?;
    weft_ops::sparse::check_segment_offsets(OP, &host, m)?;
    let (out, argmax) = device::segment_reduce(offsets, x, agg)?;
    let offsets = offsets.clone();
    Ok(out.record(&[x], move |g, _| {
        let gx = match (agg, argmax) {
            (Aggregation::Max, Some(am)) => device::segment_max_backward(&offsets, m, &am, g)?,
            _ => {
                let n_seg = host.len() - 1;
                let g = if agg == Aggregation::Mean {
                    let inv = (0..n_seg)
                        .map(|s| match host[s + 1] - host[s] {
                            0 => T::zero(),
                            k => T::one() / T::of(k as f64),
                        })
                        .collect();
                    g.mul(&Tensor::from_vec(inv, &[n_seg, 1])?.to_device(g.device())?)?
                } else {
                    g.clone()
                };
                let seg_of_row: Vec<Idx> = (0..n_seg)
                    .flat_map(|s| std::iter::repeat_n(s as Idx, (host[s + 1] - host[s]) as usize))
                    .collect();
                g.index_select(0, &Indices::new(seg_of_row).to_device(g.device())?)?
            }
        };
        Ok(smallvec![Some(gx)])
    }))
}
