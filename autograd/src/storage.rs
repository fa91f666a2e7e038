//! Where a tensor's elements live: `Storage::Cpu` or `Storage::Cuda`.
//!
//! Without the `cuda` feature, [`CudaStorage`] is an uninhabited type: the enum, and every
//! match on it, is the same in both builds, and the CUDA arms are statically unreachable.

use weft_ops::{Device, Element, Idx};

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
    Cuda(CudaStorage<Idx>),
}

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

impl<T: Element> Storage<T> {
    /// The device of this storage.
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Cuda(c) => c.unreachable(),
        }
    }
}

impl IdxStorage {
    /// The device of this storage.
    pub fn device(&self) -> Device {
        match self {
            IdxStorage::Cpu(_) => Device::Cpu,
            IdxStorage::Cuda(c) => c.unreachable(),
        }
    }
}
