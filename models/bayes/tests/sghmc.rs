//! Adaptive SGHMC on Gaussian targets, full batch and minibatch.

mod common;
use common::*;
use weft_bayes::{sample_sghmc_chains, FullBatch, MinibatchDensity, SghmcConfig};
use weft_ops::rng::Philox;
use weft_ops::Result;

/// Stationary Var(x) of x' = x + v', v' = (1 - c) v - a x + xi (a = lr^2 m k).
fn stationary_variance(lr: f64, c: f64, m: f64, k: f64) -> f64 {
    let eta = lr * lr;
    let a = eta * m * k;
    let q = (2.0 * eta * c * m - eta * eta).max(1e-16);
    // Fixed point of S = A S A^T + q 11^T with A = [[1 - a, 1 - c], [-a, 1 - c]].
    let (mut sxx, mut sxv, mut svv) = (0.0, 0.0, 0.0);
    for _ in 0..200_000 {
        let (a11, a12, a21, a22) = (1.0 - a, 1.0 - c, -a, 1.0 - c);
        let nxx = a11 * a11 * sxx + 2.0 * a11 * a12 * sxv + a12 * a12 * svv + q;
        let nxv = a11 * a21 * sxx + (a11 * a22 + a12 * a21) * sxv + a12 * a22 * svv + q;
        let nvv = a21 * a21 * sxx + 2.0 * a21 * a22 * sxv + a22 * a22 * svv + q;
        let done = (nxx - sxx).abs() < 1e-15 * nxx;
        (sxx, sxv, svv) = (nxx, nxv, nvv);
        if done {
            break;
        }
    }
    sxx
}

#[test]
fn sghmc_full_batch_gaussian_moments() {
    // N(0, diag(1, 4)).
    let make = |_| {
        Ok(FullBatch(weft_bayes::FnDensity::new(2, |x: &[f64], g: &mut [f64]| {
            g[0] = -x[0];
            g[1] = -x[1] / 4.0;
            Ok(-0.5 * x[0] * x[0] - x[1] * x[1] / 8.0)
        })))
    };
    let cfg = SghmcConfig { lr: 0.1, burn_in: 2000, draws: 4000, thin: 5, ..Default::default() };
    let inits = vec![vec![1.0, -1.0], vec![-1.0, 2.0], vec![0.5, 0.5], vec![0.0, -2.0]];
    let post = sample_sghmc_chains(make, &inits, &cfg, 3, None, None).unwrap();
    assert_expectation(&post, "mean x", |x| x[0], 0.0);
    assert_expectation(&post, "mean y", |x| x[1], 0.0);
    // SGHMC has no Metropolis correction: on a Gaussian coordinate with curvature k its
    // update is the linear recursion v' = (1 - C) v - lr^2 m k x + xi, x' = x + v' with
    // Var xi = 2 lr^2 C m - lr^4 and m the adapted M^-1 of that chain. Its stationary variance
    // (a 2x2 Lyapunov equation) is the truth here, within 5 MCSE.
    for (j, k) in [(0, 1.0), (1, 0.25)] {
        let predicted: f64 = post
            .chains()
            .iter()
            .map(|c| match &c.metric {
                weft_bayes::Metric::Diagonal(m) => stationary_variance(cfg.lr, cfg.mdecay, m[j], k),
                other => panic!("unexpected metric {other:?}"),
            })
            .sum::<f64>()
            / post.n_chains() as f64;
        assert_expectation(&post, "E[x^2]", |x| x[j] * x[j], predicted);
        // ... which is within 15% of the exact 1 / k at this learning rate.
        assert!((predicted * k - 1.0).abs() < 0.15, "predicted {predicted}");
    }
    assert_eq!(post.divergences(), 0);
}

/// y_i ~ N(mu, 1), i = 1..N, prior mu ~ N(0, 10^2); minibatches of B with the likelihood
/// scaled by N / B.
struct GaussianMean {
    y: Vec<f64>,
    batch: usize,
}

impl MinibatchDensity for GaussianMean {
    fn dim(&self) -> usize {
        1
    }
    fn minibatch_log_density_and_grad(&mut self, t: &[f64], rng: &mut Philox, g: &mut [f64]) -> Result<f64> {
        let n = self.y.len();
        let scale = n as f64 / self.batch as f64;
        let mut lp = -t[0] * t[0] / 200.0;
        g[0] = -t[0] / 100.0;
        for _ in 0..self.batch {
            let y = self.y[rng.below(n as u64) as usize];
            lp -= scale * 0.5 * (y - t[0]).powi(2);
            g[0] += scale * (y - t[0]);
        }
        Ok(lp)
    }
}

#[test]
fn sghmc_minibatch_posterior_mean() {
    let mut rng = Philox::new(5);
    let y: Vec<f64> = (0..1000).map(|_| 1.5 + rng.normal()).collect();
    let n = y.len() as f64;
    let post_prec = n + 0.01;
    let post_mean = y.iter().sum::<f64>() / post_prec;
    let cfg = SghmcConfig { lr: 0.05, burn_in: 1000, draws: 2000, thin: 5, ..Default::default() };
    let inits = vec![vec![0.0], vec![3.0]];
    let post =
        sample_sghmc_chains(|_| Ok(GaussianMean { y: y.clone(), batch: 50 }), &inits, &cfg, 8, None, None)
            .unwrap();
    assert_expectation(&post, "posterior mean", |t| t[0], post_mean);
}
