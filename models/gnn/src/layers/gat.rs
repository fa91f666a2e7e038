//! [`GatConv`]: graph attention (Veličković et al. 2018), multi-head, without `[E, F]` messages.
//!
//! For every stored edge `(i, j)` (node `i` receives from `j`) and head `h`:
//! `e_ijh = LeakyReLU_0.2(a_dst_h · W_h x_i + a_src_h · W_h x_j)`; the per-node halves are
//! `[n, heads]` projections, combined per edge by `sddmm_add`; `alpha = edge_softmax(e)` over
//! each node's incoming edges (dropout on `alpha` in training); the output is one SpMM with
//! `[nnz, heads]` values: `out_i,h = sum_j alpha_ijh W_h x_j`. Heads are concatenated or
//! averaged, then the bias is added.

use crate::features::{check_width, Project};
use crate::sparse::{edge_softmax, sddmm_add, spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{Dropout, Init, Mode, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Error, Result};

/// A multi-head graph attention layer.
pub struct GatConv<T: Float> {
    /// Weight `[in, heads * out]`, Glorot-uniform.
    pub weight: Param<T>,
    /// Source attention vectors `[heads, out]`.
    pub att_src: Param<T>,
    /// Destination attention vectors `[heads, out]`.
    pub att_dst: Param<T>,
    /// Bias `[heads * out]` (concat) or `[out]` (mean), zeros.
    pub bias: Param<T>,
    heads: usize,
    out: usize,
    concat: bool,
    negative_slope: f64,
    attn_dropout: Dropout,
}

impl<T: Float> GatConv<T> {
    /// `heads` heads of width `output`, concatenated (`concat`) or averaged, with dropout
    /// `attn_dropout` on the attention coefficients.
    pub fn new(
        input: usize,
        output: usize,
        heads: usize,
        concat: bool,
        attn_dropout: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        if heads == 0 || output == 0 {
            return Err(Error::invalid("GatConv", format!("{heads} heads of width {output}")));
        }
        let hf = heads * output;
        let weight = Init::GlorotUniform.sample(&[input, hf], input, hf, rng, device)?;
        let att_src = Init::GlorotUniform.sample(&[heads, output], heads, output, rng, device)?;
        let att_dst = Init::GlorotUniform.sample(&[heads, output], heads, output, rng, device)?;
        let bias = Tensor::zeros(&[if concat { hf } else { output }], device)?;
        Ok(GatConv {
            weight: Param::new(weight),
            att_src: Param::new(att_src),
            att_dst: Param::new(att_dst),
            bias: Param::new(bias),
            heads,
            out: output,
            concat,
            negative_slope: 0.2,
            attn_dropout: Dropout::new(attn_dropout, rng.next_u64())?,
        })
    }

    /// Output width: `heads * out` when concatenating, else `out`.
    pub fn output_dim(&self) -> usize {
        if self.concat {
            self.heads * self.out
        } else {
            self.out
        }
    }

    /// Attention over `a` (`[n_dst, n_src]`, usually with self loops) for source features `x`
    /// (`[n_src, in]`); the first `n_dst` source nodes are the destinations.
    pub fn forward<X: Project<T> + ?Sized>(&self, a: &CsrMatrix, x: &X, mode: Mode) -> Result<Tensor<T>> {
        check_width("GatConv", self.weight.shape()[0], x.width())?;
        if x.rows_count() != a.n_cols() || a.n_rows() > a.n_cols() {
            return Err(Error::shape(
                "GatConv",
                format!("{} source rows for an adjacency {} x {}", x.rows_count(), a.n_rows(), a.n_cols()),
            ));
        }
        let (h, f) = (self.heads, self.out);
        let n_src = a.n_cols();
        let wx = x.project(&self.weight.value())?; // [n_src, h * f]
        let per_head = wx.reshape(&[n_src, h, f])?;
        let s_src = per_head.mul(&self.att_src.value())?.sum(2)?; // [n_src, h]
        let s_dst_all = per_head.mul(&self.att_dst.value())?.sum(2)?;
        let s_dst = if a.n_rows() == n_src { s_dst_all } else { s_dst_all.narrow(0, 0, a.n_rows())? };
        let scores = sddmm_add(a, &s_dst, &s_src)?.leaky_relu(self.negative_slope)?; // [nnz, h]
        let alpha = self.attn_dropout.forward(&edge_softmax(a, &scores)?, mode)?;
        let out = spmm(a, Some(&alpha), &wx, Aggregation::Sum)?; // [n_dst, h * f]
        let out = if self.concat { out } else { out.reshape(&[a.n_rows(), h, f])?.mean(1)? };
        out.add(&self.bias.value())
    }
}

impl<T: Float> Module<T> for GatConv<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        vec![
            ("weight".into(), self.weight.clone()),
            ("att_src".into(), self.att_src.clone()),
            ("att_dst".into(), self.att_dst.clone()),
            ("bias".into(), self.bias.clone()),
        ]
    }
}
