//! The CPU backend: rayon over rows or blocks for big work, plain loops (no threads, no
//! extra allocations) for tiny work, and the `gemm` crate for matrix products.
//!
//! Buffers are plain `Vec`s.

mod elementwise;
mod index;
mod linalg;
pub mod math;
mod matmul;
mod optim;
pub mod parallel;
mod random;
mod reduce;
mod sparse;
pub mod strided;

pub use elementwise::{gelu, sigmoid, softplus};

use crate::backend::{Aggregation, Backend, BinaryOp, CmpOp, EdgeVals, ReduceOp, UnaryOp};
use crate::device::Device;
use crate::element::{Element, Idx};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::rng::PhiloxState;

/// The CPU backend. A zero-sized value: construct it freely.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuBackend;

fn check_indices(op: &'static str, idx: &[Idx], bound: usize) -> Result<()> {
    match idx.iter().position(|&i| i as usize >= bound) {
        Some(p) => Err(Error::index(
            op,
            format!("index {} at position {p} is out of range for length {bound}", idx[p]),
        )),
        None => Ok(()),
    }
}

impl Backend for CpuBackend {
    type Buf<T: Element> = Vec<T>;
    type IdxBuf = Vec<Idx>;
    type Csr = crate::sparse::Csr;

    fn device(&self) -> Device {
        Device::Cpu
    }

    fn zeros<T: Element>(&self, n: usize) -> Result<Vec<T>> {
        Ok(vec![T::zero(); n])
    }
    fn fill<T: Element>(&self, n: usize, value: T) -> Result<Vec<T>> {
        Ok(vec![value; n])
    }
    fn from_slice<T: Element>(&self, data: &[T]) -> Result<Vec<T>> {
        Ok(data.to_vec())
    }
    fn to_vec<T: Element>(&self, x: &Vec<T>, l: &Layout) -> Result<Vec<T>> {
        Ok(strided::gather(x, l))
    }
    fn copy_contiguous<T: Element>(&self, x: &Vec<T>, l: &Layout) -> Result<Vec<T>> {
        Ok(strided::gather(x, l))
    }
    fn idx_from_slice(&self, data: &[Idx]) -> Result<Vec<Idx>> {
        Ok(data.to_vec())
    }
    fn idx_to_vec(&self, x: &Vec<Idx>) -> Result<Vec<Idx>> {
        Ok(x.clone())
    }

    fn unary<T: Element>(&self, op: UnaryOp, x: &Vec<T>, l: &Layout) -> Result<Vec<T>> {
        Ok(elementwise::unary(op, x, l))
    }
    fn binary<T: Element>(
        &self,
        op: BinaryOp,
        a: &Vec<T>,
        la: &Layout,
        b: &Vec<T>,
        lb: &Layout,
    ) -> Result<Vec<T>> {
        Ok(elementwise::binary(op, a, la, b, lb))
    }
    fn compare<T: Element>(
        &self,
        op: CmpOp,
        a: &Vec<T>,
        la: &Layout,
        b: &Vec<T>,
        lb: &Layout,
    ) -> Result<Vec<T>> {
        Ok(elementwise::compare(op, a, la, b, lb))
    }
    fn select<T: Element>(
        &self,
        c: &Vec<T>,
        lc: &Layout,
        a: &Vec<T>,
        la: &Layout,
        b: &Vec<T>,
        lb: &Layout,
    ) -> Result<Vec<T>> {
        Ok(elementwise::select(c, lc, a, la, b, lb))
    }
    fn affine<T: Element>(&self, x: &Vec<T>, l: &Layout, mul: T, add: T) -> Result<Vec<T>> {
        Ok(elementwise::affine(x, l, mul, add))
    }

    fn reduce<T: Element>(&self, op: ReduceOp, x: &Vec<T>, l: &Layout, axis: usize) -> Result<Vec<T>> {
        Ok(reduce::reduce(op, x, l, axis))
    }
    fn argmax<T: Element>(&self, x: &Vec<T>, l: &Layout, axis: usize) -> Result<Vec<Idx>> {
        Ok(reduce::argmax(x, l, axis))
    }
    fn softmax<T: Element>(&self, x: &Vec<T>, l: &Layout, axis: usize, log: bool) -> Result<Vec<T>> {
        Ok(reduce::softmax(x, l, axis, log))
    }

    fn matmul<T: Element>(&self, a: &Vec<T>, la: &Layout, b: &Vec<T>, lb: &Layout) -> Result<Vec<T>> {
        Ok(matmul::matmul(a, la, b, lb))
    }
    fn cholesky<T: Element>(&self, a: &Vec<T>, la: &Layout) -> Result<Vec<T>> {
        linalg::cholesky(a, la)
    }
    fn triangular_solve<T: Element>(
        &self,
        a: &Vec<T>,
        la: &Layout,
        b: &Vec<T>,
        lb: &Layout,
        lower: bool,
        transpose: bool,
    ) -> Result<Vec<T>> {
        linalg::triangular_solve(a, la, b, lb, lower, transpose)
    }

