//! The network's forward pass in plain `f64` (no tape) and the posterior predictive of a
//! [`Bnn`] from the draws of a [`Posterior`].

use super::Bnn;
use crate::posterior::Posterior;
use crate::predictive::PredictiveSummary;
use weft_ops::{Error, Result};

impl Bnn {
    /// Network outputs `f` (`n x outputs`, row-major) at inputs `x` (`n x inputs`) for the
    /// parameters `theta`, in `f64`.
    pub fn forward(&self, theta: &[f64], x: &[f64]) -> Result<Vec<f64>> {
        let op = "Bnn::forward";
        if theta.len() != self.dim() {
            return Err(Error::shape(
                op,
                format!("theta has length {}, the network has {} parameters", theta.len(), self.dim()),
            ));
        }
        if x.len().checked_rem(self.inputs()) != Some(0) {
            return Err(Error::shape(
                op,
                format!("{} input values is not a multiple of {} inputs", x.len(), self.inputs()),
            ));
        }
        let n = x.len() / self.inputs();
        let sizes = self.sizes();
        let mut h = x.to_vec();
        for l in 0..self.n_layers() {
            let (d_in, d_out) = (sizes[l], sizes[l + 1]);
            let w = &theta[self.weight_range(l)];
            let b = &theta[self.bias_range(l)];
            let mut next = vec![0.0; n * d_out];
            for (row_in, row_out) in h.chunks(d_in).zip(next.chunks_mut(d_out)) {
                row_out.copy_from_slice(b);
                for (k, &xk) in row_in.iter().enumerate() {
                    for (o, &wkj) in row_out.iter_mut().zip(&w[k * d_out..(k + 1) * d_out]) {
                        *o += xk * wkj;
                    }
                }
                if l + 1 < self.n_layers() {
                    row_out.iter_mut().for_each(|v| *v = self.activation().apply(*v));
                }
            }
            h = next;
        }
        Ok(h)
    }

    /// The predicted mean response at `x` (`n x inputs`): `f` for Gaussian heads, the
    /// probability of class 1 for Bernoulli, the class probabilities (`n x outputs`) for
    /// categorical.
    pub fn predict(&self, theta: &[f64], x: &[f64]) -> Result<Vec<f64>> {
        let f = self.forward(theta, x)?;
        let mut out = vec![0.0; f.len()];
        self.likelihood().mean_response(&f, self.outputs(), &mut out);
        Ok(out)
    }

    /// Posterior predictive of the mean response at `x` over all draws of `post`: per
    /// output, the mean, the variance and the `probs` quantiles (e.g. `[0.05, 0.95]` for a
    /// 90% band).
    pub fn predictive(&self, post: &Posterior, x: &[f64], probs: &[f64]) -> Result<PredictiveSummary> {
        if post.dim() != self.dim() {
            return Err(Error::shape(
                "Bnn::predictive",
                format!("draws have {} parameters, the network {}", post.dim(), self.dim()),
            ));
        }
        let n_out = x.len() / self.inputs() * self.outputs();
        post.predictive(n_out, probs, |theta, out| {
            out.copy_from_slice(&self.predict(theta, x)?);
            Ok(())
        })
    }
}
