//! The calls into the backends' sparse group: the only place in this module that matches on
//! devices. Every function takes checked operands (fitting shapes) and returns untracked
//! tensors; the public ops record them. Each op is written once, generic over [`OnDevice`]
//! (the CPU backend on host vectors, or the operands' `CudaBackend` on device buffers), and
//! dispatched on the pattern's (or the offsets') device; an operand on another device is
//! `Error::DeviceMismatch` naming both.

use super::csr_matrix::CsrMatrix;
use crate::index::Indices;
use crate::storage::{IdxStorage, Storage};
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::backend::Aggregation;
use weft_ops::sparse::Csr;
use weft_ops::{Backend, CpuBackend, Device, Error, Idx, Result};

#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
pub(crate) use with_cuda::{CudaArgmax, CudaCsrStorage};
#[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
pub(crate) use without_cuda::{CudaArgmax, CudaCsrStorage};

/// A pattern on a device.
pub(crate) enum CsrStorage {
    /// Host memory: the shared host pattern itself.
    Cpu(Csr),
    /// CUDA device memory (uninhabited in a build without CUDA).
    Cuda(CudaCsrStorage),
}

impl CsrStorage {
    /// Uploads a host pattern to `device` (`Error::CudaNotCompiled` for CUDA in a build
    /// without it).
    pub(crate) fn upload(host: &Csr, device: Device) -> Result<Self> {
        match device {
            Device::Cpu => Ok(CsrStorage::Cpu(CpuBackend.csr_upload(host)?)),
            Device::Cuda(_) => Ok(CsrStorage::Cuda(CudaCsrStorage::upload(host, device)?)),
        }
    }
}

/// The argmax of a max aggregation, on the device of the op that made it: only ever passed
/// back to the matching backward call (its entries may be `Idx::MAX` for empty rows, so it is
/// not an [`Indices`] with a meaningful bound).
pub(crate) enum Argmax {
    /// Host memory.
    Cpu(Vec<Idx>),
    /// CUDA device memory (uninhabited, and so never built, in a build without CUDA).
    #[cfg_attr(not(any(feature = "cuda", feature = "cuda-emulated")), allow(dead_code))]
    Cuda(CudaArgmax),
}

impl Argmax {
    fn device(&self) -> Device {
        match self {
            Argmax::Cpu(_) => Device::Cpu,
            Argmax::Cuda(c) => c.device(),
        }
    }
}

fn mismatch(op: &'static str, lhs: Device, rhs: Device) -> Error {
    Error::DeviceMismatch { op, lhs: lhs.to_string(), rhs: rhs.to_string() }
}

/// One device's backend and the way to reach operands' buffers on it.
trait OnDevice {
    type B: Backend;
    fn backend(&self) -> &Self::B;
    /// The buffer of `t`, or a mismatch error when `t` lives elsewhere.
    fn buf<'t, T: Float>(
        &self,
        op: &'static str,
        t: &'t Tensor<T>,
    ) -> Result<&'t <Self::B as Backend>::Buf<T>>;
    /// The buffer of an argmax, or a mismatch error when it lives elsewhere.
    fn argmax<'i>(&self, op: &'static str, a: &'i Argmax) -> Result<&'i <Self::B as Backend>::IdxBuf>;
    /// Wraps a new buffer of this device as a contiguous tensor.
    fn tensor<T: Float>(&self, b: <Self::B as Backend>::Buf<T>, shape: &[usize]) -> Tensor<T>;
    /// Wraps a new index buffer of this device as an argmax.
    fn wrap_argmax(&self, b: <Self::B as Backend>::IdxBuf) -> Argmax;
}

/// The CPU backend on host vectors.
struct OnCpu;

