//! Bayesian linear regression with known noise against its closed-form Gaussian posterior.

mod common;
use common::*;
use weft_bayes::{sample_chains, uniform_inits, FnDensity, SamplerConfig};
use weft_ops::rng::Philox;

/// Inverse of a small SPD matrix by Gauss-Jordan elimination.
fn invert(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    for c in 0..n {
        let p = m[c * n + c];
        for j in 0..n {
            m[c * n + j] /= p;
            inv[c * n + j] /= p;
        }
        for r in 0..n {
            if r != c {
                let f = m[r * n + c];
                for j in 0..n {
                    m[r * n + j] -= f * m[c * n + j];
                    inv[r * n + j] -= f * inv[c * n + j];
                }
            }
        }
    }
    inv
}

#[test]
fn linear_regression_matches_closed_form_posterior() {
    let (n, p) = (40, 3);
    let (sigma, tau) = (0.5, 2.0);
    let beta_true = [1.0, -2.0, 0.5];
    let mut rng = Philox::new(123);
    let x: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| x[i * p + j] * beta_true[j]).sum::<f64>() + sigma * rng.normal())
        .collect();
    // Posterior: Sigma = (X^T X / s^2 + I / t^2)^-1, mu = Sigma X^T y / s^2.
    let mut a = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            a[i * p + j] = (0..n).map(|r| x[r * p + i] * x[r * p + j]).sum::<f64>() / (sigma * sigma);
        }
        a[i * p + i] += 1.0 / (tau * tau);
    }
    let cov = invert(&a, p);
    let xty: Vec<f64> =
        (0..p).map(|j| (0..n).map(|r| x[r * p + j] * y[r]).sum::<f64>() / (sigma * sigma)).collect();
    let mu: Vec<f64> = (0..p).map(|i| (0..p).map(|j| cov[i * p + j] * xty[j]).sum()).collect();

    let make = |_| {
        let (x, y) = (x.clone(), y.clone());
        Ok(FnDensity::new(p, move |b: &[f64], g: &mut [f64]| {
            let mut lp = 0.0;
            for j in 0..p {
                g[j] = -b[j] / (tau * tau);
                lp -= 0.5 * b[j] * b[j] / (tau * tau);
            }
            for r in 0..n {
                let row = &x[r * p..(r + 1) * p];
                let res = y[r] - row.iter().zip(b).map(|(a, c)| a * c).sum::<f64>();
                lp -= 0.5 * res * res / (sigma * sigma);
                for j in 0..p {
                    g[j] += res * row[j] / (sigma * sigma);
                }
            }
            Ok(lp)
        }))
    };
    let cfg = SamplerConfig::nuts().iterations(500, 1000);
    let post = sample_chains(make, &uniform_inits(p, 4, 2.0, 8), &cfg, 21, None, None).unwrap();
    assert_eq!(post.divergences(), 0);
    for i in 0..p {
        assert_expectation(&post, "posterior mean", |b| b[i], mu[i]);
        for j in 0..=i {
            let (mi, mj) = (mu[i], mu[j]);
            assert_expectation(&post, "posterior covariance", |b| (b[i] - mi) * (b[j] - mj), cov[i * p + j]);
        }
    }
}

#[test]
fn posterior_predictive_of_a_linear_mean() {
    // mu ~ posterior N(m, s^2) of a Gaussian mean (prior N(0, 10^2), 20 observations, sd 1);
    // predictions f(x) = mu * x at x = -1, 0, 2 have mean m x and sd s |x|.
    let mut rng = Philox::new(9);
    let y: Vec<f64> = (0..20).map(|_| 0.7 + rng.normal()).collect();
    let prec = 20.0 + 0.01;
    let (m, s) = (y.iter().sum::<f64>() / prec, (1.0 / prec).sqrt());
    let make = |_| {
        let y = y.clone();
        Ok(FnDensity::new(1, move |t: &[f64], g: &mut [f64]| {
            g[0] = -t[0] / 100.0 + y.iter().map(|v| v - t[0]).sum::<f64>();
            Ok(-t[0] * t[0] / 200.0 - 0.5 * y.iter().map(|v| (v - t[0]).powi(2)).sum::<f64>())
        }))
    };
    let cfg = SamplerConfig::nuts().iterations(500, 2000);
    let post = sample_chains(make, &uniform_inits(1, 4, 2.0, 2), &cfg, 3, None, None).unwrap();
    let xs = [-1.0, 0.0, 2.0];
    let pred = post
        .predictive(3, &[0.05, 0.5, 0.95], |t, out| {
            for (o, x) in out.iter_mut().zip(xs) {
                *o = t[0] * x;
            }
            Ok(())
        })
        .unwrap();
    let (_, mcse) = mean_and_mcse(&post, |t| t[0]);
    let (_, mcse_sq) = mean_and_mcse(&post, |t| (t[0] - m).powi(2));
    let draws = post.param(0).unwrap();
    let refs: Vec<&[f64]> = draws.iter().map(|c| c.as_slice()).collect();
    let ess_tail = weft_bayes::diagnostics::ess_tail(&refs).unwrap();
    for (j, &x) in xs.iter().enumerate() {
        assert!((pred.mean[j] - m * x).abs() <= K * mcse * x.abs() + 1e-12, "mean at {x}");
        // Var = E[(f - E f)^2]; its MCSE scales with x^2.
        assert!((pred.variance[j] - s * s * x * x).abs() <= K * mcse_sq * x * x + 1e-12, "var at {x}");
        // The 90% band of a normal is m x -+ 1.645 s |x|. A sample 5% quantile has sd
        // sqrt(p (1 - p) / ESS) / phi(z_p) * scale = 2.113 * s |x| / sqrt(ESS_tail).
        let half = (pred.quantiles[2][j] - pred.quantiles[0][j]) / 2.0;
        let q_sd = (0.05f64 * 0.95 / ess_tail).sqrt() / 0.103_135_603_678_92 * s * x.abs();
        let err = (half - 1.644_853_626_951_472_2 * s * x.abs()).abs();
        assert!(err <= K * q_sd + 1e-12, "band at {x}: error {err}, quantile sd {q_sd}");
    }
    assert!(post.predictive(1, &[1.5], |_, _| Ok(())).is_err());
    assert!(post
        .predictive(1, &[0.5], |_, o| {
            o[0] = f64::NAN;
            Ok(())
        })
        .is_err());
}
