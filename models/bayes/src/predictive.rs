//! Posterior predictive summaries: push every draw through a prediction function and report,
//! per output, the mean, the variance and chosen quantiles over all draws of all chains.

use crate::diagnostics::ess::quantile_sorted;
use crate::posterior::Posterior;
use weft_ops::{Error, Result};

/// Per-output summary of the predictions of all draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveSummary {
    /// Mean prediction per output.
    pub mean: Vec<f64>,
    /// Variance of the prediction per output (over draws, `n - 1` denominator).
    pub variance: Vec<f64>,
    /// The requested probabilities.
    pub probs: Vec<f64>,
    /// `quantiles[k][j]`: the `probs[k]` quantile of output `j`.
    pub quantiles: Vec<Vec<f64>>,
}

impl Posterior {
    /// Runs `predict(theta, out)` (writing `n_out` values) on every draw and summarises the
    /// outputs; `probs` in `[0, 1]` (e.g. `[0.05, 0.5, 0.95]` for a 90% band).
    pub fn predictive<F>(&self, n_out: usize, probs: &[f64], mut predict: F) -> Result<PredictiveSummary>
    where
        F: FnMut(&[f64], &mut [f64]) -> Result<()>,
    {
        if let Some(p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(Error::invalid("Posterior::predictive", format!("probability {p} outside [0, 1]")));
        }
        let n_draws = self.n_chains() * self.n_draws();
        let mut all = vec![0.0; n_draws * n_out];
        let mut k = 0;
        for c in self.chains() {
            for i in 0..c.len() {
                predict(c.draw(i), &mut all[k * n_out..(k + 1) * n_out])?;
                k += 1;
            }
        }
        let mut mean = vec![0.0; n_out];
        let mut variance = vec![0.0; n_out];
        let mut quantiles = vec![vec![0.0; n_out]; probs.len()];
        let mut col = vec![0.0; n_draws];
        for j in 0..n_out {
            for (d, x) in col.iter_mut().enumerate() {
                *x = all[d * n_out + j];
            }
            if let Some(bad) = col.iter().position(|x| !x.is_finite()) {
                return Err(Error::numerical(
                    "Posterior::predictive",
                    format!("prediction {j} of draw {bad} is {}", col[bad]),
                ));
            }
            let m = col.iter().sum::<f64>() / n_draws as f64;
            mean[j] = m;
            variance[j] =
                col.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n_draws as f64 - 1.0).max(1.0);
            col.sort_by(f64::total_cmp);
            for (q, &p) in quantiles.iter_mut().zip(probs) {
                q[j] = quantile_sorted(&col, p);
            }
        }
        Ok(PredictiveSummary { mean, variance, probs: probs.to_vec(), quantiles })
    }
}
