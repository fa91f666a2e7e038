//! [`CudaBackend`]: the [`Backend`] trait on a CUDA device, real or emulated.
//!
//! The op families live in sibling modules (`memory`, `elementwise`, `reduce`, `linalg`,
//! `index`, `random`, `sparse`, `sparse_backward`), each with the launch code of its kernels;
//! `open` has the constructors. This module holds the backend handle, the shared launch
//! helpers and the trait impl: the dense primitives delegate to their family, the fused
//! optimiser updates (kernels/optim.cu) launch directly, the sparse
//! group adapts strided `(buffer, layout)` operands to the contiguous device API of
//! `sparse` / `sparse_backward` (which is also public, for callers that hold contiguous
//! buffers). Adding a primitive: write the kernel in `kernels/*.cu` with `WEFT_REGISTER`, add
//! a method in the family module, and call it below.

mod elementwise;
mod index;
mod launch;
mod linalg;
mod memory;
mod open;
mod random;
mod reduce;
mod sparse;
mod sparse_backward;

pub use sparse::{CudaCsr, CudaSegments};

pub(crate) use launch::{check_same_shape, check_view, grid_for, kernel_name};
use launch::{contiguous_vals, matrix_width, with_contiguous};

use crate::api::{Arg, DeviceApi, LaunchConfig};
use crate::buffer::{CudaBuf, CudaIdxBuf};
use crate::strided::StridedArg;
use std::sync::Arc;
use weft_ops::backend::{Aggregation, Backend, BinaryOp, CmpOp, EdgeVals, ReduceOp, UnaryOp};
use weft_ops::optim_step::{AdamStep, SgdStep};
use weft_ops::rng::PhiloxState;
use weft_ops::{Device, Element, Error, Idx, Layout, Result};

/// Threads per block of the elementwise (grid-stride) kernels.
pub(crate) const BLOCK: u32 = 256;
/// Most blocks of a grid-stride launch (the loop covers the rest).
pub(crate) const MAX_GRID: u32 = 65_535;

/// The CUDA backend: a cheap, cloneable handle on one device.
#[derive(Clone)]
pub struct CudaBackend {
    api: Arc<dyn DeviceApi>,
    device: Device,
}

impl std::fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaBackend({})", self.api.name())
    }
}

impl CudaBackend {
    /// The device interface underneath.
    pub fn api(&self) -> &Arc<dyn DeviceApi> {
        &self.api
    }

    /// Waits for all queued work.
    pub fn synchronize(&self) -> Result<()> {
        self.api.synchronize()
    }

    pub(crate) fn alloc<T: Element>(&self, n: usize) -> Result<CudaBuf<T>> {
        CudaBuf::uninit(&self.api, n)
    }

    pub(crate) fn alloc_idx(&self, n: usize) -> Result<CudaIdxBuf> {
        CudaIdxBuf::uninit(&self.api, n)
    }

    /// Launches `kernel`.
    ///
    /// # Safety
    /// `args` match the kernel's parameters and the pointers and extents in them describe
    /// live buffers of this backend that the kernel may access.
    pub(crate) unsafe fn launch(&self, kernel: &str, cfg: LaunchConfig, args: &mut [Arg]) -> Result<()> {
        self.api.launch(kernel, cfg, args)
    }
}

impl Backend for CudaBackend {
    type Buf<T: Element> = CudaBuf<T>;
    type IdxBuf = CudaIdxBuf;
    type Csr = CudaCsr;

    fn device(&self) -> Device {
        self.device
    }

    fn zeros<T: Element>(&self, n: usize) -> Result<CudaBuf<T>> {
        self.fill_impl(n, T::zero())
    }
    fn fill<T: Element>(&self, n: usize, value: T) -> Result<CudaBuf<T>> {
        self.fill_impl(n, value)
    }
    fn from_slice<T: Element>(&self, data: &[T]) -> Result<CudaBuf<T>> {
        self.upload_impl(data)
    }
    fn to_vec<T: Element>(&self, x: &CudaBuf<T>, l: &Layout) -> Result<Vec<T>> {
        self.to_vec_impl(x, l)
    }
    fn copy_contiguous<T: Element>(&self, x: &CudaBuf<T>, l: &Layout) -> Result<CudaBuf<T>> {
        self.copy_contiguous_impl(x, l)
    }
    fn idx_from_slice(&self, data: &[Idx]) -> Result<CudaIdxBuf> {
        self.idx_upload_impl(data)
    }
    fn idx_to_vec(&self, x: &CudaIdxBuf) -> Result<Vec<Idx>> {
        self.idx_to_vec_impl(x)
    }

