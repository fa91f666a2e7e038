//! Backward passes of the max aggregations on the device: scatters of the incoming gradient
//! through the argmax the forward pass returned ([`CudaBackend::spmm_max`],
//! [`CudaBackend::segment_max`]). Semantics of `weft_ops::sparse::{spmm_max_backward,
//! segment_max_backward}`: `NO_EDGE` (`Idx::MAX`, an empty row or segment) contributes
//! nothing, an argmax outside its row or segment is an `Error::Index` naming it (checked by the
//! kernel itself, read back as one 4-byte flag).

use super::sparse::{check_heads, check_len, CudaCsr, CudaSegments};
use super::{grid_for, kernel_name, CudaBackend, BLOCK};
use crate::api::Arg;
use crate::buffer::{CudaBuf, CudaIdxBuf};
use weft_ops::{Element, Error, Result};

/// Checks the argmax of an `[rows, width]` output and that its positions fit the kernels'
/// 32-bit error flag.
fn check_argmax(op: &'static str, argmax: &CudaIdxBuf, rows: usize, width: usize) -> Result<()> {
    if argmax.len() != rows * width {
        return Err(Error::shape(
            op,
            format!("argmax has {} entries, expected [{rows}, {width}]", argmax.len()),
        ));
    }
    if rows * width >= u32::MAX as usize {
        return Err(Error::invalid(op, format!("[{rows}, {width}] outputs: more than 2^32 - 1 elements")));
    }
    Ok(())
}

impl CudaBackend {
    /// Gradients of `(out, argmax) = spmm_max(a, vals, x, width)` from `g = ∂L/∂out`
    /// (`[n_rows, width]`): `grad_x` (`[n_cols, width]`, when `need_x`) and `grad_vals`
    /// (`[nnz, heads]`, when `need_vals`; without values they are all ones). For every output element
    /// `(i, f)` with argmax entry `e = (i, j)` and head `h`: `grad_x[j, f] += g[i, f] · v(e, h)`,
    /// `grad_vals[e, h] += g[i, f] · x[j, f]` (device atomics: the summation order, and so the
    /// last bits of a sum, vary between runs on a GPU).
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn spmm_max_backward<T: Element>(
        &self,
        a: &CudaCsr,
        vals: Option<(&CudaBuf<T>, usize)>,
        x: &CudaBuf<T>,
        width: usize,
        argmax: &CudaIdxBuf,
        g: &CudaBuf<T>,
        need_x: bool,
        need_vals: bool,
    ) -> Result<(Option<CudaBuf<T>>, Option<CudaBuf<T>>)> {
        const OP: &str = "spmm_max_backward";
        check_len(OP, "x", x, a.n_cols(), width)?;
        check_len(OP, "grad_out", g, a.n_rows(), width)?;
        check_argmax(OP, argmax, a.n_rows(), width)?;
        let (vptr, heads) = match vals {
            None => (0, 1),
            Some((v, h)) => {
                check_heads(OP, width, h)?;
                check_len(OP, "edge values", v, a.nnz(), h)?;
                (v.device_ptr(), h)
            }
        };
        let gx = need_x.then(|| self.fill_impl(a.n_cols() * width, T::zero())).transpose()?;
        let gv = need_vals.then(|| self.fill_impl(a.nnz() * heads, T::zero())).transpose()?;
        let n = a.n_rows() * width;
        if n == 0 || (gx.is_none() && gv.is_none()) {
            return Ok((gx, gv));
        }
        let bad = self.idx_upload_impl(&[u32::MAX])?;
        let [row_ptr, col] = a.ptr_args();
        let mut args = [
            row_ptr,
            col,
            Arg::Ptr(vptr),
            Arg::I64(heads as i64),
            Arg::Ptr(x.device_ptr()),
            Arg::I64(width as i64),
            Arg::Ptr(argmax.device_ptr()),
            Arg::Ptr(g.device_ptr()),
            Arg::Ptr(gx.as_ref().map_or(0, |b| b.device_ptr())),
            Arg::Ptr(gv.as_ref().map_or(0, |b| b.device_ptr())),
            Arg::I64(a.n_rows() as i64),
            Arg::Ptr(bad.device_ptr()),
        ];
        // SAFETY: spmm_max_backward_T(row_ptr, col, vals (null or [nnz, heads]), heads, x
        // [n_cols, width], width, argmax [n_rows, width], g [n_rows, width], grad_x (null or
        // [n_cols, width]), grad_vals (null or [nnz, heads]), n_rows, bad [1]): extents checked
        // above, the pattern validated on upload, and the kernel reads col[e] and writes only
        // for an argmax e inside its row.
        unsafe { self.launch(&kernel_name::<T>("spmm_max_backward"), grid_for(n, BLOCK), &mut args)? };
        if let Some(t) = self.first_flagged(&bad)? {
            let (i, f) = (t / width, t % width);
            let (row_ptr, _) = a.index_buffers();
            let (e, r0, r1) =
                (self.idx_at(argmax, t)?, self.idx_at(row_ptr, i)?, self.idx_at(row_ptr, i + 1)?);
            return Err(Error::index(
                OP,
                format!("argmax {e} at ({i}, {f}) is not an entry of row {i} ({r0}..{r1})"),
            ));
        }
        Ok((gx, gv))
    }

    /// Gradient of `(out, argmax) = segment_max(seg, x, width)` from `g = ∂L/∂out`
    /// (`[n_segments, width]`): `grad_x` (`[seg.n_rows(), width]`) with `g[s, f]` at row
    /// `argmax[s, f]` and zeros elsewhere.
    pub fn segment_max_backward<T: Element>(
        &self,
        seg: &CudaSegments,
        argmax: &CudaIdxBuf,
        g: &CudaBuf<T>,
        width: usize,
    ) -> Result<CudaBuf<T>> {
        const OP: &str = "segment_max_backward";
        check_len(OP, "grad_out", g, seg.n_segments(), width)?;
        check_argmax(OP, argmax, seg.n_segments(), width)?;
        let gx = self.fill_impl(seg.n_rows() * width, T::zero())?;
        let n = seg.n_segments() * width;
        if n == 0 {
            return Ok(gx);
        }
        let bad = self.idx_upload_impl(&[u32::MAX])?;
        let mut args = [
            Arg::Ptr(seg.offsets().device_ptr()),
            Arg::Ptr(argmax.device_ptr()),
            Arg::Ptr(g.device_ptr()),
            Arg::I64(width as i64),
            Arg::Ptr(gx.device_ptr()),
            Arg::I64(seg.n_segments() as i64),
            Arg::Ptr(bad.device_ptr()),
        ];
        // SAFETY: segment_max_backward_T(offsets [n_seg + 1], argmax [n_seg, width], g [n_seg,
        // width], width, grad_x [n_rows, width], n_seg, bad [1]): extents checked above, the
        // offsets validated on upload against n_rows, and the kernel writes only for an argmax
        // inside its segment.
        unsafe { self.launch(&kernel_name::<T>("segment_max_backward"), grid_for(n, BLOCK), &mut args)? };
        if let Some(t) = self.first_flagged(&bad)? {
            let (s, f) = (t / width, t % width);
            let offsets = seg.offsets();
            let (r, r0, r1) =
                (self.idx_at(argmax, t)?, self.idx_at(offsets, s)?, self.idx_at(offsets, s + 1)?);
            return Err(Error::index(
                OP,
                format!("argmax {r} at ({s}, {f}) is outside segment {s} ({r0}..{r1})"),
            ));
        }
        Ok(gx)
    }
}
