//! [`GatedGcnLayer`]: the residual gated graph convolution of Bresson & Laurent (2017) as used in
//! "Benchmarking Graph Neural Networks" (Dwivedi et al. 2020), with LayerNorm in place of
//! BatchNorm:
//!
//! ```text
//! ê_ij = C e_ij + D h_i + E h_j            (per stored edge (i, j); [nnz, d] by design)
//! σ_ij = sigmoid(ê_ij)
//! ĥ_i  = A h_i + (Σ_j σ_ij ⊙ B h_j) / (Σ_j σ_ij + 1e-6)
//! h'   = h + dropout(ReLU(LN(ĥ))),   e' = e + dropout(ReLU(LN(ê)))
//! ```
//! The gated sums are SpMMs with `[nnz, d]` values (one "head" per channel), so no message
//! tensor `σ ⊙ B h_j` is formed.

use crate::sparse::{sddmm_add, spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{param::prefixed, Dropout, LayerNorm, Linear, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{error::fmt_shape, rng::Philox, Device, Error, Result};

/// One GatedGCN layer of width `d` on node and edge features.
pub struct GatedGcnLayer<T: Float> {
    a: Linear<T>,
    b: Linear<T>,
    c: Linear<T>,
    d: Linear<T>,
    e: Linear<T>,
    norm_h: LayerNorm<T>,
    norm_e: LayerNorm<T>,
    dropout: Dropout,
}

impl<T: Float> GatedGcnLayer<T> {
    /// A layer of width `dim` with dropout `dropout` on both outputs.
    pub fn new(dim: usize, dropout: f64, rng: &mut Philox, device: Device) -> Result<Self> {
        Ok(GatedGcnLayer {
            a: Linear::new(dim, dim, true, rng, device)?,
            b: Linear::new(dim, dim, true, rng, device)?,
            c: Linear::new(dim, dim, true, rng, device)?,
            d: Linear::new(dim, dim, true, rng, device)?,
            e: Linear::new(dim, dim, true, rng, device)?,
            norm_h: LayerNorm::new(dim, device)?,
            norm_e: LayerNorm::new(dim, device)?,
            dropout: Dropout::new(dropout, rng.next_u64())?,
        })
    }

    /// Updates node features `h` (`[n, d]`) and edge features `e` (`[nnz, d]`, one row per
    /// stored entry of the square pattern `a`). Returns `(h', e')`.
    pub fn forward(
        &self,
        a: &CsrMatrix,
        h: &Tensor<T>,
        e: &Tensor<T>,
        mode: Mode,
    ) -> Result<(Tensor<T>, Tensor<T>)> {
        let dim = self.a.input_dim();
        if h.shape() != [a.n_rows(), dim] || e.shape() != [a.nnz(), dim] || a.n_rows() != a.n_cols() {
            return Err(Error::shape(
                "GatedGcnLayer",
                format!(
                    "node features {} and edge features {} for a {} x {} pattern with {} entries (width {dim})",
                    fmt_shape(h.shape()),
                    fmt_shape(e.shape()),
                    a.n_rows(),
                    a.n_cols(),
                    a.nnz()
                ),
            ));
        }
        let e_hat = self.c.forward(e)?.add(&sddmm_add(a, &self.d.forward(h)?, &self.e.forward(h)?)?)?;
        let gate = e_hat.sigmoid()?;
        let num = spmm(a, Some(&gate), &self.b.forward(h)?, Aggregation::Sum)?;
        let ones = Tensor::ones(&[a.n_cols(), dim], h.device())?;
        let den = spmm(a, Some(&gate), &ones, Aggregation::Sum)?.add_scalar(1e-6)?;
        let h_hat = self.a.forward(h)?.add(&num.div(&den)?)?;
        let h_new = self.dropout.forward(&self.norm_h.forward(&h_hat)?.relu()?, mode)?;
        let e_new = self.dropout.forward(&self.norm_e.forward(&e_hat)?.relu()?, mode)?;
        Ok((h.add(&h_new)?, e.add(&e_new)?))
    }
}

impl<T: Float> Module<T> for GatedGcnLayer<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = Vec::new();
        for (name, lin) in [("A", &self.a), ("B", &self.b), ("C", &self.c), ("D", &self.d), ("E", &self.e)] {
            v.extend(prefixed(name, lin.named_parameters()));
        }
        v.extend(prefixed("norm_h", self.norm_h.named_parameters()));
        v.extend(prefixed("norm_e", self.norm_e.named_parameters()));
        v
    }
}
