//! End-to-end gradient checks of composite models: a 2-layer tanh MLP with a log-softmax
//! negative log-likelihood (labels picked with `index_select`), and a Gaussian-process
//! marginal likelihood through Cholesky and a triangular solve.

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_autograd::{Indices, Tensor};
use weft_ops::{rng::Philox, Device, Result};
use weft_tests::{Input, View};

/// Mean negative log-likelihood of `labels` under a 2-layer tanh MLP with softmax output.
/// `xs` = [inputs `[n, d]`, w1 `[d, h]`, b1 `[h]`, w2 `[h, c]`, b2 `[c]`].
fn mlp_nll(xs: &[Tensor<f64>], labels: &[u32]) -> Result<Tensor<f64>> {
    let (n, c) = (xs[0].shape()[0], xs[3].shape()[1]);
    let hidden = xs[0].matmul(&xs[1])?.add(&xs[2])?.tanh()?;
    let logp = hidden.matmul(&xs[3])?.add(&xs[4])?.log_softmax(1)?;
    let picks = Indices::new(labels.iter().enumerate().map(|(i, &y)| (i * c) as u32 + y).collect());
    debug_assert_eq!(labels.len(), n);
    logp.flatten()?.index_select(0, &picks)?.mean_all()?.neg()
}

/// `0.5 yᵀ K⁻¹ y + log det L` with `K = X Xᵀ + σ² I`, `L = chol(K)`.
/// `xs` = [inputs `[n, d]`, targets `[n, 1]`, noise σ as a `[1]` tensor].
fn gp_nll(xs: &[Tensor<f64>]) -> Result<Tensor<f64>> {
    let n = xs[0].shape()[0];
    let eye = Tensor::eye(n, Device::Cpu)?;
    let k = xs[0].matmul(&xs[0].t()?)?.add(&eye.mul(&xs[2].square()?)?)?;
    let l = k.cholesky()?;
    let alpha = xs[1].solve_triangular(&l, true, false)?;
    let fit = alpha.square()?.sum_all()?.mul_scalar(0.5)?;
    let log_det = l.mul(&eye)?.sum(1)?.log()?.sum_all()?;
    fit.add(&log_det)
}

fn uniform(rng: &mut Philox, n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|_| scale * (2.0 * rng.uniform() - 1.0)).collect()
}

proptest! {
    #![proptest_config(config(24))]

    /// Gradients of the MLP loss with respect to the data and every parameter.
    #[test]
    fn mlp_log_softmax_nll(
        (n, d, h, c) in (1usize..=5, 1usize..=3, 1usize..=5, 2usize..=4),
        seed in any::<u64>(),
        transposed_weights in any::<bool>(),
    ) {
        let mut rng = Philox::new(seed);
        let labels: Vec<u32> = (0..n).map(|_| rng.below(c as u64) as u32).collect();
        let wv = if transposed_weights { View::Transposed } else { View::Contiguous };
        let inputs = [
            Input::new(&[n, d], uniform(&mut rng, n * d, 2.0)),
            Input::new(&[d, h], uniform(&mut rng, d * h, 1.0)).with_view(wv),
            Input::new(&[h], uniform(&mut rng, h, 0.5)),
            Input::new(&[h, c], uniform(&mut rng, h * c, 1.0)).with_view(wv),
            Input::new(&[c], uniform(&mut rng, c, 0.5)),
        ];
        prop_check(|xs| mlp_nll(xs, &labels), &inputs)?;
    }

    /// Gradients of a GP negative log marginal likelihood with respect to the inputs, the
    /// targets and the noise scale.
    #[test]
    fn gaussian_process_nll((n, d) in (1usize..=5, 1usize..=3), seed in any::<u64>()) {
        let mut rng = Philox::new(seed);
        let inputs = [
            Input::new(&[n, d], uniform(&mut rng, n * d, 1.0)),
            Input::new(&[n, 1], uniform(&mut rng, n, 2.0)),
            Input::new(&[1], vec![0.5 + rng.uniform()]),
        ];
        prop_check(gp_nll, &inputs)?;
    }
}
