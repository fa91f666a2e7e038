//! [`SageConv`]: GraphSAGE with mean aggregation (Hamilton et al. 2017), as PyG's `SAGEConv`:
//! `out_i = W_l mean_{j in N(i)} x_j + b + W_r x_i`; optionally with max aggregation
//! ([`SageConv::with_aggregation`]), taken after the projection: `max_{j in N(i)} (W_l x_j)`
//! (a pooling aggregator with a linear pool; PyG's `aggr="max"` takes the max of the raw
//! features instead).

use crate::features::{check_width, Project};
use crate::sparse::{spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{Linear, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Error, Result};

/// Mean-aggregation GraphSAGE layer with a root weight.
pub struct SageConv<T: Float> {
    /// Applied to the neighbour mean (with bias).
    pub lin_neigh: Linear<T>,
    /// Applied to the node itself (no bias).
    pub lin_root: Linear<T>,
    aggregation: Aggregation,
}

impl<T: Float> SageConv<T> {
    /// A layer from `input` to `output` features (PyTorch's default Linear init).
    pub fn new(input: usize, output: usize, rng: &mut Philox, device: Device) -> Result<Self> {
        Ok(SageConv {
            lin_neigh: Linear::new(input, output, true, rng, device)?,
            lin_root: Linear::new(input, output, false, rng, device)?,
            aggregation: Aggregation::Mean,
        })
    }

    /// The same layer aggregating the projected neighbours with `aggregation` (mean by
    /// default; sum and max take the sum or the element-wise max of `W_l x_j`).
    pub fn with_aggregation(mut self, aggregation: Aggregation) -> Self {
        self.aggregation = aggregation;
        self
    }

    /// The neighbour aggregation.
    pub fn aggregation(&self) -> Aggregation {
        self.aggregation
    }

    /// `a` is `[n_dst, n_src]` (no self loops), `x` is `[n_src, in]` whose first `n_dst` rows are
    /// the destination nodes (a full graph has `n_dst = n_src`). Since both maps are linear,
    /// `x` is projected first and the narrow result is averaged: `mean(x) W = mean(x W)`.
    pub fn forward<X: Project<T> + ?Sized>(&self, a: &CsrMatrix, x: &X) -> Result<Tensor<T>> {
        check_width("SageConv", self.lin_neigh.input_dim(), x.width())?;
        if x.rows_count() != a.n_cols() || a.n_rows() > a.n_cols() {
            return Err(Error::shape(
                "SageConv",
                format!("{} source rows for an adjacency {} x {}", x.rows_count(), a.n_rows(), a.n_cols()),
            ));
        }
        let neigh = spmm(a, None, &x.project(&self.lin_neigh.weight.value())?, self.aggregation)?;
        let mut root = x.project(&self.lin_root.weight.value())?;
        if a.n_rows() != a.n_cols() {
            root = root.narrow(0, 0, a.n_rows())?;
        }
        let out = neigh.add(&root)?;
        match &self.lin_neigh.bias {
            Some(b) => out.add(&b.value()),
            None => Ok(out),
        }
    }
}

impl<T: Float> Module<T> for SageConv<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = weft_autograd::nn::param::prefixed("lin_neigh", self.lin_neigh.named_parameters());
        v.extend(weft_autograd::nn::param::prefixed("lin_root", self.lin_root.named_parameters()));
        v
    }
}
