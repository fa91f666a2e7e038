//! Effective sample size with Geyer's initial monotone sequence on the multi-chain
//! autocorrelation estimate (Stan / ArviZ), in its bulk (rank-normalised), tail (5% and 95%
//! quantile indicators) and plain (for the MCSE of the mean) variants.

use super::check_chains;
use super::rhat::{rank_normalize, split_chains};
use weft_ops::Result;

/// The `p`-quantile of sorted data with linear interpolation (NumPy's default).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The `p`-quantile of all draws pooled.
pub fn quantile(chains: &[&[f64]], p: f64) -> f64 {
    let mut all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    all.sort_by(f64::total_cmp);
    quantile_sorted(&all, p)
}

/// ESS of the given chains (no splitting, no normalisation): ArviZ's `_ess`.
pub fn ess(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains[0].len();
    let total = (m * n) as f64;
    if chains.iter().flatten().any(|x| !x.is_finite()) {
        return f64::NAN;
    }
    let (mn, mx) =
        chains.iter().flatten().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if mx - mn < 1e-15 {
        return total;
    }
    if n < 4 {
        return f64::NAN;
    }
    let nf = n as f64;
    let means: Vec<f64> = chains.iter().map(|c| c.iter().sum::<f64>() / nf).collect();
    let centred: Vec<Vec<f64>> =
        chains.iter().zip(&means).map(|(c, mu)| c.iter().map(|x| x - mu).collect()).collect();
    // Mean over chains of the biased autocovariance at lag t.
    let acov = |t: usize| -> f64 {
        centred
            .iter()
            .map(|c| c[..n - t].iter().zip(&c[t..]).map(|(a, b)| a * b).sum::<f64>() / nf)
            .sum::<f64>()
            / m as f64
    };
    let acov0 = acov(0);
    let mean_var = acov0 * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        let mm = means.iter().sum::<f64>() / m as f64;
        var_plus += means.iter().map(|x| (x - mm) * (x - mm)).sum::<f64>() / (m as f64 - 1.0);
    }
    let rho = |t: usize| 1.0 - (mean_var - acov(t)) / var_plus;
    let mut rho_hat = vec![0.0; n];
    let mut rho_even = 1.0;
    rho_hat[0] = rho_even;
    let mut rho_odd = rho(1);
    rho_hat[1] = rho_odd;
    // Geyer's initial positive sequence.
    let mut t = 1;
    while t < n - 3 && rho_even + rho_odd > 0.0 {
        rho_even = rho(t + 1);
        rho_odd = rho(t + 2);
        if rho_even + rho_odd >= 0.0 {
            rho_hat[t + 1] = rho_even;
            rho_hat[t + 2] = rho_odd;
        }
        t += 2;
    }
    let max_t = t - 2;
    if rho_even > 0.0 {
        rho_hat[max_t + 1] = rho_even;
    }
    // Geyer's initial monotone sequence.
    let mut t = 1;
    while t + 2 <= max_t {
        if rho_hat[t + 1] + rho_hat[t + 2] > rho_hat[t - 1] + rho_hat[t] {
            rho_hat[t + 1] = 0.5 * (rho_hat[t - 1] + rho_hat[t]);
            rho_hat[t + 2] = rho_hat[t + 1];
        }
        t += 2;
    }
    let tau = -1.0 + 2.0 * rho_hat[..=max_t].iter().sum::<f64>() + rho_hat[max_t + 1];
    let tau = tau.max(1.0 / total.log10());
    total / tau
}

fn refs(v: &[Vec<f64>]) -> Vec<&[f64]> {
    v.iter().map(|c| c.as_slice()).collect()
}

/// Bulk ESS: ESS of the rank-normalised split chains. Needs 4 draws per chain.
pub fn ess_bulk(chains: &[&[f64]]) -> Result<f64> {
    check_chains("ess_bulk", chains, 4)?;
    Ok(ess(&rank_normalize(&split_chains(chains))))
}

/// ESS of the split chains as they are (for the MCSE of the mean).
pub fn ess_mean(chains: &[&[f64]]) -> Result<f64> {
    check_chains("ess_mean", chains, 4)?;
    Ok(ess(&split_chains(chains)))
}

/// Tail ESS: the smaller ESS of the indicators `x <= q_0.05` and `x <= q_0.95` (split chains).
pub fn ess_tail(chains: &[&[f64]]) -> Result<f64> {
    check_chains("ess_tail", chains, 4)?;
    let mut best = f64::INFINITY;
    for p in [0.05, 0.95] {
        let q = quantile(chains, p);
        let ind: Vec<Vec<f64>> =
            chains.iter().map(|c| c.iter().map(|&x| if x <= q { 1.0 } else { 0.0 }).collect()).collect();
        best = best.min(ess(&split_chains(&refs(&ind))));
    }
    Ok(best)
}

/// Monte Carlo standard error of the posterior mean: `sd / sqrt(ess_mean)`.
pub fn mcse_mean(chains: &[&[f64]]) -> Result<f64> {
    let e = ess_mean(chains)?;
    let all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    let n = all.len() as f64;
    let m = all.iter().sum::<f64>() / n;
    let sd = (all.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt();
    Ok(sd / e.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert!((quantile_sorted(&s, 0.05) - 1.15).abs() < 1e-12);
    }

    #[test]
    fn constant_chain_has_full_ess_and_short_chain_errors() {
        let c = vec![2.0; 10];
        assert_eq!(ess_bulk(&[&c]).unwrap(), 10.0);
        assert!(ess_bulk(&[&c[..2]]).is_err());
        assert!(ess_mean(&[&c, &c[..5]]).is_err());
    }
}