    fn unary<T: Element>(&self, op: UnaryOp, x: &CudaBuf<T>, l: &Layout) -> Result<CudaBuf<T>> {
        self.unary_impl(op, x, l)
    }
    fn binary<T: Element>(
        &self,
        op: BinaryOp,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.binary_impl(op, a, la, b, lb)
    }
    fn compare<T: Element>(
        &self,
        op: CmpOp,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.compare_impl(op, a, la, b, lb)
    }
    fn select<T: Element>(
        &self,
        cond: &CudaBuf<T>,
        lc: &Layout,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.select_impl(cond, lc, a, la, b, lb)
    }
    fn affine<T: Element>(&self, x: &CudaBuf<T>, l: &Layout, mul: T, add: T) -> Result<CudaBuf<T>> {
        self.affine_impl(x, l, mul, add)
    }

    fn reduce<T: Element>(
        &self,
        op: ReduceOp,
        x: &CudaBuf<T>,
        l: &Layout,
        axis: usize,
    ) -> Result<CudaBuf<T>> {
        self.reduce_impl(op, x, l, axis)
    }
    fn argmax<T: Element>(&self, x: &CudaBuf<T>, l: &Layout, axis: usize) -> Result<CudaIdxBuf> {
        self.argmax_impl(x, l, axis)
    }
    fn softmax<T: Element>(&self, x: &CudaBuf<T>, l: &Layout, axis: usize, log: bool) -> Result<CudaBuf<T>> {
        self.softmax_impl(x, l, axis, log)
    }

    fn matmul<T: Element>(
        &self,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.matmul_impl(a, la, b, lb)
    }
    fn cholesky<T: Element>(&self, a: &CudaBuf<T>, la: &Layout) -> Result<CudaBuf<T>> {
        self.cholesky_impl(a, la)
    }
    fn triangular_solve<T: Element>(
        &self,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
        lower: bool,
        transpose: bool,
    ) -> Result<CudaBuf<T>> {
        self.triangular_solve_impl(a, la, b, lb, lower, transpose)
    }

    fn index_select<T: Element>(
        &self,
        x: &CudaBuf<T>,
        l: &Layout,
        axis: usize,
        idx: &CudaIdxBuf,
        n_idx: usize,
    ) -> Result<CudaBuf<T>> {
        self.index_select_impl(x, l, axis, idx, n_idx)
    }
    fn index_add<T: Element>(
        &self,
        dst: &CudaBuf<T>,
        dst_shape: &[usize],
        axis: usize,
        idx: &CudaIdxBuf,
        n_idx: usize,
        src: &CudaBuf<T>,
        ls: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.index_add_impl(dst, dst_shape, axis, idx, n_idx, src, ls)
    }
    fn concat<T: Element>(&self, parts: &[(&CudaBuf<T>, &Layout)], axis: usize) -> Result<CudaBuf<T>> {
        self.concat_impl(parts, axis)
    }

    fn uniform<T: Element>(&self, n: usize, st: PhiloxState, lo: T, hi: T) -> Result<CudaBuf<T>> {
        self.random_impl("uniform", n, st, &[Arg::scalar(lo), Arg::scalar(hi)])
    }
    fn normal<T: Element>(&self, n: usize, st: PhiloxState, mean: T, std: T) -> Result<CudaBuf<T>> {
        self.random_impl("normal", n, st, &[Arg::scalar(mean), Arg::scalar(std)])
    }
    fn dropout_mask<T: Element>(&self, n: usize, st: PhiloxState, keep: f64) -> Result<CudaBuf<T>> {
        if !(keep > 0.0 && keep <= 1.0) {
            return Err(Error::invalid("dropout_mask", format!("keep probability {keep} is not in (0, 1]")));
        }
        self.random_impl("dropout", n, st, &[Arg::F64(keep)])
    }

