//! Indexing: index_select (gather), index_add (scatter-add with atomics), concat.

use super::{check_view, grid_for, kernel_name, CudaBackend, BLOCK};
use crate::api::Arg;
use crate::buffer::{CudaBuf, CudaIdxBuf};
use crate::strided::StridedArg;
use weft_ops::{Element, Error, Layout, Result};

fn check_axis(op: &'static str, shape: &[usize], axis: usize) -> Result<()> {
    if axis >= shape.len() {
        return Err(Error::index(op, format!("axis {axis} for a tensor of shape {shape:?}")));
    }
    Ok(())
}

fn check_idx_len(op: &'static str, idx: &CudaIdxBuf, n_idx: usize) -> Result<()> {
    if n_idx > idx.len() {
        return Err(Error::index(
            op,
            format!("{n_idx} indices requested from an index buffer of {}", idx.len()),
        ));
    }
    Ok(())
}

/// (outer, len, inner) element counts around `axis`.
fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

impl CudaBackend {
    /// Checks on the device that the first `n_idx` indices are `< bound` (an `Error::Index`
    /// naming the first offender otherwise), so no kernel reads or writes out of range.
    pub(crate) fn check_indices(
        &self,
        op: &'static str,
        idx: &CudaIdxBuf,
        n_idx: usize,
        bound: usize,
    ) -> Result<()> {
        if n_idx == 0 {
            return Ok(());
        }
        let bad = self.idx_upload_impl(&[u32::MAX])?;
        let mut args = [
            Arg::Ptr(idx.device_ptr()),
            Arg::I64(n_idx as i64),
            Arg::I64(bound as i64),
            Arg::Ptr(bad.device_ptr()),
        ];
        // SAFETY: check_indices(const u32* idx, i64 n, i64 bound, u32* bad) reads idx[0..n]
        // (n_idx <= idx.len(), checked by the caller) and writes the one element of `bad`.
        unsafe { self.launch("check_indices", grid_for(n_idx, BLOCK), &mut args)? };
        if let Some(p) = self.first_flagged(&bad)? {
            let v = self.idx_at(idx, p)?;
            return Err(Error::index(
                op,
                format!("index {v} at position {p} is out of range for length {bound}"),
            ));
        }
        Ok(())
    }

    pub(crate) fn index_select_impl<T: Element>(
        &self,
        x: &CudaBuf<T>,
        l: &Layout,
        axis: usize,
        idx: &CudaIdxBuf,
        n_idx: usize,
    ) -> Result<CudaBuf<T>> {
        check_axis("index_select", l.shape(), axis)?;
        check_view("index_select", "x", l, x.len())?;
        check_idx_len("index_select", idx, n_idx)?;
        let (outer, len, inner) = split(l.shape(), axis);
        self.check_indices("index_select", idx, n_idx, len)?;
        let n = outer * n_idx * inner;
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("index_select", l)?),
                Arg::Ptr(idx.device_ptr()),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(outer as i64),
                Arg::I64(len as i64),
                Arg::I64(inner as i64),
                Arg::I64(n_idx as i64),
            ];
            // SAFETY: index_select_T(const T* x, Strided lx, const u32* idx, T* out, i64 outer,
            // i64 len, i64 inner, i64 n_idx): idx holds n_idx indices, each < len (the caller's
            // contract), so reads stay in the view; out holds outer * n_idx * inner elements.
            unsafe { self.launch(&kernel_name::<T>("index_select"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn index_add_impl<T: Element>(
        &self,
        dst: &CudaBuf<T>,
        dst_shape: &[usize],
        axis: usize,
        idx: &CudaIdxBuf,
        n_idx: usize,
        src: &CudaBuf<T>,
        ls: &Layout,
    ) -> Result<CudaBuf<T>> {
        check_axis("index_add", dst_shape, axis)?;
        check_idx_len("index_add", idx, n_idx)?;
        check_view("index_add", "src", ls, src.len())?;
        let dst_n: usize = dst_shape.iter().product();
        if dst_n > dst.len() {
            return Err(Error::shape(
                "index_add",
                format!("dst shape {dst_shape:?} needs {dst_n} elements, buffer has {}", dst.len()),
            ));
        }
        let (outer, dst_len, inner) = split(dst_shape, axis);
        let mut want = dst_shape.to_vec();
        want[axis] = n_idx;
        if ls.shape() != want.as_slice() {
            return Err(Error::shape("index_add", format!("src shape {:?}, expected {want:?}", ls.shape())));
        }
        self.check_indices("index_add", idx, n_idx, dst_len)?;
        let out = self.clone_prefix(dst, dst_n)?;
        let n = outer * n_idx * inner;
        if n > 0 {
            let mut args = [
                Arg::Ptr(out.device_ptr()),
                Arg::Ptr(idx.device_ptr()),
                Arg::Ptr(src.device_ptr()),
                Arg::Strided(StridedArg::new("index_add", ls)?),
                Arg::I64(outer as i64),
                Arg::I64(dst_len as i64),
                Arg::I64(inner as i64),
                Arg::I64(n_idx as i64),
            ];
            // SAFETY: index_add_T(T* out, const u32* idx, const T* src, Strided ls, i64 outer,
            // i64 dst_len, i64 inner, i64 n_idx): out is [outer, dst_len, inner], indices are
            // < dst_len (caller's contract), src's view has outer * n_idx * inner elements.
            unsafe { self.launch(&kernel_name::<T>("index_add"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn concat_impl<T: Element>(
        &self,
        parts: &[(&CudaBuf<T>, &Layout)],
        axis: usize,
    ) -> Result<CudaBuf<T>> {
        let Some((_, first)) = parts.first() else {
            return Err(Error::invalid("concat", "no tensors to concatenate"));
        };
        check_axis("concat", first.shape(), axis)?;
        let mut total = 0;
        for (i, (buf, l)) in parts.iter().enumerate() {
            let same = l.rank() == first.rank()
                && (0..l.rank()).all(|d| d == axis || l.shape()[d] == first.shape()[d]);
            if !same {
                return Err(Error::shape(
                    "concat",
                    format!(
                        "part {i} has shape {:?}, part 0 has {:?} (axis {axis})",
                        l.shape(),
                        first.shape()
                    ),
                ));
            }
            check_view("concat", "part", l, buf.len())?;
            total += l.shape()[axis];
        }
        let mut shape = first.shape().to_vec();
        shape[axis] = total;
        let (outer, _, inner) = split(&shape, axis);
        let out = self.alloc::<T>(shape.iter().product())?;
        let mut start = 0;
        for (buf, l) in parts {
            let part_len = l.shape()[axis];
            let n = l.numel();
            if n > 0 {
                let mut args = [
                    Arg::Ptr(buf.device_ptr()),
                    Arg::Strided(StridedArg::new("concat", l)?),
                    Arg::Ptr(out.device_ptr()),
                    Arg::I64(outer as i64),
                    Arg::I64(part_len as i64),
                    Arg::I64(inner as i64),
                    Arg::I64(total as i64),
                    Arg::I64(start as i64),
                ];
                // SAFETY: concat_part_T(const T* x, Strided lx, T* out, i64 outer, i64 part_len,
                // i64 inner, i64 total_len, i64 start): the part's view is inside its buffer and
                // start + part_len <= total, so writes stay in out ([outer, total, inner]).
                unsafe { self.launch(&kernel_name::<T>("concat_part"), grid_for(n, BLOCK), &mut args)? };
            }
            start += part_len;
        }
        Ok(out)
    }
}