impl OnDevice for OnCpu {
    type B = CpuBackend;
    fn backend(&self) -> &CpuBackend {
        &CpuBackend
    }
    fn buf<'t, T: Float>(&self, op: &'static str, t: &'t Tensor<T>) -> Result<&'t Vec<T>> {
        match &*t.storage {
            Storage::Cpu(x) => Ok(x),
            Storage::Cuda(_) => Err(mismatch(op, Device::Cpu, t.device())),
        }
    }
    fn argmax<'i>(&self, op: &'static str, a: &'i Argmax) -> Result<&'i Vec<Idx>> {
        match a {
            Argmax::Cpu(x) => Ok(x),
            Argmax::Cuda(_) => Err(mismatch(op, Device::Cpu, a.device())),
        }
    }
    fn tensor<T: Float>(&self, b: Vec<T>, shape: &[usize]) -> Tensor<T> {
        Tensor::from_storage(Storage::Cpu(b), shape)
    }
    fn wrap_argmax(&self, b: Vec<Idx>) -> Argmax {
        Argmax::Cpu(b)
    }
}

/// Runs `$body` with `$on` (an [`OnDevice`]) and `$csr` (the backend's pattern) on the device
/// of the pattern `$a`.
macro_rules! on_csr {
    ($a:expr, |$on:ident, $csr:ident| $body:expr) => {
        match $a.storage() {
            CsrStorage::Cpu($csr) => {
                let $on = OnCpu;
                $body
            }
            #[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
            CsrStorage::Cuda(c) => {
                let $on = with_cuda::OnCuda(c.backend());
                let $csr = c.csr();
                $body
            }
            #[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
            CsrStorage::Cuda(c) => c.unreachable(),
        }
    };
}

/// Runs `$body` with `$on` (an [`OnDevice`]) and `$off` (the backend's index buffer) on the
/// device of the segment offsets `$offsets`.
macro_rules! on_offsets {
    ($offsets:expr, |$on:ident, $off:ident| $body:expr) => {
        match &*$offsets.storage {
            IdxStorage::Cpu($off) => {
                let $on = OnCpu;
                $body
            }
            #[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
            IdxStorage::Cuda(c) => {
                let $on = with_cuda::OnCuda(c.backend());
                let $off = c.buf();
                $body
            }
            #[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
            IdxStorage::Cuda(c) => c.unreachable(),
        }
    };
}

/// Edge values with their number of heads.
pub(crate) type Vals<'a, T> = Option<(&'a Tensor<T>, usize)>;

/// SpMM; the argmax for `Max`.
pub(crate) fn spmm<T: Float>(
    a: &CsrMatrix,
    vals: Vals<'_, T>,
    x: &Tensor<T>,
    agg: Aggregation,
) -> Result<(Tensor<T>, Option<Argmax>)> {
    const OP: &str = "spmm";
    let w = x.shape()[1];
    on_csr!(a, |on, csr| {
        let v = vals.map(|(v, h)| on.buf(OP, v).map(|b| (b, &v.layout, h))).transpose()?;
        let (out, am) = Backend::spmm(on.backend(), csr, v, on.buf(OP, x)?, &x.layout, agg)?;
        Ok((on.tensor(out, &[a.n_rows(), w]), am.map(|m| on.wrap_argmax(m))))
    })
}

/// Gradients of a max-SpMM: `(grad_x, grad_vals [nnz, heads])`.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(crate) fn spmm_max_backward<T: Float>(
    a: &CsrMatrix,
    vals: Vals<'_, T>,
    x: &Tensor<T>,
    argmax: &Argmax,
    g: &Tensor<T>,
    need_x: bool,
    need_vals: bool,
) -> Result<(Option<Tensor<T>>, Option<Tensor<T>>)> {
    const OP: &str = "spmm (max backward)";
    let heads = vals.map_or(1, |v| v.1);
    on_csr!(a, |on, csr| {
        let v = vals.map(|(v, h)| on.buf(OP, v).map(|b| (b, &v.layout, h))).transpose()?;
        let (gx, gv) = Backend::spmm_max_backward(
            on.backend(),
            csr,
            v,
            on.buf(OP, x)?,
            &x.layout,
            on.argmax(OP, argmax)?,
            on.buf(OP, g)?,
            &g.layout,
            need_x,
            need_vals,
        )?;
        Ok((gx.map(|b| on.tensor(b, x.shape())), gv.map(|b| on.tensor(b, &[a.nnz(), heads]))))
    })
}

