//! [`CsrMatrix`]: a CSR sparsity pattern on a device, with its transpose cached.

use super::device::CsrStorage;
use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};
use weft_ops::sparse::{CooOptions, Csr, CsrPattern};
use weft_ops::{Device, Error, Idx, Result};

/// A CSR sparsity pattern (row pointers and sorted column ids, no values) on a device.
///
/// Cheap to clone (an `Arc`). Keeps the host pattern ([`Csr`]) next to the device copy; the
/// transpose (with the edge permutation that carries values over to it) is computed at most
/// once, on first use by a backward pass, and shared by every clone.
#[derive(Clone)]
pub struct CsrMatrix {
    inner: Arc<Inner>,
}

struct Inner {
    host: Csr,
    storage: CsrStorage,
    device: Device,
    /// The transpose on the same device and, for each of its entries, the original entry id.
    transpose: OnceLock<(CsrMatrix, Indices)>,
    row_ptr: OnceLock<Indices>,
    row_ids: OnceLock<Indices>,
    col_ids: OnceLock<Indices>,
    /// `1 / degree` per row, `[n_rows, 1]`, on the device, per element type.
    inv_degrees_f32: OnceLock<Tensor<f32>>,
    inv_degrees_f64: OnceLock<Tensor<f64>>,
}

impl fmt::Debug for CsrMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CsrMatrix[{}, {}] ({} stored) on {}",
            self.n_rows(),
            self.n_cols(),
            self.nnz(),
            self.device()
        )
    }
}

impl CsrMatrix {
    /// Puts a validated pattern on `device`.
    pub fn new(pattern: CsrPattern, device: Device) -> Result<Self> {
        Self::from_csr(Csr::new(pattern), device)
    }

    /// Puts a shared host pattern on `device` (its cached transpose is reused).
    pub fn from_csr(host: Csr, device: Device) -> Result<Self> {
        let storage = CsrStorage::upload(&host, device)?;
        Ok(CsrMatrix {
            inner: Arc::new(Inner {
                host,
                storage,
                device,
                transpose: OnceLock::new(),
                row_ptr: OnceLock::new(),
                row_ids: OnceLock::new(),
                col_ids: OnceLock::new(),
                inv_degrees_f32: OnceLock::new(),
                inv_degrees_f64: OnceLock::new(),
            }),
        })
    }

