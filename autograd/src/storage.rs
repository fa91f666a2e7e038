//! Where a tensor's elements live: `Storage::Cpu` or `Storage::Cuda`.
//!
//! This module and the crate's dispatch macros are the only places that know about CUDA.
//! With the feature `cuda` (the real GPU) or `cuda-emulated` (the emulated CUDA device, for
//! tests and CI), [`CudaStorage`] is a device buffer of weft-cuda plus the backend that owns
//! it. Without either, it is an uninhabited type: the enums, and every match on them, are the
//! same in both builds, the CUDA arms are statically unreachable, and asking for a CUDA device
//! gives `Error::CudaNotCompiled`.
//!
//! Both builds give [`CudaStorage`] and [`CudaIdxStorage`] the same methods wherever the
//! signature mentions no weft-cuda type (`device`, `to_vec`, `concat`, `argmax`, ...), so the
//! code that calls them is written once.

use weft_ops::{Device, Element, Error, Idx, Layout, Result};

#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
pub use with_cuda::{CudaIdxStorage, CudaStorage};
#[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
pub use without_cuda::{CudaIdxStorage, CudaStorage};

/// Device storage of a tensor's elements.
pub enum Storage<T: Element> {
    /// Host memory.
    Cpu(Vec<T>),
    /// CUDA device memory.
    Cuda(CudaStorage<T>),
}

/// Device storage of an index vector.
pub enum IdxStorage {
    /// Host memory.
    Cpu(Vec<Idx>),
    /// CUDA device memory.
    Cuda(CudaIdxStorage),
}

/// `Error::DeviceMismatch` naming the first device of `devices` and the first that differs
/// from it (or the first twice when all agree).
pub(crate) fn device_mismatch(op: &'static str, devices: &[Device]) -> Error {
    let lhs = devices.first().copied().unwrap_or_default();
    let rhs = devices.iter().copied().find(|&d| d != lhs).unwrap_or(lhs);
    Error::DeviceMismatch { op, lhs: lhs.to_string(), rhs: rhs.to_string() }
}

/// Errors with [`device_mismatch`] unless every device in `devices` is the same.
pub(crate) fn check_same_devices(op: &'static str, devices: &[Device]) -> Result<()> {
    match devices.first() {
        Some(&d) if devices.iter().any(|&e| e != d) => Err(device_mismatch(op, devices)),
        _ => Ok(()),
    }
}

impl<T: Element> Storage<T> {
    /// The device of this storage.
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Cuda(c) => c.device(),
        }
    }

    /// Number of elements in the buffer (a view may cover only part of it).
    pub fn len(&self) -> usize {
        match self {
            Storage::Cpu(v) => v.len(),
            Storage::Cuda(c) => c.buffer_len(),
        }
    }

    /// True when the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Host data as storage on `device` (an upload for a CUDA device).
    pub fn upload(data: Vec<T>, device: Device) -> Result<Self> {
        match device {
            Device::Cpu => Ok(Storage::Cpu(data)),
            Device::Cuda(_) => Ok(Storage::Cuda(CudaStorage::upload(&data, device)?)),
        }
    }

    /// The view `l` of this storage, row-major, on the host (a download from a CUDA device).
    pub fn to_vec(&self, l: &Layout) -> Result<Vec<T>> {
        match self {
            Storage::Cpu(x) => weft_ops::Backend::to_vec(&weft_ops::CpuBackend, x, l),
            Storage::Cuda(c) => c.to_vec(l),
        }
    }

    /// The view `l` as new contiguous storage on `device`, copied through the host (callers
    /// skip the copy when the device is already right).
    pub fn to_device(&self, l: &Layout, device: Device) -> Result<Self> {
        Self::upload(self.to_vec(l)?, device)
    }

    /// Concatenates the views `parts` along `axis` on their common device (`op` names the
    /// caller in a device-mismatch error). `parts` must not be empty.
    pub(crate) fn concat(op: &'static str, parts: &[(&Self, &Layout)], axis: usize) -> Result<Self> {
        let devices: Vec<Device> = parts.iter().map(|(s, _)| s.device()).collect();
        check_same_devices(op, &devices)?;
        match parts.first().map(|p| p.0) {
            None => Err(Error::invalid(op, "no tensors to concatenate")),
            Some(Storage::Cpu(_)) => {
                let bufs = parts
                    .iter()
                    .map(|(s, l)| match s {
                        Storage::Cpu(x) => Ok((x, *l)),
                        Storage::Cuda(_) => Err(device_mismatch(op, &devices)),
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Storage::Cpu(weft_ops::Backend::concat(&weft_ops::CpuBackend, &bufs, axis)?))
            }
            Some(Storage::Cuda(c)) => Ok(Storage::Cuda(c.concat(op, parts, axis)?)),
        }
    }

    /// Index of the first maximum along `axis` of the view `l`, on this storage's device.
    pub(crate) fn argmax(&self, l: &Layout, axis: usize) -> Result<IdxStorage> {
        match self {
            Storage::Cpu(x) => {
                Ok(IdxStorage::Cpu(weft_ops::Backend::argmax(&weft_ops::CpuBackend, x, l, axis)?))
            }
            Storage::Cuda(c) => Ok(IdxStorage::Cuda(c.argmax(l, axis)?)),
        }
    }
}

