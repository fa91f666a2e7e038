//! Device buffers: [`CudaBuf`] of elements and [`CudaIdxBuf`] of indices, freed on drop.

use crate::api::{DeviceApi, DevicePtr};
use std::marker::PhantomData;
use std::sync::Arc;
use weft_ops::{Element, Idx, Result};

/// An allocation of device memory, freed on drop. Empty allocations hold no device memory.
pub(crate) struct Allocation {
    ptr: DevicePtr,
    bytes: usize,
    api: Arc<dyn DeviceApi>,
}

impl Allocation {
    pub(crate) fn new(api: &Arc<dyn DeviceApi>, bytes: usize) -> Result<Self> {
        let ptr = if bytes == 0 { 0 } else { api.alloc(bytes)? };
        Ok(Allocation { ptr, bytes, api: api.clone() })
    }
}

impl Drop for Allocation {
    fn drop(&mut self) {
        if self.bytes > 0 {
            // SAFETY: `ptr` came from `alloc(bytes)` on this device and this is its only owner.
            unsafe { self.api.free(self.ptr, self.bytes) };
        }
    }
}

/// `len` elements of type `T` in device memory (contiguous; views are layouts over it).
pub struct CudaBuf<T: Element> {
    pub(crate) alloc: Allocation,
    len: usize,
    _t: PhantomData<T>,
}

impl<T: Element> CudaBuf<T> {
    pub(crate) fn uninit(api: &Arc<dyn DeviceApi>, len: usize) -> Result<Self> {
        let bytes = len.checked_mul(std::mem::size_of::<T>()).ok_or_else(|| {
            weft_ops::Error::invalid("cuda alloc", format!("{len} elements overflow the address space"))
        })?;
        Ok(CudaBuf { alloc: Allocation::new(api, bytes)?, len, _t: PhantomData })
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The device address of element 0 (0 when empty).
    pub fn device_ptr(&self) -> DevicePtr {
        self.alloc.ptr
    }
}

impl<T: Element> std::fmt::Debug for CudaBuf<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaBuf<{}>({} elements on {})", T::DTYPE.name(), self.len, self.alloc.api.name())
    }
}

/// `len` indices ([`Idx`]) in device memory.
pub struct CudaIdxBuf {
    pub(crate) alloc: Allocation,
    len: usize,
}

impl CudaIdxBuf {
    pub(crate) fn uninit(api: &Arc<dyn DeviceApi>, len: usize) -> Result<Self> {
        Ok(CudaIdxBuf { alloc: Allocation::new(api, len * std::mem::size_of::<Idx>())?, len })
    }
    /// Number of indices.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when the buffer holds no index.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The device address of index 0 (0 when empty).
    pub fn device_ptr(&self) -> DevicePtr {
        self.alloc.ptr
    }
}

impl std::fmt::Debug for CudaIdxBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaIdxBuf({} indices on {})", self.len, self.alloc.api.name())
    }
}

/// The bytes of a slice of plain numbers (f32, f64, u32).
pub(crate) fn as_bytes<T: Copy>(s: &[T]) -> &[u8] {
    // SAFETY: T is a plain number type without padding (f32, f64 or u32); any initialized
    // value is a valid sequence of bytes, and the length covers exactly the slice.
    unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, std::mem::size_of_val(s)) }
}

/// The bytes of a mutable slice of plain numbers (f32, f64, u32).
pub(crate) fn as_bytes_mut<T: Copy>(s: &mut [T]) -> &mut [u8] {
    // SAFETY: as in `as_bytes`; moreover every byte pattern is a valid f32, f64 or u32, so
    // writing arbitrary bytes keeps the values valid.
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut u8, std::mem::size_of_val(s)) }
}