    fn csr_upload(&self, p: &weft_ops::sparse::Csr) -> Result<CudaCsr> {
        self.csr(p)
    }
    fn spmm<T: Element>(
        &self,
        a: &CudaCsr,
        vals: EdgeVals<'_, CudaBuf<T>>,
        x: &CudaBuf<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(CudaBuf<T>, Option<CudaIdxBuf>)> {
        let w = matrix_width("spmm", lx)?;
        let mut copy = None;
        let vals = contiguous_vals(self, vals, &mut copy)?;
        with_contiguous(self, x, lx, |x| match agg {
            Aggregation::Sum => Ok((self.spmm(a, vals, x, w, false)?, None)),
            Aggregation::Mean => Ok((self.spmm(a, vals, x, w, true)?, None)),
            Aggregation::Max => self.spmm_max(a, vals, x, w).map(|(o, am)| (o, Some(am))),
        })
    }
    fn spmm_max_backward<T: Element>(
        &self,
        a: &CudaCsr,
        vals: EdgeVals<'_, CudaBuf<T>>,
        x: &CudaBuf<T>,
        lx: &Layout,
        argmax: &CudaIdxBuf,
        g: &CudaBuf<T>,
        lg: &Layout,
        need_x: bool,
        need_vals: bool,
    ) -> Result<(Option<CudaBuf<T>>, Option<CudaBuf<T>>)> {
        let w = matrix_width("spmm_max_backward", lx)?;
        let mut copy = None;
        let vals = contiguous_vals(self, vals, &mut copy)?;
        with_contiguous(self, x, lx, |x| {
            with_contiguous(self, g, lg, |g| {
                self.spmm_max_backward(a, vals, x, w, argmax, g, need_x, need_vals)
            })
        })
    }
    fn sddmm_dot<T: Element>(
        &self,
        a: &CudaCsr,
        x: &CudaBuf<T>,
        lx: &Layout,
        y: &CudaBuf<T>,
        ly: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        let w = matrix_width("sddmm_dot", lx)?;
        with_contiguous(self, x, lx, |x| with_contiguous(self, y, ly, |y| self.sddmm_dot(a, x, y, w, heads)))
    }
    fn sddmm_add<T: Element>(
        &self,
        a: &CudaCsr,
        s: &CudaBuf<T>,
        ls: &Layout,
        t: &CudaBuf<T>,
        lt: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        with_contiguous(self, s, ls, |s| with_contiguous(self, t, lt, |t| self.sddmm_add(a, s, t, heads)))
    }
    fn edge_softmax<T: Element>(
        &self,
        a: &CudaCsr,
        scores: &CudaBuf<T>,
        l: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        with_contiguous(self, scores, l, |s| self.edge_softmax(a, s, heads))
    }
    fn edge_softmax_backward<T: Element>(
        &self,
        a: &CudaCsr,
        y: &CudaBuf<T>,
        ly: &Layout,
        dy: &CudaBuf<T>,
        ldy: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        with_contiguous(self, y, ly, |y| {
            with_contiguous(self, dy, ldy, |dy| self.edge_softmax_backward(a, y, dy, heads))
        })
    }
    fn segment_reduce<T: Element>(
        &self,
        offsets: &CudaIdxBuf,
        n_seg: usize,
        x: &CudaBuf<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(CudaBuf<T>, Option<CudaIdxBuf>)> {
        let w = matrix_width("segment_reduce", lx)?;
        let seg = self.checked_segments("segment_reduce", offsets, n_seg, lx.shape()[0])?;
        with_contiguous(self, x, lx, |x| match agg {
            Aggregation::Sum => Ok((self.segment_reduce(&seg, x, w, false)?, None)),
            Aggregation::Mean => Ok((self.segment_reduce(&seg, x, w, true)?, None)),
            Aggregation::Max => self.segment_max(&seg, x, w).map(|(o, am)| (o, Some(am))),
        })
    }
    fn segment_max_backward<T: Element>(
        &self,
        offsets: &CudaIdxBuf,
        n_seg: usize,
        m: usize,
        argmax: &CudaIdxBuf,
        g: &CudaBuf<T>,
        lg: &Layout,
    ) -> Result<CudaBuf<T>> {
        let w = matrix_width("segment_max_backward", lg)?;
        let seg = self.checked_segments("segment_max_backward", offsets, n_seg, m)?;
        with_contiguous(self, g, lg, |g| self.segment_max_backward(&seg, argmax, g, w))
    }

    fn sgd_update<T: Element>(
        &self,
        p: &mut CudaBuf<T>,
        g: &CudaBuf<T>,
        lg: &Layout,
        momentum: Option<&mut CudaBuf<T>>,
        h: &SgdStep,
    ) -> Result<()> {
        const OP: &str = "sgd_update";
        let n = p.len();
        let with_buf = h.check_operands(OP, n, lg.numel(), momentum.as_ref().map(|b| b.len()))?;
        check_view(OP, "gradient", lg, g.len())?;
        let buf = momentum.filter(|_| with_buf).map_or(0, |b| b.device_ptr());
        let s = h.scalars::<T>();
        let mut args = [
            Arg::Ptr(p.device_ptr()),
            Arg::Ptr(g.device_ptr()),
            Arg::Strided(StridedArg::new(OP, lg)?),
            Arg::Ptr(buf),
            Arg::I64(n as i64),
            Arg::scalar(s.lr),
            Arg::scalar(s.momentum),
            Arg::scalar(s.keep),
            Arg::scalar(s.weight_decay),
            Arg::I32(s.decay as i32),
            Arg::I32(s.nesterov as i32),
            Arg::I32(s.first as i32),
        ];
        if n == 0 {
            return Ok(());
        }
        // SAFETY: sgd_update_T(T* p, const T* g, Strided lg, T* buf, i64 n, T lr, T momentum,
        // T keep, T wd, int decay, int nesterov, int first): p and buf (or null) hold n
        // elements, the gradient view has n elements inside g (checked above); the `&mut`
        // borrows make p and buf distinct from each other and from g.
        unsafe { self.launch(&kernel_name::<T>("sgd_update"), grid_for(n, BLOCK), &mut args) }
    }
    fn adam_update<T: Element>(
        &self,
        p: &mut CudaBuf<T>,
        g: &CudaBuf<T>,
        lg: &Layout,
        m: &mut CudaBuf<T>,
        v: &mut CudaBuf<T>,
        h: &AdamStep,
    ) -> Result<()> {
        const OP: &str = "adam_update";
        let n = p.len();
        h.check_operands(OP, n, lg.numel(), m.len(), v.len())?;
        check_view(OP, "gradient", lg, g.len())?;
        let s = h.scalars::<T>();
        let mut args = [
            Arg::Ptr(p.device_ptr()),
            Arg::Ptr(g.device_ptr()),
            Arg::Strided(StridedArg::new(OP, lg)?),
            Arg::Ptr(m.device_ptr()),
            Arg::Ptr(v.device_ptr()),
            Arg::I64(n as i64),
            Arg::scalar(s.beta1),
            Arg::scalar(s.one_minus_beta1),
            Arg::scalar(s.beta2),
            Arg::scalar(s.one_minus_beta2),
            Arg::scalar(s.eps),
            Arg::scalar(s.weight_decay),
            Arg::scalar(s.shrink),
            Arg::scalar(s.step_size),
            Arg::scalar(s.inv_sqrt_c2),
            Arg::I32(s.decay as i32),
            Arg::I32(s.decoupled as i32),
        ];
        if n == 0 {
            return Ok(());
        }
        // SAFETY: adam_update_T(T* p, const T* g, Strided lg, T* m, T* v, i64 n, T b1, T ob1,
        // T b2, T ob2, T eps, T wd, T shrink, T step_size, T inv_sqrt_c2, int decay,
        // int decoupled): p, m and v hold n elements each (distinct: `&mut` borrows), the
        // gradient view has n elements inside g (checked above).
        unsafe { self.launch(&kernel_name::<T>("adam_update"), grid_for(n, BLOCK), &mut args) }
    }
}
