//! [`GcnConv`]: the graph convolution of Kipf & Welling (2017), `Â X W + b`.

use crate::features::{check_width, Project};
use crate::sparse::{spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{Init, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Error, Result};

/// `Â X W + b` with `Â = D^-1/2 (A + I) D^-1/2` given as a pattern and its values. `X W` is
/// computed first (the narrow side), then propagated with one SpMM; `X` may be sparse.
pub struct GcnConv<T: Float> {
    /// Weight `[in, out]`, Glorot-uniform.
    pub weight: Param<T>,
    /// Bias `[out]`, zeros.
    pub bias: Param<T>,
}

impl<T: Float> GcnConv<T> {
    /// A layer from `input` to `output` features.
    pub fn new(input: usize, output: usize, rng: &mut Philox, device: Device) -> Result<Self> {
        let weight = Init::GlorotUniform.sample(&[input, output], input, output, rng, device)?;
        Ok(GcnConv { weight: Param::new(weight), bias: Param::new(Tensor::zeros(&[output], device)?) })
    }

    /// `Â x W + b`: `a_hat` is `[n, n]` with values `norm` (`[nnz]`), `x` is `[n, in]`.
    pub fn forward<X: Project<T> + ?Sized>(
        &self,
        a_hat: &CsrMatrix,
        norm: &Tensor<T>,
        x: &X,
    ) -> Result<Tensor<T>> {
        check_width("GcnConv", self.weight.shape()[0], x.width())?;
        if x.rows_count() != a_hat.n_cols() {
            return Err(Error::shape(
                "GcnConv",
                format!("{} node rows for an adjacency with {} columns", x.rows_count(), a_hat.n_cols()),
            ));
        }
        let xw = x.project(&self.weight.value())?;
        spmm(a_hat, Some(norm), &xw, Aggregation::Sum)?.add(&self.bias.value())
    }
}

impl<T: Float> Module<T> for GcnConv<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        vec![("weight".into(), self.weight.clone()), ("bias".into(), self.bias.clone())]
    }
}
