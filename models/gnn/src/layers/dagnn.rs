//! [`DagnnProp`]: the adaptive-depth propagation of DAGNN (Liu, Gao & Ji 2020, "Towards Deeper
//! Graph Neural Networks"): `H_k = Â^k Z` for `k = 0..K`, retainment scores
//! `s_k = sigmoid(H_k w + b)` per node, output `sum_k s_k H_k`.

use crate::sparse::{spmm, Aggregation, CsrMatrix};
use weft_autograd::nn::{Linear, Module, Param};
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// DAGNN's propagation with its learnable projection `w` (`[c, 1]`, plus bias).
pub struct DagnnProp<T: Float> {
    /// The retainment-score projection `c -> 1`.
    pub proj: Linear<T>,
    k: usize,
}

impl<T: Float> DagnnProp<T> {
    /// `k` hops over `c`-wide node representations.
    pub fn new(c: usize, k: usize, rng: &mut Philox, device: Device) -> Result<Self> {
        Ok(DagnnProp { proj: Linear::new(c, 1, true, rng, device)?, k })
    }

    /// Adaptive combination of `Â^k z`, `k = 0..=K`, for `z` `[n, c]`.
    pub fn forward(&self, a_hat: &CsrMatrix, norm: &Tensor<T>, z: &Tensor<T>) -> Result<Tensor<T>> {
        let mut hops = vec![z.clone()];
        for _ in 0..self.k {
            let next = spmm(a_hat, Some(norm), hops.last().unwrap_or(z), Aggregation::Sum)?;
            hops.push(next);
        }
        let refs: Vec<&Tensor<T>> = hops.iter().collect();
        let stacked = Tensor::stack(&refs, 1)?; // [n, K + 1, c]
        let scores = self.proj.forward(&stacked)?.sigmoid()?; // [n, K + 1, 1]
        stacked.mul(&scores)?.sum(1)
    }
}

impl<T: Float> Module<T> for DagnnProp<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        weft_autograd::nn::param::prefixed("proj", self.proj.named_parameters())
    }
}