    /// The pattern of the edge list `src[k] -> dst[k]` (entry `(src, dst)`), with duplicates
    /// removed, optionally symmetrised and with self loops per `opts`; column ids sorted.
    pub fn from_edges(
        n_rows: usize,
        n_cols: usize,
        src: &[Idx],
        dst: &[Idx],
        opts: CooOptions,
        device: Device,
    ) -> Result<Self> {
        Self::new(CsrPattern::from_coo(n_rows, n_cols, src, dst, opts)?, device)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.inner.host.n_rows()
    }
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.inner.host.n_cols()
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.inner.host.nnz()
    }
    /// The device the pattern lives on.
    pub fn device(&self) -> Device {
        self.inner.device
    }
    /// The same pattern on `device` (a clone when already there).
    pub fn to_device(&self, device: Device) -> Result<Self> {
        if device == self.device() {
            return Ok(self.clone());
        }
        Self::from_csr(self.inner.host.clone(), device)
    }
    /// The host copy of the pattern.
    pub fn pattern(&self) -> &Csr {
        &self.inner.host
    }
    /// Whether two handles share the same pattern (pointer equality).
    pub fn same_as(&self, other: &CsrMatrix) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
    pub(crate) fn storage(&self) -> &CsrStorage {
        &self.inner.storage
    }

    /// The transpose (`n_cols x n_rows`) on the same device, computed once and cached.
    pub fn transpose(&self) -> Result<CsrMatrix> {
        Ok(self.transpose_with_perm()?.0)
    }

    /// The transpose and, for each of its entries, the id of the same entry in `self` (per-edge
    /// values `v` of `self` are `v.index_select(0, perm)` for the transpose). Cached.
    pub fn transpose_with_perm(&self) -> Result<(CsrMatrix, Indices)> {
        if let Some(t) = self.inner.transpose.get() {
            return Ok(t.clone());
        }
        let tr = self.inner.host.transposed();
        let t = CsrMatrix::new(tr.pattern.clone(), self.device())?;
        let perm = Indices::new(tr.perm.clone()).to_device(self.device())?;
        // Another thread may have won the race; either value is the same transpose.
        let _ = self.inner.transpose.set((t.clone(), perm.clone()));
        Ok((t, perm))
    }

    /// `D^-1/2 A D^-1/2` coefficients, `[nnz]` (degrees = stored entries per row; isolated
    /// nodes get 0). The matrix must be square.
    pub fn sym_norm_values<T: Float>(&self) -> Result<Tensor<T>> {
        let v = weft_ops::sparse::sym_norm_values::<T>(&self.inner.host, None)?;
        Tensor::from_vec(v, &[self.nnz()])?.to_device(self.device())
    }

    /// `D^-1 A` coefficients, `[nnz]`: every non-empty row sums to 1.
    pub fn row_norm_values<T: Float>(&self) -> Result<Tensor<T>> {
        let v = weft_ops::sparse::row_norm_values::<T>(&self.inner.host, None)?;
        Tensor::from_vec(v, &[self.nnz()])?.to_device(self.device())
    }

    /// The row pointers (`n_rows + 1`) as device indices: the segment offsets of the stored
    /// entries by row. Cached.
    pub fn row_ptr(&self) -> Result<Indices> {
        cached(&self.inner.row_ptr, || self.inner.host.row_ptr().to_vec(), self.device())
    }

    /// The row of each stored entry, `[nnz]`, on the matrix's device. Cached.
    pub fn row_ids(&self) -> Result<Indices> {
        cached(&self.inner.row_ids, || self.inner.host.row_ids(), self.device())
    }

    /// The column of each stored entry, `[nnz]`, on the matrix's device. Cached.
    pub fn col_ids(&self) -> Result<Indices> {
        cached(&self.inner.col_ids, || self.inner.host.col_idx().to_vec(), self.device())
    }

    /// Stored entries per row.
    pub fn degrees(&self) -> Vec<Idx> {
        self.inner.host.out_degrees().to_vec()
    }

    /// `1 / degree` per row as an `[n_rows, 1]` tensor on the matrix's device (0 for empty
    /// rows): the mean scaling. Computed and uploaded once per element type.
    pub(crate) fn inv_degrees<T: Float>(&self) -> Result<Tensor<T>> {
        let cell: &dyn Any = if T::DTYPE == weft_ops::DType::F32 {
            &self.inner.inv_degrees_f32
        } else {
            &self.inner.inv_degrees_f64
        };
        let cell = cell.downcast_ref::<OnceLock<Tensor<T>>>().ok_or_else(|| {
            Error::invalid("CsrMatrix::inv_degrees", format!("no cache for element type {}", T::DTYPE.name()))
        })?;
        if let Some(t) = cell.get() {
            return Ok(t.clone());
        }
        let d = self.inner.host.out_degrees();
        let v = d.iter().map(|&k| if k == 0 { T::zero() } else { T::one() / T::of(k as f64) }).collect();
        let t = Tensor::from_vec(v, &[self.n_rows(), 1])?.to_device(self.device())?;
        let _ = cell.set(t.clone());
        Ok(t)
    }
}

fn cached(cell: &OnceLock<Indices>, f: impl FnOnce() -> Vec<Idx>, device: Device) -> Result<Indices> {
    if let Some(i) = cell.get() {
        return Ok(i.clone());
    }
    let idx = Indices::new(f()).to_device(device)?;
    let _ = cell.set(idx.clone());
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<X: Send + Sync>() {}

    #[test]
    fn patterns_are_shared_across_threads_and_cache_their_scalings() {
        send_sync::<CsrMatrix>();
        let a =
            CsrMatrix::from_edges(3, 2, &[0, 0, 2], &[0, 1, 1], CooOptions::default(), Device::Cpu).unwrap();
        let inv = a.inv_degrees::<f64>().unwrap();
        assert_eq!(inv.to_vec().unwrap(), vec![0.5, 0.0, 1.0]);
        assert_eq!(a.inv_degrees::<f32>().unwrap().to_vec().unwrap(), vec![0.5f32, 0.0, 1.0]);
        assert!(Arc::ptr_eq(&inv.storage, &a.inv_degrees::<f64>().unwrap().storage), "cached");
        assert_eq!(a.row_ids().unwrap().to_vec().unwrap(), vec![0, 0, 2]);
        assert_eq!(a.col_ids().unwrap().to_vec().unwrap(), vec![0, 1, 1]);
    }
}
