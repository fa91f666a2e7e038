//! [`GinConv`]: the graph isomorphism network layer (Xu et al. 2019),
//! `out_i = MLP((1 + eps) x_i + sum_{j in N(i)} x_j)` with a two-layer MLP.

use crate::features::{check_width, Project};
use crate::sparse::{spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{param::prefixed, Linear, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Error, Result};

/// GIN layer with the MLP `Linear -> ReLU -> Linear` and a fixed `eps`.
pub struct GinConv<T: Float> {
    /// First MLP layer.
    pub lin1: Linear<T>,
    /// Second MLP layer.
    pub lin2: Linear<T>,
    eps: f64,
}

impl<T: Float> GinConv<T> {
    /// A layer `input -> hidden -> output` with `eps` (0 in the GIN-0 variant).
    pub fn new(
        input: usize,
        hidden: usize,
        output: usize,
        eps: f64,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        Ok(GinConv {
            lin1: Linear::new(input, hidden, true, rng, device)?,
            lin2: Linear::new(hidden, output, true, rng, device)?,
            eps,
        })
    }

    /// `a` is `[n_dst, n_src]` without self loops; `x` is `[n_src, in]`, destinations first.
    /// The MLP's first (linear) layer is applied before the sum, which is the same map.
    pub fn forward<X: Project<T> + ?Sized>(&self, a: &CsrMatrix, x: &X) -> Result<Tensor<T>> {
        check_width("GinConv", self.lin1.input_dim(), x.width())?;
        if x.rows_count() != a.n_cols() || a.n_rows() > a.n_cols() {
            return Err(Error::shape(
                "GinConv",
                format!("{} source rows for an adjacency {} x {}", x.rows_count(), a.n_rows(), a.n_cols()),
            ));
        }
        let xw = x.project(&self.lin1.weight.value())?;
        let agg = spmm(a, None, &xw, Aggregation::Sum)?;
        let root = if a.n_rows() == a.n_cols() { xw } else { xw.narrow(0, 0, a.n_rows())? };
        let mut h = root.mul_scalar(1.0 + self.eps)?.add(&agg)?;
        if let Some(b) = &self.lin1.bias {
            h = h.add(&b.value())?;
        }
        self.lin2.forward(&h.relu()?)
    }
}

impl<T: Float> Module<T> for GinConv<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("lin1", self.lin1.named_parameters());
        v.extend(prefixed("lin2", self.lin2.named_parameters()));
        v
    }
}
