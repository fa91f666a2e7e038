//! TEMPORARY stand-in for `weft_autograd::sparse` (the planned API of /work/notes/SPARSE_API.md)
//! built from dense gathers and scatters, so the GNN code compiles and trains before the fused
//! sparse autograd ops land. Replaced by `pub use weft_autograd::sparse::*` on merge.
#![allow(dead_code, missing_docs)]

use weft_autograd::{Float, Indices, Tensor};
use weft_ops::rng::Philox;
use weft_ops::sparse::{Csr, CsrPattern};
use weft_ops::{Device, Error, Idx, Result};

pub use weft_ops::sparse::{CooOptions, SelfLoops};

#[derive(Clone, Debug)]
pub struct CsrMatrix {
    csr: Csr,
    device: Device,
}

impl CsrMatrix {
    pub fn new(pattern: CsrPattern, device: Device) -> Result<Self> {
        Ok(CsrMatrix { csr: Csr::new(pattern), device })
    }
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
    pub fn n_rows(&self) -> usize {
        self.csr.n_rows()
    }
    pub fn n_cols(&self) -> usize {
        self.csr.n_cols()
    }
    pub fn nnz(&self) -> usize {
        self.csr.nnz()
    }
    pub fn device(&self) -> Device {
        self.device
    }
    pub fn to_device(&self, device: Device) -> Result<Self> {
        Ok(CsrMatrix { csr: self.csr.clone(), device })
    }
    pub fn pattern(&self) -> &Csr {
        &self.csr
    }
    pub fn sym_norm_values<T: Float>(&self) -> Result<Tensor<T>> {
        let v = weft_ops::sparse::sym_norm_values::<T>(&self.csr, None)?;
        Tensor::from_vec(v, &[self.nnz()])
    }
    pub fn row_norm_values<T: Float>(&self) -> Result<Tensor<T>> {
        let v = weft_ops::sparse::row_norm_values::<T>(&self.csr, None)?;
        Tensor::from_vec(v, &[self.nnz()])
    }
    pub fn row_ids(&self) -> Indices {
        Indices::new(self.csr.row_ids())
    }
    pub fn col_ids(&self) -> Indices {
        Indices::new(self.csr.col_idx().to_vec())
    }
    pub fn degrees(&self) -> Vec<Idx> {
        self.csr.out_degrees().to_vec()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    Sum,
    Mean,
    Max,
}

pub fn spmm<T: Float>(
    a: &CsrMatrix,
    values: Option<&Tensor<T>>,
    x: &Tensor<T>,
    agg: Aggregation,
) -> Result<Tensor<T>> {
    let f = x.dim(1)?;
    let xg = x.rows(&a.col_ids())?;
    let msg = match values {
        None => xg,
        Some(v) if v.rank() == 1 => xg.mul(&v.unsqueeze(1)?)?,
        Some(v) => {
            let h = v.dim(1)?;
            xg.reshape(&[a.nnz(), h, f / h])?.mul(&v.unsqueeze(2)?)?.reshape(&[a.nnz(), f])?
        }
    };
    let out = Tensor::zeros(&[a.n_rows(), f], x.device())?.index_add(0, &a.row_ids(), &msg)?;
    match agg {
        Aggregation::Sum => Ok(out),
        Aggregation::Mean => {
            let inv: Vec<T> = a.degrees().iter().map(|&d| T::of(1.0 / (d.max(1) as f64))).collect();
            out.mul(&Tensor::from_vec(inv, &[a.n_rows(), 1])?)
        }
        Aggregation::Max => Err(Error::invalid("spmm shim", "max aggregation not in the shim")),
    }
}

pub fn sddmm_add<T: Float>(a: &CsrMatrix, s: &Tensor<T>, t: &Tensor<T>) -> Result<Tensor<T>> {
    s.rows(&a.row_ids())?.add(&t.rows(&a.col_ids())?)
}

pub fn sddmm<T: Float>(a: &CsrMatrix, x: &Tensor<T>, y: &Tensor<T>, heads: usize) -> Result<Tensor<T>> {
    let f = x.dim(1)?;
    let p = x.rows(&a.row_ids())?.mul(&y.rows(&a.col_ids())?)?;
    p.reshape(&[a.nnz(), heads, f / heads])?.sum(2)
}

pub fn edge_softmax<T: Float>(a: &CsrMatrix, scores: &Tensor<T>) -> Result<Tensor<T>> {
    let one_d = scores.rank() == 1;
    let s = if one_d { scores.unsqueeze(1)? } else { scores.clone() };
    let h = s.dim(1)?;
    let host = s.to_vec()?;
    let mut m = vec![T::of(f64::NEG_INFINITY); a.n_rows() * h];
    let rows = a.pattern().row_ids();
    for (e, &r) in rows.iter().enumerate() {
        for k in 0..h {
            let slot = &mut m[r as usize * h + k];
            if host[e * h + k] > *slot {
                *slot = host[e * h + k];
            }
        }
    }
    let m = Tensor::from_vec(m, &[a.n_rows(), h])?;
    let ri = a.row_ids();
    let e = s.sub(&m.rows(&ri)?)?.exp()?;
    let denom = Tensor::zeros(&[a.n_rows(), h], s.device())?.index_add(0, &ri, &e)?;
    let out = e.div(&denom.rows(&ri)?)?;
    if one_d {
        out.squeeze(1)
    } else {
        Ok(out)
    }
}

#[derive(Clone, Debug)]
pub struct SparseTensor<T: Float> {
    pub pattern: CsrMatrix,
    pub values: Tensor<T>,
}

impl<T: Float> SparseTensor<T> {
    pub fn from_dense(dense: &[T], n_rows: usize, n_cols: usize, device: Device) -> Result<Self> {
        let (p, v) = CsrPattern::from_dense(n_rows, n_cols, dense)?;
        let n = v.len();
        Ok(SparseTensor { pattern: CsrMatrix::new(p, device)?, values: Tensor::from_vec(v, &[n])? })
    }
    pub fn matmul(&self, dense: &Tensor<T>) -> Result<Tensor<T>> {
        spmm(&self.pattern, Some(&self.values), dense, Aggregation::Sum)
    }
    pub fn dropout_values(&self, p: f64, rng: &mut Philox) -> Result<Self> {
        Ok(SparseTensor { pattern: self.pattern.clone(), values: self.values.dropout(p, rng)? })
    }
    pub fn row_normalized(&self) -> Result<Self> {
        let v = self.values.to_vec()?;
        let p = self.pattern.pattern();
        let mut out = v.clone();
        for i in 0..p.n_rows() {
            let r = p.row_range(i);
            let s = v[r.clone()].iter().fold(T::zero(), |a, &b| a + b);
            if s != T::zero() {
                r.for_each(|e| out[e] = v[e] / s);
            }
        }
        let n = out.len();
        Ok(SparseTensor { pattern: self.pattern.clone(), values: Tensor::from_vec(out, &[n])? })
    }
}