impl IdxStorage {
    /// The device of this storage.
    pub fn device(&self) -> Device {
        match self {
            IdxStorage::Cpu(_) => Device::Cpu,
            IdxStorage::Cuda(c) => c.device(),
        }
    }

    /// Host indices as storage on `device` (an upload for a CUDA device).
    pub fn upload(data: Vec<Idx>, device: Device) -> Result<Self> {
        match device {
            Device::Cpu => Ok(IdxStorage::Cpu(data)),
            Device::Cuda(_) => Ok(IdxStorage::Cuda(CudaIdxStorage::upload(&data, device)?)),
        }
    }

    /// The indices on the host (a download from a CUDA device).
    pub fn to_vec(&self) -> Result<Vec<Idx>> {
        match self {
            IdxStorage::Cpu(v) => Ok(v.clone()),
            IdxStorage::Cuda(c) => c.to_vec(),
        }
    }

    /// Number of indices.
    pub fn len(&self) -> usize {
        match self {
            IdxStorage::Cpu(v) => v.len(),
            IdxStorage::Cuda(c) => c.len(),
        }
    }

    /// True when there is no index.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Largest index plus one (0 when empty), known on the host without a device read.
    pub fn bound(&self) -> usize {
        match self {
            IdxStorage::Cpu(v) => host_bound(v),
            IdxStorage::Cuda(c) => c.bound(),
        }
    }
}

/// Largest index plus one (0 when empty).
pub(crate) fn host_bound(idx: &[Idx]) -> usize {
    idx.iter().map(|&i| i as usize + 1).max().unwrap_or(0)
}

/// The CUDA storage of a build with CUDA (real or emulated).
#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
mod with_cuda {
    use super::{device_mismatch, host_bound, Storage};
    use weft_cuda::{CudaBackend, CudaBuf, CudaIdxBuf};
    use weft_ops::{Backend, Device, Element, Idx, Layout, Result};

    /// A CUDA buffer of elements and the backend (device) that owns it.
    pub struct CudaStorage<T: Element> {
        buf: CudaBuf<T>,
        backend: CudaBackend,
    }

