//! The posterior summary table, printed like ArviZ's `az.summary` / Stan's `stansummary`:
//! mean, sd, 5% / 50% / 95% quantiles, MCSE of the mean, bulk and tail ESS, R-hat per
//! parameter, then the sampler counts.

use crate::diagnostics::{ess_bulk, ess_tail, mcse_mean, quantile, rhat};
use crate::posterior::Posterior;
use std::fmt::{self, Write as _};
use weft_ops::Result;

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Parameter name.
    pub name: String,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation.
    pub sd: f64,
    /// 5% quantile.
    pub q5: f64,
    /// Median.
    pub q50: f64,
    /// 95% quantile.
    pub q95: f64,
    /// Monte Carlo standard error of the mean.
    pub mcse_mean: f64,
    /// Bulk effective sample size.
    pub ess_bulk: f64,
    /// Tail effective sample size.
    pub ess_tail: f64,
    /// Rank-normalised split R-hat (max of bulk and folded).
    pub r_hat: f64,
}

/// The summary of a [`Posterior`].
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// One row per parameter.
    pub rows: Vec<SummaryRow>,
    /// Number of chains.
    pub n_chains: usize,
    /// Draws per chain.
    pub n_draws: usize,
    /// Divergent transitions after warm-up.
    pub divergences: usize,
    /// Transitions at the maximum tree depth.
    pub max_depth_hits: usize,
    /// Mean acceptance statistic.
    pub mean_accept: f64,
    /// Adapted step size per chain.
    pub step_sizes: Vec<f64>,
    /// Gradient evaluations (all chains, warm-up included).
    pub n_grad_evals: u64,
}

impl Summary {
    /// Smallest bulk ESS over the parameters.
    pub fn min_ess_bulk(&self) -> f64 {
        self.rows.iter().map(|r| r.ess_bulk).fold(f64::INFINITY, f64::min)
    }
    /// Largest R-hat over the parameters.
    pub fn max_rhat(&self) -> f64 {
        self.rows.iter().map(|r| r.r_hat).fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Summary of one scalar given as one slice per chain.
pub fn summarize(name: &str, chains: &[&[f64]]) -> Result<SummaryRow> {
    let all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let sd = (all.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    Ok(SummaryRow {
        name: name.to_string(),
        mean,
        sd,
        q5: quantile(chains, 0.05),
        q50: quantile(chains, 0.5),
        q95: quantile(chains, 0.95),
        mcse_mean: mcse_mean(chains)?,
        ess_bulk: ess_bulk(chains)?,
        ess_tail: ess_tail(chains)?,
        r_hat: rhat(chains)?,
    })
}

impl Posterior {
    /// The summary table (needs at least 4 draws per chain).
    pub fn summary(&self) -> Result<Summary> {
        let mut rows = Vec::with_capacity(self.dim());
        for (j, name) in self.names().iter().enumerate() {
            let p = self.param(j)?;
            let refs: Vec<&[f64]> = p.iter().map(|c| c.as_slice()).collect();
            rows.push(summarize(name, &refs)?);
        }
        Ok(Summary {
            rows,
            n_chains: self.n_chains(),
            n_draws: self.n_draws(),
            divergences: self.divergences(),
            max_depth_hits: self.max_depth_hits(),
            mean_accept: self.mean_accept(),
            step_sizes: self.step_sizes(),
            n_grad_evals: self.n_grad_evals(),
        })
    }
}

impl Summary {
    fn write_rows(&self, f: &mut impl fmt::Write, rows: &[&SummaryRow]) -> fmt::Result {
        let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
        writeln!(
            f,
            "{:<w$} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>6}",
            "", "mean", "sd", "5%", "50%", "95%", "mcse", "ess_bulk", "ess_tail", "r_hat"
        )?;
        for r in rows {
            writeln!(
                f,
                "{:<w$} {:>9.3} {:>8.3} {:>9.3} {:>9.3} {:>9.3} {:>9.4} {:>8.0} {:>8.0} {:>6.3}",
                r.name, r.mean, r.sd, r.q5, r.q50, r.q95, r.mcse_mean, r.ess_bulk, r.ess_tail, r.r_hat
            )?;
        }
        Ok(())
    }

    fn write_counts(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let eps: Vec<String> = self.step_sizes.iter().map(|e| format!("{e:.3}")).collect();
        writeln!(
            f,
            "{} chains x {} draws; divergences: {}; max tree depth hits: {}; mean accept: {:.3}; step sizes: [{}]; gradient evaluations: {}",
            self.n_chains,
            self.n_draws,
            self.divergences,
            self.max_depth_hits,
            self.mean_accept,
            eps.join(", "),
            self.n_grad_evals
        )
    }

    /// A short table for models with many parameters (e.g. a BNN): the `k` rows with the
    /// largest R-hat and the `k` with the smallest bulk ESS (without repeats), then the
    /// overall minimum bulk / tail ESS, maximum R-hat and the sampler counts.
    pub fn compact(&self, k: usize) -> String {
        let mut by_rhat: Vec<&SummaryRow> = self.rows.iter().collect();
        by_rhat.sort_by(|a, b| b.r_hat.total_cmp(&a.r_hat));
        let mut by_ess: Vec<&SummaryRow> = self.rows.iter().collect();
        by_ess.sort_by(|a, b| a.ess_bulk.total_cmp(&b.ess_bulk));
        let mut picked: Vec<&SummaryRow> = Vec::with_capacity(2 * k);
        for r in by_rhat.into_iter().take(k).chain(by_ess.into_iter().take(k)) {
            if !picked.iter().any(|p| std::ptr::eq(*p, r)) {
                picked.push(r);
            }
        }
        let min_tail = self.rows.iter().map(|r| r.ess_tail).fold(f64::INFINITY, f64::min);
        let mut out = String::new();
        let _ = writeln!(out, "{} parameters; worst {k} by R-hat and by bulk ESS:", self.rows.len());
        let _ = self.write_rows(&mut out, &picked);
        let _ = writeln!(
            out,
            "\nmin ess_bulk: {:.0}; min ess_tail: {:.0}; max r_hat: {:.3}",
            self.min_ess_bulk(),
            min_tail,
            self.max_rhat()
        );
        let _ = self.write_counts(&mut out);
        out
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<&SummaryRow> = self.rows.iter().collect();
        self.write_rows(f, &rows)?;
        writeln!(f)?;
        self.write_counts(f)
    }
}
