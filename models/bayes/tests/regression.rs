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
            a[i * p + j] =
                (0..n).map(|r| x[r * p + i] * x[r * p + j]).sum::<f64>() / (sigma * sigma);
        }
        a[i * p + i] += 1.0 / (tau * tau);
    }
    let cov = invert(&a, p);
    let xty: Vec<f64> = (0..p)
        .map(|j| (0..n).map(|r| x[r * p + j] * y[r]).sum::<f64>() / (sigma * sigma))
        .collect();
    let mu: Vec<f64> = (0..p)
        .map(|i| (0..p).map(|j| cov[i * p + j] * xty[j]).sum())
        .collect();

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
            assert_expectation(
                &post,
                "posterior covariance",
                |b| (b[i] - mi) * (b[j] - mj),
                cov[i * p + j],
            );
        }
    }
}
