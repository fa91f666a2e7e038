//! Row gather and scatter-add by index lists (edge-list models, pooling, backward of gathers).

use super::partition::for_row_blocks;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};

fn check_rows(op: &'static str, what: &str, len: usize, width: usize) -> Result<usize> {
    if width == 0 {
        return Err(Error::invalid(op, "width 0"));
    }
    if !len.is_multiple_of(width) {
        return Err(Error::shape(op, format!("{what} has {len} entries, not a multiple of width {width}")));
    }
    Ok(len / width)
}

/// `out[k, :] = x[idx[k], :]`; `x` is `[N, width]`, `out` is `[idx.len(), width]`.
///
/// ```
/// use weft_ops::sparse::gather_rows;
/// let mut out = [0.0f32; 4];
/// gather_rows(&[1.0, 2.0, 3.0, 4.0], 2, &[1, 1], &mut out).unwrap();
/// assert_eq!(out, [3.0, 4.0, 3.0, 4.0]);
/// ```
pub fn gather_rows<T: Element>(x: &[T], width: usize, idx: &[Idx], out: &mut [T]) -> Result<()> {
    const OP: &str = "gather_rows";
    let n = check_rows(OP, "x", x.len(), width)?;
    super::coo::check_ids(OP, "row", idx, n)?;
    if out.len() != idx.len() * width {
        return Err(Error::shape(
            OP,
            format!("output has {} entries, expected [{}, {width}]", out.len(), idx.len()),
        ));
    }
    let work = idx.len() * width;
    if work < super::partition::PARALLEL_MIN_WORK {
        for (o, &i) in out.chunks_exact_mut(width).zip(idx) {
            o.copy_from_slice(&x[i as usize * width..(i as usize + 1) * width]);
        }
        return Ok(());
    }
    // One "entry" per output row, so blocks split the output evenly.
    let ptr: Vec<Idx> = (0..=idx.len() as Idx).collect();
    for_row_blocks(&ptr, work, out, width, |rows, o| {
        for (o, &i) in o.chunks_exact_mut(width).zip(&idx[rows]) {
            o.copy_from_slice(&x[i as usize * width..(i as usize + 1) * width]);
        }
    });
    Ok(())
}

/// `out[idx[k], :] += src[k, :]` for every `k`; `src` is `[idx.len(), width]`, `out` is
/// `[N, width]` and is added to (not overwritten). Repeated indices accumulate. For big inputs,
/// the indices are grouped by destination first (a counting sort) so threads never write the
/// same row; the order of additions into a row is the order of `k`, so the result does not
/// depend on the number of threads.
pub fn scatter_add_rows<T: Element>(src: &[T], width: usize, idx: &[Idx], out: &mut [T]) -> Result<()> {
    const OP: &str = "scatter_add_rows";
    let n_src = check_rows(OP, "src", src.len(), width)?;
    let n_out = check_rows(OP, "out", out.len(), width)?;
    if n_src != idx.len() {
        return Err(Error::shape(OP, format!("src has {n_src} rows but there are {} indices", idx.len())));
    }
    super::coo::check_ids(OP, "destination row", idx, n_out)?;
    let work = idx.len() * width;
    if work < super::partition::PARALLEL_MIN_WORK {
        for (s, &i) in src.chunks_exact(width).zip(idx) {
            let o = &mut out[i as usize * width..(i as usize + 1) * width];
            for (ov, &sv) in o.iter_mut().zip(s) {
                *ov = *ov + sv;
            }
        }
        return Ok(());
    }
    // Group source rows by destination: ptr[d]..ptr[d+1] in `order` are the k with idx[k] = d.
    let mut ptr = vec![0 as Idx; n_out + 1];
    for &i in idx {
        ptr[i as usize + 1] += 1;
    }
    for d in 0..n_out {
        ptr[d + 1] += ptr[d];
    }
    let mut next = ptr[..n_out].to_vec();
    let mut order = vec![0 as Idx; idx.len()];
    for (k, &i) in idx.iter().enumerate() {
        order[next[i as usize] as usize] = k as Idx;
        next[i as usize] += 1;
    }
    for_row_blocks(&ptr, work, out, width, |rows, o| {
        let r0 = rows.start;
        for d in rows {
            let orow = &mut o[(d - r0) * width..(d - r0 + 1) * width];
            for &k in &order[ptr[d] as usize..ptr[d + 1] as usize] {
                let s = &src[k as usize * width..(k as usize + 1) * width];
                for (ov, &sv) in orow.iter_mut().zip(s) {
                    *ov = *ov + sv;
                }
            }
        }
    });
    Ok(())
}
