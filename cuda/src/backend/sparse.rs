//! Graph primitives on a device CSR matrix: SpMM (sum, mean, max; optional per-edge or
//! per-head values), SDDMM (dot products and the additive form), edge softmax and its
//! gradient, segment sums / means / maxima. They mirror the CPU functions of
//! `weft_ops::sparse` on contiguous operands (dense operands row-major `[rows, width]`, edge
//! values `[nnz, heads]`); the sparse group of the `Backend` impl adapts strided views to them.
//! The backward passes of the max aggregations are in `sparse_backward`.

use super::{grid_for, kernel_name, CudaBackend, BLOCK, MAX_GRID};
use crate::api::{Arg, LaunchConfig};
use crate::buffer::{CudaBuf, CudaIdxBuf};
use weft_ops::sparse::{check_segment_offsets, CsrPattern};
use weft_ops::{Element, Error, Idx, Result};

/// A CSR sparsity pattern on the device, uploaded from a validated [`CsrPattern`] (so every
/// column id is below `n_cols` and the row pointers are monotone).
pub struct CudaCsr {
    row_ptr: CudaIdxBuf,
    col_idx: CudaIdxBuf,
    n_rows: usize,
    n_cols: usize,
    nnz: usize,
}

impl CudaCsr {
    /// Rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// Columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }
    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.nnz
    }
    /// The device row pointers and column ids.
    pub(crate) fn index_buffers(&self) -> (&CudaIdxBuf, &CudaIdxBuf) {
        (&self.row_ptr, &self.col_idx)
    }
    /// Kernel arguments: row pointers, column ids.
    pub(super) fn ptr_args(&self) -> [Arg; 2] {
        [Arg::Ptr(self.row_ptr.device_ptr()), Arg::Ptr(self.col_idx.device_ptr())]
    }
}

/// Segment offsets on the device (`n_segments + 1` monotone offsets into `n_rows` rows),
/// validated on upload.
pub struct CudaSegments {
    offsets: CudaIdxBuf,
    n_segments: usize,
    n_rows: usize,
}

impl CudaSegments {
    /// Number of segments.
    pub fn n_segments(&self) -> usize {
        self.n_segments
    }
    /// Number of rows the segments cover.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// The device offsets (`n_segments + 1`).
    pub(super) fn offsets(&self) -> &CudaIdxBuf {
        &self.offsets
    }
}

/// Warp-per-row launches: 8 warps per block.
pub(super) fn warp_rows(n_rows: usize) -> LaunchConfig {
    LaunchConfig::linear(n_rows.div_ceil(8).clamp(1, MAX_GRID as usize) as u32, 256, 0)
}

pub(super) fn check_len<T: Element>(
    op: &'static str,
    what: &str,
    b: &CudaBuf<T>,
    rows: usize,
    width: usize,
) -> Result<()> {
    if b.len() != rows * width {
        return Err(Error::shape(op, format!("{what} has {} entries, expected [{rows}, {width}]", b.len())));
    }
    Ok(())
}

pub(super) fn check_heads(op: &'static str, width: usize, heads: usize) -> Result<()> {
    if heads == 0 || !width.is_multiple_of(heads) {
        return Err(Error::shape(op, format!("width {width} is not a positive multiple of heads {heads}")));
    }
    Ok(())
}

impl CudaBackend {
    /// Uploads a CSR pattern.
    pub fn csr(&self, p: &CsrPattern) -> Result<CudaCsr> {
        Ok(CudaCsr {
            row_ptr: self.idx_upload_impl(p.row_ptr())?,
            col_idx: self.idx_upload_impl(p.col_idx())?,
            n_rows: p.n_rows(),
            n_cols: p.n_cols(),
            nnz: p.nnz(),
        })
    }

    /// Uploads segment offsets over `n_rows` rows (checked as `weft_ops::sparse` does).
    pub fn segments(&self, offsets: &[Idx], n_rows: usize) -> Result<CudaSegments> {
        check_segment_offsets("segments", offsets, n_rows)?;
        Ok(CudaSegments { offsets: self.idx_upload_impl(offsets)?, n_segments: offsets.len() - 1, n_rows })
    }

