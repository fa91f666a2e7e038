//! The sparse group of the `Backend` trait on the CUDA backend: adapters from `(buffer,
//! layout)` operands to the device kernels of `sparse.rs`.
//!
//! Three gradients have no device kernel yet and run on the host (download, the CPU kernel,
//! upload): `spmm_max_backward`, `segment_max_backward`, and `sddmm_add`. They are correct on
//! both devices but pay two transfers; device kernels for them are listed in cuda/README.md
//! as open work.

use super::sparse::{CudaCsr, CudaSegments};
use super::CudaBackend;
use crate::buffer::{CudaBuf, CudaIdxBuf};
use weft_ops::backend::{Aggregation, EdgeVals};
use weft_ops::sparse::{Csr, CsrPattern};
use weft_ops::{Backend, CpuBackend, Element, Error, Idx, Layout, Result};

/// A contiguous copy of the view when it is not the whole buffer in order, else `None`.
fn contiguous_copy<T: Element>(be: &CudaBackend, x: &CudaBuf<T>, l: &Layout) -> Result<Option<CudaBuf<T>>> {
    if l.is_contiguous() && l.offset() == 0 && x.len() == l.numel() {
        return Ok(None);
    }
    be.copy_contiguous_impl(x, l).map(Some)
}

/// Runs `f` with a whole-buffer contiguous version of the view.
fn with_contiguous<T: Element, R>(
    be: &CudaBackend,
    x: &CudaBuf<T>,
    l: &Layout,
    f: impl FnOnce(&CudaBuf<T>) -> Result<R>,
) -> Result<R> {
    let copy = contiguous_copy(be, x, l)?;
    f(copy.as_ref().unwrap_or(x))
}

fn width(op: &'static str, l: &Layout) -> Result<usize> {
    match l.shape() {
        [_, w] => Ok(*w),
        s => Err(Error::shape(op, format!("dense operand of shape {s:?} is not a matrix"))),
    }
}

impl CudaBackend {
    /// The host copy of a device pattern (for the host-side fallbacks).
    fn host_csr(&self, a: &CudaCsr) -> Result<Csr> {
        let (row_ptr, col_idx) = a.index_buffers();
        let p = CsrPattern::from_parts(
            a.n_rows(),
            a.n_cols(),
            self.idx_to_vec_impl(row_ptr)?,
            self.idx_to_vec_impl(col_idx)?,
        )?;
        Ok(Csr::new(p))
    }

    fn host<T: Element>(&self, x: &CudaBuf<T>, l: &Layout) -> Result<(Vec<T>, Layout)> {
        Ok((self.to_vec_impl(x, l)?, Layout::contiguous(l.shape())))
    }

    pub(crate) fn trait_spmm<T: Element>(
        &self,
        a: &CudaCsr,
        vals: EdgeVals<'_, CudaBuf<T>>,
        x: &CudaBuf<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(CudaBuf<T>, Option<CudaIdxBuf>)> {
        let w = width("spmm", lx)?;
        let vals_copy = match vals {
            Some((v, l, _)) => contiguous_copy(self, v, l)?,
            None => None,
        };
        let vals = vals.map(|(v, _, h)| (vals_copy.as_ref().unwrap_or(v), h));
        with_contiguous(self, x, lx, |x| match agg {
            Aggregation::Sum => Ok((self.spmm(a, vals, x, w, false)?, None)),
            Aggregation::Mean => Ok((self.spmm(a, vals, x, w, true)?, None)),
            Aggregation::Max => self.spmm_max(a, vals, x, w).map(|(o, am)| (o, Some(am))),
        })
    }

    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub(crate) fn trait_spmm_max_backward<T: Element>(
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
        let csr = self.host_csr(a)?;
        let hv = match vals {
            Some((v, l, h)) => Some((self.host(v, l)?, h)),
            None => None,
        };
        let (hx, hlx) = self.host(x, lx)?;
        let (hg, hlg) = self.host(g, lg)?;
        let ham = self.idx_to_vec_impl(argmax)?;
        let hvals = hv.as_ref().map(|((v, l), h)| (v, l, *h));
        let (gx, gv) =
            CpuBackend.spmm_max_backward(&csr, hvals, &hx, &hlx, &ham, &hg, &hlg, need_x, need_vals)?;
        Ok((gx.map(|v| self.upload_impl(&v)).transpose()?, gv.map(|v| self.upload_impl(&v)).transpose()?))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn trait_sddmm_dot<T: Element>(
        &self,
        a: &CudaCsr,
        x: &CudaBuf<T>,
        lx: &Layout,
        y: &CudaBuf<T>,
        ly: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        let w = width("sddmm", lx)?;
        with_contiguous(self, x, lx, |x| with_contiguous(self, y, ly, |y| self.sddmm_dot(a, x, y, w, heads)))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn trait_sddmm_add<T: Element>(
        &self,
        a: &CudaCsr,
        s: &CudaBuf<T>,
        ls: &Layout,
        t: &CudaBuf<T>,
        lt: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        let csr = self.host_csr(a)?;
        let (hs, hls) = self.host(s, ls)?;
        let (ht, hlt) = self.host(t, lt)?;
        self.upload_impl(&CpuBackend.sddmm_add(&csr, &hs, &hls, &ht, &hlt, heads)?)
    }

    pub(crate) fn trait_edge_softmax<T: Element>(
        &self,
        a: &CudaCsr,
        scores: &CudaBuf<T>,
        l: &Layout,
        heads: usize,
    ) -> Result<CudaBuf<T>> {
        with_contiguous(self, scores, l, |s| self.edge_softmax(a, s, heads))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn trait_edge_softmax_backward<T: Element>(
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

    #[allow(clippy::type_complexity)]
    pub(crate) fn trait_segment_reduce<T: Element>(
        &self,
        offsets: &CudaIdxBuf,
        n_seg: usize,
        x: &CudaBuf<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(CudaBuf<T>, Option<CudaIdxBuf>)> {
        let w = width("segment_reduce", lx)?;
        let host_offsets = self.idx_to_vec_impl(offsets)?;
        let seg: CudaSegments = self.segments(&host_offsets, lx.shape()[0])?;
        if seg.n_segments() != n_seg {
            return Err(Error::shape(
                "segment_reduce",
                format!("{} offsets describe {} segments, not {n_seg}", host_offsets.len(), seg.n_segments()),
            ));
        }
        with_contiguous(self, x, lx, |x| match agg {
            Aggregation::Sum => Ok((self.segment_reduce(&seg, x, w, false)?, None)),
            Aggregation::Mean => Ok((self.segment_reduce(&seg, x, w, true)?, None)),
            Aggregation::Max => self.segment_max(&seg, x, w).map(|(o, am)| (o, Some(am))),
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn trait_segment_max_backward<T: Element>(
        &self,
        offsets: &CudaIdxBuf,
        n_seg: usize,
        m: usize,
        argmax: &CudaIdxBuf,
        g: &CudaBuf<T>,
        lg: &Layout,
    ) -> Result<CudaBuf<T>> {
        let ho: Vec<Idx> = self.idx_to_vec_impl(offsets)?;
        let ham = self.idx_to_vec_impl(argmax)?;
        let (hg, hlg) = self.host(g, lg)?;
        self.upload_impl(&CpuBackend.segment_max_backward(&ho, n_seg, m, &ham, &hg, &hlg)?)
    }
}