    fn index_select<T: Element>(
        &self,
        x: &Vec<T>,
        l: &Layout,
        axis: usize,
        idx: &Vec<Idx>,
        _n: usize,
    ) -> Result<Vec<T>> {
        check_indices("index_select", idx, l.shape()[axis])?;
        Ok(index::index_select(x, l, axis, idx))
    }
    fn index_add<T: Element>(
        &self,
        dst: &Vec<T>,
        dst_shape: &[usize],
        axis: usize,
        idx: &Vec<Idx>,
        _n: usize,
        src: &Vec<T>,
        ls: &Layout,
    ) -> Result<Vec<T>> {
        check_indices("index_add", idx, dst_shape[axis])?;
        Ok(index::index_add(dst, dst_shape, axis, idx, src, ls))
    }
    fn concat<T: Element>(&self, parts: &[(&Vec<T>, &Layout)], axis: usize) -> Result<Vec<T>> {
        if parts.is_empty() {
            return Err(Error::invalid("concat", "no tensors to concatenate"));
        }
        let parts: Vec<(&[T], &Layout)> = parts.iter().map(|(b, l)| (b.as_slice(), *l)).collect();
        Ok(index::concat(&parts, axis))
    }

    fn uniform<T: Element>(&self, n: usize, st: PhiloxState, lo: T, hi: T) -> Result<Vec<T>> {
        Ok(random::uniform(n, st, lo, hi))
    }
    fn normal<T: Element>(&self, n: usize, st: PhiloxState, mean: T, std: T) -> Result<Vec<T>> {
        Ok(random::normal(n, st, mean, std))
    }
    fn dropout_mask<T: Element>(&self, n: usize, st: PhiloxState, keep: f64) -> Result<Vec<T>> {
        Ok(random::dropout_mask(n, st, keep))
    }

    fn csr_upload(&self, p: &crate::sparse::Csr) -> Result<crate::sparse::Csr> {
        Ok(p.clone())
    }
    fn spmm<T: Element>(
        &self,
        a: &crate::sparse::Csr,
        vals: EdgeVals<'_, Vec<T>>,
        x: &Vec<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(Vec<T>, Option<Vec<Idx>>)> {
        sparse::spmm(a, vals, x, lx, agg)
    }
    fn spmm_max_backward<T: Element>(
        &self,
        a: &crate::sparse::Csr,
        vals: EdgeVals<'_, Vec<T>>,
        x: &Vec<T>,
        lx: &Layout,
        argmax: &Vec<Idx>,
        g: &Vec<T>,
        lg: &Layout,
        need_x: bool,
        need_vals: bool,
    ) -> Result<(Option<Vec<T>>, Option<Vec<T>>)> {
        sparse::spmm_max_backward(a, vals, x, lx, argmax, g, lg, need_x, need_vals)
    }
    fn sddmm_dot<T: Element>(
        &self,
        a: &crate::sparse::Csr,
        x: &Vec<T>,
        lx: &Layout,
        y: &Vec<T>,
        ly: &Layout,
        heads: usize,
    ) -> Result<Vec<T>> {
        sparse::sddmm_dot(a, x, lx, y, ly, heads)
    }
    fn sddmm_add<T: Element>(
        &self,
        a: &crate::sparse::Csr,
        s: &Vec<T>,
        ls: &Layout,
        t: &Vec<T>,
        lt: &Layout,
        heads: usize,
    ) -> Result<Vec<T>> {
        sparse::sddmm_add(a, s, ls, t, lt, heads)
    }
    fn edge_softmax<T: Element>(
        &self,
        a: &crate::sparse::Csr,
        scores: &Vec<T>,
        l: &Layout,
        heads: usize,
    ) -> Result<Vec<T>> {
        sparse::edge_softmax(a, scores, l, heads)
    }
    fn edge_softmax_backward<T: Element>(
        &self,
        a: &crate::sparse::Csr,
        y: &Vec<T>,
        ly: &Layout,
        dy: &Vec<T>,
        ldy: &Layout,
        heads: usize,
    ) -> Result<Vec<T>> {
        sparse::edge_softmax_backward(a, y, ly, dy, ldy, heads)
    }
    fn segment_reduce<T: Element>(
        &self,
        offsets: &Vec<Idx>,
        n_seg: usize,
        x: &Vec<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(Vec<T>, Option<Vec<Idx>>)> {
        sparse::segment_reduce(offsets, n_seg, x, lx, agg)
    }
    fn segment_max_backward<T: Element>(
        &self,
        offsets: &Vec<Idx>,
        _n_seg: usize,
        m: usize,
        argmax: &Vec<Idx>,
        g: &Vec<T>,
        lg: &Layout,
    ) -> Result<Vec<T>> {
        sparse::segment_max_backward(offsets, m, argmax, g, lg)
    }

    fn sgd_update<T: Element>(
        &self,
        p: &mut Vec<T>,
        g: &Vec<T>,
        lg: &Layout,
        momentum: Option<&mut Vec<T>>,
        h: &crate::optim_step::SgdStep,
    ) -> Result<()> {
        optim::sgd_update(p, g, lg, momentum.map(|b| b.as_mut_slice()), h)
    }
    fn adam_update<T: Element>(
        &self,
        p: &mut Vec<T>,
        g: &Vec<T>,
        lg: &Layout,
        m: &mut Vec<T>,
        v: &mut Vec<T>,
        h: &crate::optim_step::AdamStep,
    ) -> Result<()> {
        optim::adam_update(p, g, lg, m, v, h)
    }
}