    /// Segments from device offsets (`n_seg + 1` of them over `n_rows` rows), read back and
    /// checked as `weft_ops::sparse` does (`op` names the caller in the errors).
    pub(crate) fn checked_segments(
        &self,
        op: &'static str,
        offsets: &CudaIdxBuf,
        n_seg: usize,
        n_rows: usize,
    ) -> Result<CudaSegments> {
        if offsets.len() != n_seg + 1 {
            return Err(Error::shape(op, format!("{} segment offsets for {n_seg} segments", offsets.len())));
        }
        let host = self.idx_to_vec_impl(offsets)?;
        check_segment_offsets(op, &host, n_rows)?;
        Ok(CudaSegments { offsets: self.idx_upload_impl(&host)?, n_segments: n_seg, n_rows })
    }

    /// `out[i, :] = Σ_e v(e) · x[col[e], :]` over the entries of row `i` (`mean`: divided by the
    /// row's entry count; empty rows give 0). `vals`: none (all ones) or `([nnz, heads], heads)`,
    /// head `h` scaling columns `h·width/heads..`. `x` is `[n_cols, width]`; the output is
    /// `[n_rows, width]`.
    pub fn spmm<T: Element>(
        &self,
        a: &CudaCsr,
        vals: Option<(&CudaBuf<T>, usize)>,
        x: &CudaBuf<T>,
        width: usize,
        mean: bool,
    ) -> Result<CudaBuf<T>> {
        const OP: &str = "spmm";
        check_len(OP, "x", x, a.n_cols, width)?;
        let (vptr, heads) = match vals {
            None => (0, 1),
            Some((v, h)) => {
                check_heads(OP, width, h)?;
                check_len(OP, "edge values", v, a.nnz, h)?;
                (v.device_ptr(), h)
            }
        };
        let out = self.alloc::<T>(a.n_rows * width)?;
        if a.n_rows * width > 0 {
            let mut args = [
                Arg::Ptr(a.row_ptr.device_ptr()),
                Arg::Ptr(a.col_idx.device_ptr()),
                Arg::Ptr(vptr),
                Arg::I64(heads as i64),
                Arg::Ptr(x.device_ptr()),
                Arg::I64(width as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(a.n_rows as i64),
            ];
            let name = if mean { "spmm_mean" } else { "spmm_sum" };
            // SAFETY: spmm_*_T(row_ptr, col, vals (null or [nnz, heads]), heads, x [n_cols,
            // width], width, out [n_rows, width], n_rows): the pattern was validated on the host,
            // the dense and value extents are checked above.
            unsafe { self.launch(&kernel_name::<T>(name), warp_rows(a.n_rows), &mut args)? };
        }
        Ok(out)
    }

    /// Max aggregation: `out[i, f] = max_e v(e) · x[col[e], f]` over the entries of row `i`, and
    /// the entry id attaining it (first on ties) in the index buffer; empty rows give 0 and
    /// `weft_ops::sparse::NO_EDGE`. Operands as in [`CudaBackend::spmm`].
    pub fn spmm_max<T: Element>(
        &self,
        a: &CudaCsr,
        vals: Option<(&CudaBuf<T>, usize)>,
        x: &CudaBuf<T>,
        width: usize,
    ) -> Result<(CudaBuf<T>, CudaIdxBuf)> {
        const OP: &str = "spmm_max";
        check_len(OP, "x", x, a.n_cols, width)?;
        let (vptr, heads) = match vals {
            None => (0, 1),
            Some((v, h)) => {
                check_heads(OP, width, h)?;
                check_len(OP, "edge values", v, a.nnz, h)?;
                (v.device_ptr(), h)
            }
        };
        let out = self.alloc::<T>(a.n_rows * width)?;
        let arg = self.alloc_idx(a.n_rows * width)?;
        if a.n_rows * width > 0 {
            let mut args = [
                Arg::Ptr(a.row_ptr.device_ptr()),
                Arg::Ptr(a.col_idx.device_ptr()),
                Arg::Ptr(vptr),
                Arg::I64(heads as i64),
                Arg::Ptr(x.device_ptr()),
                Arg::I64(width as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::Ptr(arg.device_ptr()),
                Arg::I64(a.n_rows as i64),
            ];
            // SAFETY: spmm_max_T(row_ptr, col, vals, heads, x, width, out [n_rows, width],
            // argmax [n_rows, width], n_rows): as spmm, plus the argmax buffer of out's size.
            unsafe { self.launch(&kernel_name::<T>("spmm_max"), warp_rows(a.n_rows), &mut args)? };
        }
        Ok((out, arg))
    }

    /// Gradient of [`CudaBackend::edge_softmax`]: `dx = y ⊙ (dy − Σ_row y ⊙ dy)` per head, all
    /// `[nnz, heads]`.
    pub fn edge_softmax_backward<T: Element>(
        &self,
        p: &CudaCsr,
        y: &CudaBuf<T>,
        dy: &CudaBuf<T>,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        const OP: &str = "edge_softmax_backward";
        if heads == 0 {
            return Err(Error::invalid(OP, "0 heads"));
        }
        check_len(OP, "y", y, p.nnz, heads)?;
        check_len(OP, "dy", dy, p.nnz, heads)?;
        let dx = self.alloc::<T>(p.nnz * heads)?;
        if p.nnz > 0 {
            let mut args = [
                Arg::Ptr(p.row_ptr.device_ptr()),
                Arg::Ptr(y.device_ptr()),
                Arg::Ptr(dy.device_ptr()),
                Arg::I64(heads as i64),
                Arg::Ptr(dx.device_ptr()),
                Arg::I64(p.n_rows as i64),
            ];
            // SAFETY: edge_softmax_backward_T(row_ptr, y, dy, heads, dx, n_rows): all three
            // buffers are [nnz, heads] (checked above), the pattern validated.
            let cfg = grid_for(p.n_rows * heads, BLOCK);
            unsafe { self.launch(&kernel_name::<T>("edge_softmax_backward"), cfg, &mut args)? };
        }
        Ok(dx)
    }

    /// `out[e, h] = ⟨a[i, h·f..], b[col[e], h·f..]⟩` (`f = width / heads`) for every entry
    /// `e = (i, col[e])`; `a` is `[n_rows, width]`, `b` is `[n_cols, width]`, the output
    /// `[nnz, heads]`.
    pub fn sddmm_dot<T: Element>(
        &self,
        p: &CudaCsr,
        a: &CudaBuf<T>,
        b: &CudaBuf<T>,
        width: usize,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        const OP: &str = "sddmm_dot";
        check_heads(OP, width, heads)?;
        check_len(OP, "a", a, p.n_rows, width)?;
        check_len(OP, "b", b, p.n_cols, width)?;
        let out = self.alloc::<T>(p.nnz * heads)?;
        if p.nnz > 0 {
            let mut args = [
                Arg::Ptr(p.row_ptr.device_ptr()),
                Arg::Ptr(p.col_idx.device_ptr()),
                Arg::Ptr(a.device_ptr()),
                Arg::Ptr(b.device_ptr()),
                Arg::I64(width as i64),
                Arg::I64(heads as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(p.n_rows as i64),
            ];
            // SAFETY: sddmm_dot_T(row_ptr, col, a [n_rows, width], b [n_cols, width], width,
            // heads, out [nnz, heads], n_rows): extents checked above, pattern validated.
            unsafe { self.launch(&kernel_name::<T>("sddmm_dot"), warp_rows(p.n_rows), &mut args)? };
        }
        Ok(out)
    }

    /// `out[e, h] = s[i, h] + t[col[e], h]` for every entry `e` of row `i` (GAT's attention
    /// logits); `s` is `[n_rows, heads]`, `t` is `[n_cols, heads]`, the output `[nnz, heads]`.
    pub fn sddmm_add<T: Element>(
        &self,
        p: &CudaCsr,
        s: &CudaBuf<T>,
        t: &CudaBuf<T>,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        const OP: &str = "sddmm_add";
        if heads == 0 {
            return Err(Error::invalid(OP, "0 heads"));
        }
        check_len(OP, "s", s, p.n_rows, heads)?;
        check_len(OP, "t", t, p.n_cols, heads)?;
        let out = self.alloc::<T>(p.nnz * heads)?;
        if p.nnz > 0 {
            let [row_ptr, col] = p.ptr_args();
            let mut args = [
                row_ptr,
                col,
                Arg::Ptr(s.device_ptr()),
                Arg::Ptr(t.device_ptr()),
                Arg::I64(heads as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(p.n_rows as i64),
            ];
            // SAFETY: sddmm_add_T(row_ptr, col, s [n_rows, heads], t [n_cols, heads], heads,
            // out [nnz, heads], n_rows): extents checked above, pattern validated.
            unsafe { self.launch(&kernel_name::<T>("sddmm_add"), warp_rows(p.n_rows), &mut args)? };
        }
        Ok(out)
    }

    /// Softmax over the entries of every row, per head (`x` and the output are `[nnz, heads]`).
    /// A row whose scores contain NaN or are all `-inf` is an `Error::Numerical` naming it.
    pub fn edge_softmax<T: Element>(&self, p: &CudaCsr, x: &CudaBuf<T>, heads: usize) -> Result<CudaBuf<T>> {
        const OP: &str = "edge_softmax";
        if heads == 0 {
            return Err(Error::invalid(OP, "0 heads"));
        }
        check_len(OP, "scores", x, p.nnz, heads)?;
        let out = self.alloc::<T>(p.nnz * heads)?;
        if p.nnz > 0 {
            let bad = self.idx_upload_impl(&[u32::MAX])?;
            let mut args = [
                Arg::Ptr(p.row_ptr.device_ptr()),
                Arg::Ptr(x.device_ptr()),
                Arg::I64(heads as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(p.n_rows as i64),
                Arg::Ptr(bad.device_ptr()),
            ];
            // SAFETY: edge_softmax_T(row_ptr, x [nnz, heads], heads, out [nnz, heads], n_rows,
            // bad [1]): extents checked above, pattern validated.
            unsafe {
                self.launch(&kernel_name::<T>("edge_softmax"), grid_for(p.n_rows * heads, BLOCK), &mut args)?
            };
            if let Some(t) = self.first_flagged(&bad)? {
                let (i, h) = (t / heads, t % heads);
                return Err(Error::numerical(
                    OP,
                    format!("row {i}, head {h}: scores contain NaN or are all -inf"),
                ));
            }
        }
        Ok(out)
    }

    /// `out[s, f]` = max of `x[r, f]` over the rows `r` of segment `s`, and that row (first on
    /// ties) in the index buffer; empty segments give 0 and `weft_ops::sparse::NO_EDGE`.
    pub fn segment_max<T: Element>(
        &self,
        seg: &CudaSegments,
        x: &CudaBuf<T>,
        width: usize,
    ) -> Result<(CudaBuf<T>, CudaIdxBuf)> {
        const OP: &str = "segment_max";
        check_len(OP, "x", x, seg.n_rows, width)?;
        let n = seg.n_segments * width;
        let out = self.alloc::<T>(n)?;
        let arg = self.alloc_idx(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(seg.offsets.device_ptr()),
                Arg::Ptr(x.device_ptr()),
                Arg::I64(width as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::Ptr(arg.device_ptr()),
                Arg::I64(seg.n_segments as i64),
            ];
            // SAFETY: segment_max_T(offsets, x [n_rows, width], width, out [n_seg, width],
            // argmax [n_seg, width], n_seg): offsets validated on upload, x checked above.
            unsafe { self.launch(&kernel_name::<T>("segment_max"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok((out, arg))
    }

    /// `out[s, :]` = sum (`mean`: mean) of the rows of `x` (`[n_rows, width]`) in segment `s`;
    /// empty segments give 0. The output is `[n_segments, width]`.
    pub fn segment_reduce<T: Element>(
        &self,
        seg: &CudaSegments,
        x: &CudaBuf<T>,
        width: usize,
        mean: bool,
    ) -> Result<CudaBuf<T>> {
        const OP: &str = "segment_reduce";
        check_len(OP, "x", x, seg.n_rows, width)?;
        let n = seg.n_segments * width;
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(seg.offsets.device_ptr()),
                Arg::Ptr(x.device_ptr()),
                Arg::I64(width as i64),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(seg.n_segments as i64),
            ];
            let name = if mean { "segment_mean" } else { "segment_sum" };
            // SAFETY: segment_*_T(offsets [n_seg + 1], x [n_rows, width], width, out [n_seg,
            // width], n_seg): offsets validated on upload against n_rows, x checked above.
            unsafe { self.launch(&kernel_name::<T>(name), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }
}