    impl<T: Element> CudaStorage<T> {
        /// Wraps a buffer of `backend`'s device.
        pub fn new(buf: CudaBuf<T>, backend: &CudaBackend) -> Self {
            CudaStorage { buf, backend: backend.clone() }
        }
        /// The device buffer.
        pub fn buf(&self) -> &CudaBuf<T> {
            &self.buf
        }
        /// The device buffer, for an in-place update.
        pub fn buf_mut(&mut self) -> &mut CudaBuf<T> {
            &mut self.buf
        }
        /// Number of elements in the buffer.
        pub fn buffer_len(&self) -> usize {
            self.buf.len()
        }
        /// The backend of the buffer's device.
        pub fn backend(&self) -> &CudaBackend {
            &self.backend
        }
        /// The device of the buffer.
        pub fn device(&self) -> Device {
            self.backend.device()
        }
        /// Copies host data to the CUDA device `device`.
        pub fn upload(data: &[T], device: Device) -> Result<Self> {
            let backend = CudaBackend::for_device(device)?;
            Ok(CudaStorage { buf: backend.from_slice(data)?, backend })
        }
        /// The view `l`, row-major, on the host.
        pub fn to_vec(&self, l: &Layout) -> Result<Vec<T>> {
            self.backend.to_vec(&self.buf, l)
        }
        /// Concatenation of `parts` (the first of which is `self`) along `axis`.
        pub(crate) fn concat(
            &self,
            op: &'static str,
            parts: &[(&Storage<T>, &Layout)],
            axis: usize,
        ) -> Result<Self> {
            let devices: Vec<Device> = parts.iter().map(|(s, _)| s.device()).collect();
            let bufs = parts
                .iter()
                .map(|(s, l)| match s {
                    Storage::Cuda(c) => Ok((&c.buf, *l)),
                    Storage::Cpu(_) => Err(device_mismatch(op, &devices)),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(CudaStorage { buf: self.backend.concat(&bufs, axis)?, backend: self.backend.clone() })
        }
        /// Index of the first maximum along `axis` of the view `l`, on the device (the bound
        /// of the result is read back once).
        pub(crate) fn argmax(&self, l: &Layout, axis: usize) -> Result<CudaIdxStorage> {
            let buf = self.backend.argmax(&self.buf, l, axis)?;
            CudaIdxStorage::from_buf(buf, &self.backend)
        }
    }

    /// A CUDA buffer of indices, the backend that owns it, and its bound (largest index + 1),
    /// known on the host so that index checks need no device read.
    pub struct CudaIdxStorage {
        buf: CudaIdxBuf,
        backend: CudaBackend,
        bound: usize,
    }

    impl CudaIdxStorage {
        /// Wraps a buffer of `backend`'s device (reads it back once for the bound).
        pub fn from_buf(buf: CudaIdxBuf, backend: &CudaBackend) -> Result<Self> {
            let bound = host_bound(&backend.idx_to_vec(&buf)?);
            Ok(CudaIdxStorage { buf, backend: backend.clone(), bound })
        }
        /// The device buffer.
        pub fn buf(&self) -> &CudaIdxBuf {
            &self.buf
        }
        /// The backend of the buffer's device.
        pub fn backend(&self) -> &CudaBackend {
            &self.backend
        }
        /// The device of the buffer.
        pub fn device(&self) -> Device {
            self.backend.device()
        }
        /// Copies host indices to the CUDA device `device`.
        pub fn upload(data: &[Idx], device: Device) -> Result<Self> {
            let backend = CudaBackend::for_device(device)?;
            Ok(CudaIdxStorage { buf: backend.idx_from_slice(data)?, backend, bound: host_bound(data) })
        }
        /// The indices on the host.
        pub fn to_vec(&self) -> Result<Vec<Idx>> {
            self.backend.idx_to_vec(&self.buf)
        }
        /// Number of indices.
        pub fn len(&self) -> usize {
            self.buf.len()
        }
        /// True when there is no index.
        pub fn is_empty(&self) -> bool {
            self.buf.is_empty()
        }
        /// Largest index plus one (0 when empty).
        pub fn bound(&self) -> usize {
            self.bound
        }
    }
}

/// The CUDA storage of a build without CUDA: uninhabited.
#[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
mod without_cuda {
    use super::Storage;
    use weft_ops::{Device, Element, Error, Idx, Layout, Result};