/// SDDMM (dot), `[nnz, heads]`.
pub(crate) fn sddmm_dot<T: Float>(
    a: &CsrMatrix,
    x: &Tensor<T>,
    y: &Tensor<T>,
    heads: usize,
) -> Result<Tensor<T>> {
    const OP: &str = "sddmm";
    on_csr!(a, |on, csr| {
        let out = Backend::sddmm_dot(
            on.backend(),
            csr,
            on.buf(OP, x)?,
            &x.layout,
            on.buf(OP, y)?,
            &y.layout,
            heads,
        )?;
        Ok(on.tensor(out, &[a.nnz(), heads]))
    })
}

/// SDDMM (add), `[nnz, heads]`.
pub(crate) fn sddmm_add<T: Float>(
    a: &CsrMatrix,
    s: &Tensor<T>,
    t: &Tensor<T>,
    heads: usize,
) -> Result<Tensor<T>> {
    const OP: &str = "sddmm_add";
    on_csr!(a, |on, csr| {
        let out = Backend::sddmm_add(
            on.backend(),
            csr,
            on.buf(OP, s)?,
            &s.layout,
            on.buf(OP, t)?,
            &t.layout,
            heads,
        )?;
        Ok(on.tensor(out, &[a.nnz(), heads]))
    })
}

/// Edge softmax with the shape of `scores`.
pub(crate) fn edge_softmax<T: Float>(a: &CsrMatrix, scores: &Tensor<T>, heads: usize) -> Result<Tensor<T>> {
    const OP: &str = "edge_softmax";
    on_csr!(a, |on, csr| {
        let out = Backend::edge_softmax(on.backend(), csr, on.buf(OP, scores)?, &scores.layout, heads)?;
        Ok(on.tensor(out, scores.shape()))
    })
}

/// Gradient of the edge softmax from its output `y`.
pub(crate) fn edge_softmax_backward<T: Float>(
    a: &CsrMatrix,
    y: &Tensor<T>,
    dy: &Tensor<T>,
    heads: usize,
) -> Result<Tensor<T>> {
    const OP: &str = "edge_softmax (backward)";
    on_csr!(a, |on, csr| {
        let out = Backend::edge_softmax_backward(
            on.backend(),
            csr,
            on.buf(OP, y)?,
            &y.layout,
            on.buf(OP, dy)?,
            &dy.layout,
            heads,
        )?;
        Ok(on.tensor(out, y.shape()))
    })
}

/// Segment reduction of the rows of `x`; the argmax rows for `Max`.
pub(crate) fn segment_reduce<T: Float>(
    offsets: &Indices,
    x: &Tensor<T>,
    agg: Aggregation,
) -> Result<(Tensor<T>, Option<Argmax>)> {
    const OP: &str = "segment_reduce";
    let n_seg = offsets.len() - 1;
    on_offsets!(offsets, |on, off| {
        let (out, am) = Backend::segment_reduce(on.backend(), off, n_seg, on.buf(OP, x)?, &x.layout, agg)?;
        Ok((on.tensor(out, &[n_seg, x.shape()[1]]), am.map(|m| on.wrap_argmax(m))))
    })
}

/// Gradient of a max segment reduction, `[m, width]`.
pub(crate) fn segment_max_backward<T: Float>(
    offsets: &Indices,
    m: usize,
    argmax: &Argmax,
    g: &Tensor<T>,
) -> Result<Tensor<T>> {
    const OP: &str = "segment_reduce (max backward)";
    let n_seg = offsets.len() - 1;
    on_offsets!(offsets, |on, off| {
        let out = Backend::segment_max_backward(
            on.backend(),
            off,
            n_seg,
            m,
            on.argmax(OP, argmax)?,
            on.buf(OP, g)?,
            &g.layout,
        )?;
        Ok(on.tensor(out, &[m, g.shape()[1]]))
    })
}

