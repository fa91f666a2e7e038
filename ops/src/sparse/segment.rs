//! Segment reductions: sum, mean and max (with argmax) over consecutive row ranges of a dense
//! `[M, F]` matrix, given sorted segment offsets (graph-level pooling of batched graphs).

use super::partition::{for_row_blocks, for_row_blocks2};
use super::spmm::NO_EDGE;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

/// Checks `offsets` is a valid segment-offset vector for `m` rows: starts at 0, never decreases,
/// ends at `m`. Segment `s` is rows `offsets[s] .. offsets[s + 1]`.
pub fn check_segment_offsets(op: &'static str, offsets: &[Idx], m: usize) -> Result<()> {
    let Some((&first, _)) = offsets.split_first() else {
        return Err(Error::shape(op, "segment offsets are empty (need n_segments + 1 entries)"));
    };
    if first != 0 {
        return Err(Error::invalid(op, format!("segment offsets start at {first}, expected 0")));
    }
    if let Some(k) = offsets.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::invalid(
            op,
            format!(
                "segment offsets are not sorted: offsets[{k}] = {} > offsets[{}] = {}",
                offsets[k],
                k + 1,
                offsets[k + 1]
            ),
        ));
    }
    let last = offsets[offsets.len() - 1] as usize;
    if last != m {
        return Err(Error::shape(op, format!("segment offsets end at {last} but the input has {m} rows")));
    }
    Ok(())
}

/// Segment offsets (`n_segments + 1` entries) from a sorted vector of segment ids, one per row
/// (e.g. the graph id of every node of a batch). Ids must be sorted and `< n_segments`.
pub fn segment_offsets_from_ids(ids: &[Idx], n_segments: usize) -> Result<Vec<Idx>> {
    const OP: &str = "segment_offsets_from_ids";
    if ids.len() > Idx::MAX as usize {
        return Err(Error::shape(OP, format!("{} ids do not fit u32", ids.len())));
    }
    super::coo::check_ids(OP, "segment", ids, n_segments)?;
    if let Some(k) = ids.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::invalid(
            OP,
            format!("segment ids are not sorted: ids[{k}] = {} > ids[{}] = {}", ids[k], k + 1, ids[k + 1]),
        ));
    }
    let mut off = vec![0 as Idx; n_segments + 1];
    for &s in ids {
        off[s as usize + 1] += 1;
    }
    for s in 0..n_segments {
        off[s + 1] += off[s];
    }
    Ok(off)
}

fn check(op: &'static str, offsets: &[Idx], x: &[impl Copy], width: usize, out_len: usize) -> Result<usize> {
    if width == 0 {
        return Err(Error::invalid(op, "width 0"));
    }
    if !x.len().is_multiple_of(width) {
        return Err(Error::shape(
            op,
            format!("input has {} entries, not a multiple of width {width}", x.len()),
        ));
    }
    check_segment_offsets(op, offsets, x.len() / width)?;
    let n_seg = offsets.len() - 1;
    if out_len != n_seg * width {
        return Err(Error::shape(op, format!("output has {out_len} entries, expected [{n_seg}, {width}]")));
    }
    Ok(n_seg)
}

/// `out[s, :] = sum of x[r, :]` over the rows `r` of segment `s`; `x` is `[M, width]`, `out` is
/// `[n_segments, width]`. Empty segments give 0.
///
/// ```
/// use weft_ops::sparse::segment_sum;
/// let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // [3, 2]
/// let mut out = [0.0f32; 4];
/// segment_sum(&[0, 2, 3], &x, 2, &mut out).unwrap();
/// assert_eq!(out, [4.0, 6.0, 5.0, 6.0]);
/// ```
pub fn segment_sum<T: Element>(offsets: &[Idx], x: &[T], width: usize, out: &mut [T]) -> Result<()> {
    check("segment_sum", offsets, x, width, out.len())?;
    run_sum(offsets, x, width, out, false);
    Ok(())
}

/// Like [`segment_sum`], divided by the segment length; empty segments give 0.
pub fn segment_mean<T: Element>(offsets: &[Idx], x: &[T], width: usize, out: &mut [T]) -> Result<()> {
    check("segment_mean", offsets, x, width, out.len())?;
    run_sum(offsets, x, width, out, true);
    Ok(())
}

fn run_sum<T: Element>(offsets: &[Idx], x: &[T], w: usize, out: &mut [T], mean: bool) {
    for_row_blocks(offsets, x.len(), out, w, |segs, o| {
        let s0 = segs.start;
        for s in segs {
            let orow = &mut o[(s - s0) * w..(s - s0 + 1) * w];
            orow.fill(T::zero());
            let (a, b) = (offsets[s] as usize, offsets[s + 1] as usize);
            for xr in x[a * w..b * w].chunks_exact(w) {
                for (ov, &xv) in orow.iter_mut().zip(xr) {
                    *ov = *ov + xv;
                }
            }
            if mean && b > a {
                let inv = T::one() / T::of((b - a) as f64);
                orow.iter_mut().for_each(|v| *v = *v * inv);
            }
        }
    });
}

/// `out[s, f] = max of x[r, f]` over the rows `r` of segment `s`, and `argmax[s, f]` = that row
/// `r` (first on ties). Empty segments give 0 and [`NO_EDGE`].
pub fn segment_max<T: Element>(
    offsets: &[Idx],
    x: &[T],
    width: usize,
    out: &mut [T],
    argmax: &mut [Idx],
) -> Result<()> {
    const OP: &str = "segment_max";
    check(OP, offsets, x, width, out.len())?;
    if argmax.len() != out.len() {
        return Err(Error::shape(OP, format!("argmax has {} entries, expected {}", argmax.len(), out.len())));
    }
    let w = width;
    for_row_blocks2(offsets, x.len(), out, w, argmax, w, |segs, o, am| {
        let s0 = segs.start;
        for s in segs {
            let orow = &mut o[(s - s0) * w..(s - s0 + 1) * w];
            let arow = &mut am[(s - s0) * w..(s - s0 + 1) * w];
            let (a, b) = (offsets[s] as usize, offsets[s + 1] as usize);
            if a == b {
                orow.fill(T::zero());
                arow.fill(NO_EDGE);
                continue;
            }
            orow.copy_from_slice(&x[a * w..(a + 1) * w]);
            arow.fill(a as Idx);
            for r in a + 1..b {
                for ((ov, av), &xv) in orow.iter_mut().zip(arow.iter_mut()).zip(&x[r * w..(r + 1) * w]) {
                    let gt = xv > *ov;
                    *ov = if gt { xv } else { *ov };
                    *av = if gt { r as Idx } else { *av };
                }
            }
        }
    });
    Ok(())
}
