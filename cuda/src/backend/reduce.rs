//! Reductions along an axis, argmax, softmax and log-softmax: one block per row of the view
//! with the reduced axis moved last.

use super::{check_view, kernel_name, CudaBackend, MAX_GRID};
use crate::api::{Arg, LaunchConfig};
use crate::buffer::{CudaBuf, CudaIdxBuf};
use crate::strided::StridedArg;
use weft_ops::backend::ReduceOp;
use weft_ops::{Element, Error, Layout, Result};

/// Dynamic shared memory of the reduction kernels: 32 values and 32 indices.
const REDUCE_SMEM: u32 = 32 * (8 + 4);

/// The view with `axis` moved last, the number of rows and the row length.
fn rows_view(op: &'static str, l: &Layout, axis: usize) -> Result<(Layout, usize, usize)> {
    if axis >= l.rank() {
        return Err(Error::index(op, format!("axis {axis} for a tensor of shape {:?}", l.shape())));
    }
    let perm: Vec<usize> = (0..l.rank()).filter(|&d| d != axis).chain([axis]).collect();
    let len = l.shape()[axis];
    let rows = l.shape().iter().enumerate().filter(|&(d, _)| d != axis).map(|(_, &s)| s).product();
    Ok((l.permute(&perm)?, rows, len))
}

/// One block per row (grid-stride beyond MAX_GRID rows), a multiple of 32 threads, at most 256.
fn row_launch(rows: usize, len: usize) -> LaunchConfig {
    let threads = (len.div_ceil(32) * 32).clamp(32, 256) as u32;
    LaunchConfig::linear(rows.clamp(1, MAX_GRID as usize) as u32, threads, REDUCE_SMEM)
}

fn reduce_kernel(op: ReduceOp) -> &'static str {
    match op {
        ReduceOp::Sum => "reduce_sum",
        ReduceOp::Mean => "reduce_mean",
        ReduceOp::Max => "reduce_max",
        ReduceOp::Min => "reduce_min",
        ReduceOp::LogSumExp => "reduce_logsumexp",
    }
}

impl CudaBackend {
    pub(crate) fn reduce_impl<T: Element>(
        &self,
        op: ReduceOp,
        x: &CudaBuf<T>,
        l: &Layout,
        axis: usize,
    ) -> Result<CudaBuf<T>> {
        check_view("reduce", "x", l, x.len())?;
        let (v, rows, len) = rows_view("reduce", l, axis)?;
        let out = self.alloc::<T>(rows)?;
        if rows > 0 {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("reduce", &v)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(rows as i64),
                Arg::I64(len as i64),
            ];
            // SAFETY: reduce_OP_T(const T* x, Strided lx, T* out, i64 rows, i64 len) reads the
            // rows * len elements of the view (inside x) and writes out[0..rows].
            unsafe { self.launch(&kernel_name::<T>(reduce_kernel(op)), row_launch(rows, len), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn argmax_impl<T: Element>(
        &self,
        x: &CudaBuf<T>,
        l: &Layout,
        axis: usize,
    ) -> Result<CudaIdxBuf> {
        check_view("argmax", "x", l, x.len())?;
        let (v, rows, len) = rows_view("argmax", l, axis)?;
        let out = self.alloc_idx(rows)?;
        if rows > 0 {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("argmax", &v)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(rows as i64),
                Arg::I64(len as i64),
            ];
            // SAFETY: argmax_T(const T* x, Strided lx, u32* out, i64 rows, i64 len): as reduce.
            unsafe { self.launch(&kernel_name::<T>("argmax"), row_launch(rows, len), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn softmax_impl<T: Element>(
        &self,
        x: &CudaBuf<T>,
        l: &Layout,
        axis: usize,
        log: bool,
    ) -> Result<CudaBuf<T>> {
        check_view("softmax", "x", l, x.len())?;
        let (v, rows, len) = rows_view("softmax", l, axis)?;
        let (out_view, _, _) = rows_view("softmax", &Layout::contiguous(l.shape()), axis)?;
        let out = self.alloc::<T>(l.numel())?;
        if l.numel() > 0 {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("softmax", &v)?),
                Arg::Ptr(out.device_ptr()),
                Arg::Strided(StridedArg::new("softmax", &out_view)?),
                Arg::I64(rows as i64),
                Arg::I64(len as i64),
            ];
            let name = if log { "log_softmax" } else { "softmax" };
            // SAFETY: (log_)softmax_T(const T* x, Strided lx, T* out, Strided lo, i64 rows,
            // i64 len): both views have rows * len elements, inside x and out respectively.
            unsafe { self.launch(&kernel_name::<T>(name), row_launch(rows, len), &mut args)? };
        }
        Ok(out)
    }
}