/// The CUDA side of a build with CUDA (real or emulated).
#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
mod with_cuda {
    use super::{mismatch, Argmax, OnDevice};
    use crate::storage::{CudaStorage, Storage};
    use crate::tensor::Tensor;
    use crate::Float;
    use weft_cuda::{CudaBackend, CudaBuf, CudaCsr, CudaIdxBuf};
    use weft_ops::sparse::Csr;
    use weft_ops::{Backend, Device, Result};

    /// A pattern in CUDA memory and the backend (device) that owns it.
    pub(crate) struct CudaCsrStorage {
        csr: CudaCsr,
        backend: CudaBackend,
    }

    impl CudaCsrStorage {
        /// Uploads a host pattern to the CUDA device `device`.
        pub(crate) fn upload(host: &Csr, device: Device) -> Result<Self> {
            let backend = CudaBackend::for_device(device)?;
            Ok(CudaCsrStorage { csr: backend.csr_upload(host)?, backend })
        }
        /// The device pattern.
        pub(crate) fn csr(&self) -> &CudaCsr {
            &self.csr
        }
        /// The backend of the pattern's device.
        pub(crate) fn backend(&self) -> &CudaBackend {
            &self.backend
        }
    }

    /// An argmax in CUDA memory and its backend.
    pub(crate) struct CudaArgmax {
        buf: CudaIdxBuf,
        backend: CudaBackend,
    }

    impl CudaArgmax {
        /// The device of the buffer.
        pub(crate) fn device(&self) -> Device {
            self.backend.device()
        }
    }

    /// A CUDA backend on its device buffers.
    pub(super) struct OnCuda<'a>(pub(super) &'a CudaBackend);

    impl OnCuda<'_> {
        fn device(&self) -> Device {
            self.0.device()
        }
    }

    impl OnDevice for OnCuda<'_> {
        type B = CudaBackend;
        fn backend(&self) -> &CudaBackend {
            self.0
        }
        fn buf<'t, T: Float>(&self, op: &'static str, t: &'t Tensor<T>) -> Result<&'t CudaBuf<T>> {
            match &*t.storage {
                Storage::Cuda(c) if c.device() == self.device() => Ok(c.buf()),
                _ => Err(mismatch(op, self.device(), t.device())),
            }
        }
        fn argmax<'i>(&self, op: &'static str, a: &'i Argmax) -> Result<&'i CudaIdxBuf> {
            match a {
                Argmax::Cuda(c) if c.device() == self.device() => Ok(&c.buf),
                _ => Err(mismatch(op, self.device(), a.device())),
            }
        }
        fn tensor<T: Float>(&self, b: CudaBuf<T>, shape: &[usize]) -> Tensor<T> {
            Tensor::from_storage(Storage::Cuda(CudaStorage::new(b, self.0)), shape)
        }
        fn wrap_argmax(&self, b: CudaIdxBuf) -> Argmax {
            Argmax::Cuda(CudaArgmax { buf: b, backend: self.0.clone() })
        }
    }
}

/// The CUDA side of a build without CUDA: uninhabited.
#[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
mod without_cuda {
    use weft_ops::sparse::Csr;
    use weft_ops::{Device, Error, Result};

    /// A pattern in CUDA memory. This build has no CUDA support, so no value exists.
    pub(crate) struct CudaCsrStorage {
        never: std::convert::Infallible,
    }

    impl CudaCsrStorage {
        /// `Error::CudaNotCompiled`: this build has no CUDA.
        pub(crate) fn upload(_host: &Csr, _device: Device) -> Result<Self> {
            Err(Error::CudaNotCompiled)
        }
        /// Statically unreachable.
        pub(crate) fn unreachable(&self) -> ! {
            match self.never {}
        }
    }

    /// An argmax in CUDA memory. This build has no CUDA support, so no value exists.
    pub(crate) struct CudaArgmax {
        never: std::convert::Infallible,
    }

    impl CudaArgmax {
        /// The device of the buffer (unreachable).
        pub(crate) fn device(&self) -> Device {
            match self.never {}
        }
    }
}
