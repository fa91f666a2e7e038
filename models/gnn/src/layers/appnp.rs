//! [`Appnp`]: approximate personalised-PageRank propagation (Klicpera et al. 2019),
//! `Z_0 = H`, `Z_{k+1} = (1 - alpha) Â Z_k + alpha H`, `K` steps.

use crate::sparse::{spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{Dropout, Mode};
use weft_autograd::{Float, Tensor};
use weft_ops::{Error, Result};

/// APPNP propagation (no parameters), with optional dropout on the edge values at each step.
pub struct Appnp {
    k: usize,
    alpha: f64,
    edge_dropout: Dropout,
}

impl Appnp {
    /// `k` steps with teleport probability `alpha` in `[0, 1]`; `edge_dropout` drops entries
    /// of `Â` in training (0 for none).
    pub fn new(k: usize, alpha: f64, edge_dropout: f64, seed: u64) -> Result<Self> {
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::invalid("Appnp", format!("alpha {alpha} is not in [0, 1]")));
        }
        Ok(Appnp { k, alpha, edge_dropout: Dropout::new(edge_dropout, seed)? })
    }

    /// Propagates `h` (`[n, c]`) over `Â` (`a_hat` with values `norm`).
    pub fn forward<T: Float>(
        &self,
        a_hat: &CsrMatrix,
        norm: &Tensor<T>,
        h: &Tensor<T>,
        mode: Mode,
    ) -> Result<Tensor<T>> {
        let teleport = h.mul_scalar(self.alpha)?;
        let mut z = h.clone();
        for _ in 0..self.k {
            let values = self.edge_dropout.forward(norm, mode)?;
            z = spmm(a_hat, Some(&values), &z, Aggregation::Sum)?
                .mul_scalar(1.0 - self.alpha)?
                .add(&teleport)?;
        }
        Ok(z)
    }
}