    /// CUDA buffers. This build has no CUDA support, so no value of this type can exist.
    pub struct CudaStorage<T> {
        never: std::convert::Infallible,
        _elem: std::marker::PhantomData<T>,
    }

    impl<T> CudaStorage<T> {
        /// Statically unreachable: no `CudaStorage` exists in a build without CUDA.
        pub fn unreachable(&self) -> ! {
            match self.never {}
        }
    }

    impl<T: Element> CudaStorage<T> {
        /// The device of the buffer (unreachable).
        pub fn device(&self) -> Device {
            self.unreachable()
        }
        /// Number of elements in the buffer (unreachable).
        pub fn buffer_len(&self) -> usize {
            self.unreachable()
        }
        /// `Error::CudaNotCompiled`: this build has no CUDA.
        pub fn upload(_data: &[T], _device: Device) -> Result<Self> {
            Err(Error::CudaNotCompiled)
        }
        /// The view `l` on the host (unreachable).
        pub fn to_vec(&self, _l: &Layout) -> Result<Vec<T>> {
            self.unreachable()
        }
        /// Concatenation (unreachable).
        pub(crate) fn concat(&self, _: &'static str, _: &[(&Storage<T>, &Layout)], _: usize) -> Result<Self> {
            self.unreachable()
        }
        /// Argmax (unreachable).
        pub(crate) fn argmax(&self, _l: &Layout, _axis: usize) -> Result<CudaIdxStorage> {
            self.unreachable()
        }
    }

    /// CUDA index buffers. This build has no CUDA support, so no value of this type can exist.
    pub struct CudaIdxStorage {
        never: std::convert::Infallible,
    }

    impl CudaIdxStorage {
        /// Statically unreachable: no `CudaIdxStorage` exists in a build without CUDA.
        pub fn unreachable(&self) -> ! {
            match self.never {}
        }
        /// The device of the buffer (unreachable).
        pub fn device(&self) -> Device {
            self.unreachable()
        }
        /// `Error::CudaNotCompiled`: this build has no CUDA.
        pub fn upload(_data: &[Idx], _device: Device) -> Result<Self> {
            Err(Error::CudaNotCompiled)
        }
        /// The indices on the host (unreachable).
        pub fn to_vec(&self) -> Result<Vec<Idx>> {
            self.unreachable()
        }
        /// Number of indices (unreachable).
        pub fn len(&self) -> usize {
            self.unreachable()
        }
        /// True when there is no index (unreachable).
        pub fn is_empty(&self) -> bool {
            self.unreachable()
        }
        /// Largest index plus one (unreachable).
        pub fn bound(&self) -> usize {
            self.unreachable()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches_name_both_devices_including_ordinals() {
        let err =
            check_same_devices("add", &[Device::Cuda(0), Device::Cuda(0), Device::Cuda(1)]).unwrap_err();
        assert!(
            matches!(&err, Error::DeviceMismatch { op: "add", lhs, rhs } if lhs == "cuda:0" && rhs == "cuda:1")
        );
        let err = check_same_devices("matmul", &[Device::Cpu, Device::Cuda(2)]).unwrap_err();
        assert!(err.to_string().contains("cpu") && err.to_string().contains("cuda:2"), "{err}");
        assert!(check_same_devices("x", &[Device::Cuda(1), Device::Cuda(1)]).is_ok());
        assert!(check_same_devices("x", &[]).is_ok());
    }

    #[test]
    fn host_bounds() {
        assert_eq!(host_bound(&[]), 0);
        assert_eq!(host_bound(&[0]), 1);
        assert_eq!(host_bound(&[3, 9, 2]), 10);
        let s = IdxStorage::upload(vec![4, 1], Device::Cpu).unwrap();
        assert_eq!((s.len(), s.bound(), s.device()), (2, 5, Device::Cpu));
    }
}
