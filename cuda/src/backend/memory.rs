//! Memory primitives: fill, host <-> device copies, strided copy.

use super::{check_view, grid_for, kernel_name, CudaBackend, BLOCK};
use crate::api::Arg;
use crate::buffer::{as_bytes, as_bytes_mut, CudaBuf, CudaIdxBuf};
use crate::strided::StridedArg;
use weft_ops::{Element, Error, Idx, Layout, Result};

impl CudaBackend {
    pub(crate) fn fill_impl<T: Element>(&self, n: usize, value: T) -> Result<CudaBuf<T>> {
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [Arg::Ptr(out.device_ptr()), Arg::I64(n as i64), Arg::scalar(value)];
            // SAFETY: fill_T(T* out, i64 n, T value) writes out[0..n]; `out` holds n elements.
            unsafe { self.launch(&kernel_name::<T>("fill"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn upload_impl<T: Element>(&self, data: &[T]) -> Result<CudaBuf<T>> {
        let out = self.alloc::<T>(data.len())?;
        if !data.is_empty() {
            // SAFETY: `out` holds exactly data.len() elements.
            unsafe { self.api.copy_htod(out.device_ptr(), as_bytes(data))? };
        }
        Ok(out)
    }

    pub(crate) fn to_vec_impl<T: Element>(&self, x: &CudaBuf<T>, l: &Layout) -> Result<Vec<T>> {
        check_view("to_vec", "x", l, x.len())?;
        let n = l.numel();
        let mut v = vec![T::zero(); n];
        if n == 0 {
            return Ok(v);
        }
        let size = std::mem::size_of::<T>() as u64;
        if let Some(r) = l.contiguous_range() {
            // SAFETY: check_view proved offset..offset+n lies in x.
            unsafe { self.api.copy_dtoh(as_bytes_mut(&mut v), x.device_ptr() + r.start as u64 * size)? };
        } else {
            let c = self.copy_contiguous_impl(x, l)?;
            // SAFETY: `c` holds exactly n elements.
            unsafe { self.api.copy_dtoh(as_bytes_mut(&mut v), c.device_ptr())? };
        }
        Ok(v)
    }

    pub(crate) fn copy_contiguous_impl<T: Element>(&self, x: &CudaBuf<T>, l: &Layout) -> Result<CudaBuf<T>> {
        check_view("copy_contiguous", "x", l, x.len())?;
        let n = l.numel();
        let out = self.alloc::<T>(n)?;
        if n == 0 {
            return Ok(out);
        }
        let size = std::mem::size_of::<T>();
        if let Some(r) = l.contiguous_range() {
            // SAFETY: the source range lies in x (check_view), the destination is all of `out`.
            unsafe {
                self.api.copy_dtod(out.device_ptr(), x.device_ptr() + (r.start * size) as u64, n * size)?;
            }
        } else {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("copy_contiguous", l)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(n as i64),
            ];
            // SAFETY: copy_strided_T(const T* x, Strided lx, T* out, i64 n) reads the view
            // (inside x by check_view) and writes out[0..n].
            unsafe { self.launch(&kernel_name::<T>("copy_strided"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn idx_upload_impl(&self, data: &[Idx]) -> Result<CudaIdxBuf> {
        let out = self.alloc_idx(data.len())?;
        if !data.is_empty() {
            // SAFETY: `out` holds exactly data.len() indices.
            unsafe { self.api.copy_htod(out.device_ptr(), as_bytes(data))? };
        }
        Ok(out)
    }

    pub(crate) fn idx_to_vec_impl(&self, x: &CudaIdxBuf) -> Result<Vec<Idx>> {
        let mut v = vec![0 as Idx; x.len()];
        if !v.is_empty() {
            // SAFETY: `x` holds exactly v.len() indices.
            unsafe { self.api.copy_dtoh(as_bytes_mut(&mut v), x.device_ptr())? };
        }
        Ok(v)
    }

    /// Index `pos` of `x`, read back (an `Error::Index` when `pos` is past its end).
    pub(crate) fn idx_at(&self, x: &CudaIdxBuf, pos: usize) -> Result<Idx> {
        if pos >= x.len() {
            return Err(Error::index("idx_at", format!("position {pos} in an index buffer of {}", x.len())));
        }
        let mut v = [0 as Idx];
        // SAFETY: pos < x.len(), so the 4 bytes read lie in x.
        unsafe { self.api.copy_dtoh(as_bytes_mut(&mut v), x.device_ptr() + 4 * pos as u64)? };
        Ok(v[0])
    }

    /// The position a kernel flagged in `bad` (a one-element buffer the host set to `u32::MAX`
    /// and kernels lower with `atomicMin`), or `None` when none was flagged.
    pub(crate) fn first_flagged(&self, bad: &CudaIdxBuf) -> Result<Option<usize>> {
        let p = self.idx_at(bad, 0)?;
        Ok((p != u32::MAX).then_some(p as usize))
    }

    /// A copy of the first `n` elements of `x` (device to device).
    pub(crate) fn clone_prefix<T: Element>(&self, x: &CudaBuf<T>, n: usize) -> Result<CudaBuf<T>> {
        self.copy_contiguous_impl(x, &Layout::contiguous(&[n]))
    }
}
