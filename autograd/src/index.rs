//! [`Indices`]: an integer index vector on a device, for gathers, scatters and labels.
//!
//! The bound (largest index + 1) is computed once at construction on the host, so ops can
//! validate indices against a dimension without reading device memory. Indices must live on
//! the device of the tensor they index ([`Indices::to_device`]).

use crate::storage::{host_bound, IdxStorage};
use std::sync::Arc;
use weft_ops::{Device, Error, Idx, Result};

/// A vector of indices (`u32`), shared and cheap to clone.
#[derive(Clone)]
pub struct Indices {
    pub(crate) storage: Arc<IdxStorage>,
    len: usize,
    bound: usize,
}

impl std::fmt::Debug for Indices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Indices[{}] (max+1 = {}) on {}", self.len, self.bound, self.device())
    }
}

impl Indices {
    /// Indices on the CPU.
    pub fn new(idx: Vec<Idx>) -> Self {
        Indices { len: idx.len(), bound: host_bound(&idx), storage: Arc::new(IdxStorage::Cpu(idx)) }
    }

    /// Indices from `usize` values (error if one does not fit in [`Idx`]).
    pub fn from_usize(idx: &[usize]) -> Result<Self> {
        let v = idx
            .iter()
            .enumerate()
            .map(|(p, &i)| {
                Idx::try_from(i)
                    .map_err(|_| Error::index("indices", format!("index {i} at position {p} exceeds u32")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::new(v))
    }

    /// The same indices on `device` (a no-op when already there, else a copy through the
    /// host; `Error::CudaNotCompiled` for a CUDA device in a build without CUDA).
    pub fn to_device(&self, device: Device) -> Result<Self> {
        if device == self.device() {
            return Ok(self.clone());
        }
        let storage = IdxStorage::upload(self.to_vec()?, device)?;
        Ok(Indices { storage: Arc::new(storage), len: self.len, bound: self.bound })
    }

    /// Wraps index storage on any device (its bound is known on the host).
    pub(crate) fn from_storage(storage: Arc<IdxStorage>) -> Self {
        Indices { len: storage.len(), bound: storage.bound(), storage }
    }

    /// Number of indices.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Largest index plus one (0 when empty).
    pub fn bound(&self) -> usize {
        self.bound
    }
    /// The device the indices live on.
    pub fn device(&self) -> Device {
        self.storage.device()
    }
    /// Copies the indices to the host (a download from a CUDA device).
    pub fn to_vec(&self) -> Result<Vec<Idx>> {
        self.storage.to_vec()
    }

    /// Errors unless every index is below `dim` (named `what` for the message).
    pub fn check_bound(&self, op: &'static str, dim: usize, what: &str) -> Result<()> {
        if self.bound > dim {
            return Err(Error::index(
                op,
                format!("index {} is out of range for {what} of length {dim}", self.bound - 1),
            ));
        }
        Ok(())
    }
}
