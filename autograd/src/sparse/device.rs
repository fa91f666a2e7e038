//! The calls into the backends' sparse group: the only place in this module that matches on
//! devices. Every function takes checked operands (same device, fitting shapes) and returns
//! untracked tensors; the public ops record them.

use super::csr_matrix::CsrMatrix;
use crate::index::Indices;
use crate::storage::{CudaStorage, IdxStorage, Storage};
use crate::tensor::Tensor;
use crate::Float;
use std::sync::Arc;
use weft_ops::backend::Aggregation;
use weft_ops::sparse::Csr;
use weft_ops::{Backend, CpuBackend, Idx, Result};

/// A device pattern.
pub(crate) enum CsrStorage {
    /// Host memory: the shared host pattern itself.
    Cpu(Csr),
    /// CUDA device memory (uninhabited in a build without CUDA).
    #[allow(dead_code)]
    Cuda(CudaStorage<Idx>),
}

fn cpu_csr(a: &CsrMatrix) -> &Csr {
    match a.storage() {
        CsrStorage::Cpu(p) => p,
        CsrStorage::Cuda(c) => c.unreachable(),
    }
}

fn cpu<T: Float>(t: &Tensor<T>) -> &Vec<T> {
    match &*t.storage {
        Storage::Cpu(x) => x,
        Storage::Cuda(c) => c.unreachable(),
    }
}

fn cpu_idx(i: &Indices) -> &Vec<Idx> {
    match &*i.storage {
        IdxStorage::Cpu(x) => x,
        IdxStorage::Cuda(c) => c.unreachable(),
    }
}

fn tensor<T: Float>(v: Vec<T>, shape: &[usize]) -> Tensor<T> {
    Tensor::from_storage(Storage::Cpu(v), shape)
}

fn indices(v: Vec<Idx>) -> Indices {
    Indices::from_storage(Arc::new(IdxStorage::Cpu(v)))
}

/// Edge values with their number of heads.
pub(crate) type Vals<'a, T> = Option<(&'a Tensor<T>, usize)>;

/// SpMM; the argmax for `Max`.
pub(crate) fn spmm<T: Float>(
    a: &CsrMatrix,
    vals: Vals<'_, T>,
    x: &Tensor<T>,
    agg: Aggregation,
) -> Result<(Tensor<T>, Option<Indices>)> {
    let w = x.shape()[1];
    let p = cpu_csr(a);
    let v = vals.map(|(v, h)| (cpu(v), &v.layout, h));
    let (out, am) = CpuBackend.spmm(p, v, cpu(x), &x.layout, agg)?;
    Ok((tensor(out, &[a.n_rows(), w]), am.map(indices)))
}

/// Gradients of a max-SpMM: `(grad_x, grad_vals [nnz, heads])`.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(crate) fn spmm_max_backward<T: Float>(
    a: &CsrMatrix,
    vals: Vals<'_, T>,
    x: &Tensor<T>,
    argmax: &Indices,
    g: &Tensor<T>,
    need_x: bool,
    need_vals: bool,
) -> Result<(Option<Tensor<T>>, Option<Tensor<T>>)> {
    let p = cpu_csr(a);
    let heads = vals.map_or(1, |v| v.1);
    let v = vals.map(|(v, h)| (cpu(v), &v.layout, h));
    let (gx, gv) = CpuBackend.spmm_max_backward(
        p,
        v,
        cpu(x),
        &x.layout,
        cpu_idx(argmax),
        cpu(g),
        &g.layout,
        need_x,
        need_vals,
    )?;
    Ok((gx.map(|b| tensor(b, x.shape())), gv.map(|b| tensor(b, &[a.nnz(), heads]))))
}

/// SDDMM (dot), `[nnz, heads]`.
pub(crate) fn sddmm_dot<T: Float>(
    a: &CsrMatrix,
    x: &Tensor<T>,
    y: &Tensor<T>,
    heads: usize,
) -> Result<Tensor<T>> {
    let out = CpuBackend.sddmm_dot(cpu_csr(a), cpu(x), &x.layout, cpu(y), &y.layout, heads)?;
    Ok(tensor(out, &[a.nnz(), heads]))
}

/// SDDMM (add), `[nnz, heads]`.
pub(crate) fn sddmm_add<T: Float>(
    a: &CsrMatrix,
    s: &Tensor<T>,
    t: &Tensor<T>,
    heads: usize,
) -> Result<Tensor<T>> {
    let out = CpuBackend.sddmm_add(cpu_csr(a), cpu(s), &s.layout, cpu(t), &t.layout, heads)?;
    Ok(tensor(out, &[a.nnz(), heads]))
}

/// Edge softmax with the shape of `scores`.
pub(crate) fn edge_softmax<T: Float>(a: &CsrMatrix, scores: &Tensor<T>, heads: usize) -> Result<Tensor<T>> {
    let out = CpuBackend.edge_softmax(cpu_csr(a), cpu(scores), &scores.layout, heads)?;
    Ok(tensor(out, scores.shape()))
}

/// Gradient of the edge softmax from its output `y`.
pub(crate) fn edge_softmax_backward<T: Float>(
    a: &CsrMatrix,
    y: &Tensor<T>,
    dy: &Tensor<T>,
    heads: usize,
) -> Result<Tensor<T>> {
    let out = CpuBackend.edge_softmax_backward(cpu_csr(a), cpu(y), &y.layout, cpu(dy), &dy.layout, heads)?;
    Ok(tensor(out, y.shape()))
}

/// Segment reduction of the rows of `x`; the argmax rows for `Max`.
pub(crate) fn segment_reduce<T: Float>(
    offsets: &Indices,
    x: &Tensor<T>,
    agg: Aggregation,
) -> Result<(Tensor<T>, Option<Indices>)> {
    let n_seg = offsets.len() - 1;
    let (out, am) = CpuBackend.segment_reduce(cpu_idx(offsets), n_seg, cpu(x), &x.layout, agg)?;
    Ok((tensor(out, &[n_seg, x.shape()[1]]), am.map(indices)))
}

/// Gradient of a max segment reduction, `[m, width]`.
pub(crate) fn segment_max_backward<T: Float>(
    offsets: &Indices,
    m: usize,
    argmax: &Indices,
    g: &Tensor<T>,
) -> Result<Tensor<T>> {
    let n_seg = offsets.len() - 1;
    let out =
        CpuBackend.segment_max_backward(cpu_idx(offsets), n_seg, m, cpu_idx(argmax), cpu(g), &g.layout)?;
    Ok(tensor(out, &[m, g.shape()[1]]))
}
