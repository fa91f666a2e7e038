//! Shared helpers for the sampler tests: targets and Monte-Carlo-error based checks.
#![allow(dead_code)]

use weft_bayes::diagnostics::mcse_mean;
use weft_bayes::{FnDensity, LogDensity, Posterior};
use weft_ops::Result;

/// Number of Monte Carlo standard errors allowed (two-sided normal tail 5.7e-7 per check).
pub const K: f64 = 5.0;

/// Posterior mean of `f` over all chains and its MCSE (from the ESS of the `f` draws).
pub fn mean_and_mcse<F: Fn(&[f64]) -> f64>(post: &Posterior, f: F) -> (f64, f64) {
    let v = post.map(f);
    let refs: Vec<&[f64]> = v.iter().map(|c| c.as_slice()).collect();
    let n: usize = v.iter().map(|c| c.len()).sum();
    let mean = v.iter().flatten().sum::<f64>() / n as f64;
    (mean, mcse_mean(&refs).unwrap())
}

/// Asserts `E[f] = truth` within `K` MCSE.
pub fn assert_expectation<F: Fn(&[f64]) -> f64>(post: &Posterior, what: &str, f: F, truth: f64) {
    let (m, se) = mean_and_mcse(post, f);
    assert!(
        (m - truth).abs() < K * se,
        "{what}: estimate {m} vs truth {truth}, |diff| = {} > {K} * mcse {se}",
        (m - truth).abs()
    );
}

/// Isotropic standard normal in `d` dimensions.
pub fn std_normal(d: usize) -> impl LogDensity + Clone {
    FnDensity::new(d, move |x: &[f64], g: &mut [f64]| -> Result<f64> {
        let mut lp = 0.0;
        for i in 0..x.len() {
            g[i] = -x[i];
            lp -= 0.5 * x[i] * x[i];
        }
        Ok(lp)
    })
}

/// Zero-mean Gaussian with precision matrix `prec` (row-major `d x d`).
pub fn gaussian_with_precision(prec: Vec<f64>) -> impl LogDensity + Clone {
    let d = (prec.len() as f64).sqrt() as usize;
    FnDensity::new(d, move |x: &[f64], g: &mut [f64]| -> Result<f64> {
        let mut lp = 0.0;
        for i in 0..d {
            let s: f64 = (0..d).map(|j| prec[i * d + j] * x[j]).sum();
            g[i] = -s;
            lp -= 0.5 * x[i] * s;
        }
        Ok(lp)
    })
}
