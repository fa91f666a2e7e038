//! Split R-hat on rank-normalised draws (bulk) and on rank-normalised absolute deviations
//! from the median (folded, sensitive to the tails); [`rhat`] is the larger of the two.

use super::check_chains;
use crate::special::normal_quantile;
use weft_ops::Result;

/// Splits every chain into its first and last halves (dropping the middle draw of odd chains).
pub fn split_chains(chains: &[&[f64]]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let half = c.len() / 2;
        out.push(c[..half].to_vec());
        out.push(c[c.len() - half..].to_vec());
    }
    out
}

/// Replaces every draw (pooled over chains) by `Phi^{-1}((rank - 3/8) / (S + 1/4))`, with
/// average ranks for ties.
pub fn rank_normalize(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let all: Vec<f64> = chains.iter().flatten().copied().collect();
    let s = all.len();
    let mut idx: Vec<usize> = (0..s).collect();
    idx.sort_by(|&a, &b| all[a].total_cmp(&all[b]));
    let mut rank = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i;
        while j + 1 < s && all[idx[j + 1]] == all[idx[i]] {
            j += 1;
        }
        let r = 0.5 * ((i + 1) + (j + 1)) as f64;
        for &k in &idx[i..=j] {
            rank[k] = r;
        }
        i = j + 1;
    }
    let mut out = Vec::with_capacity(chains.len());
    let mut k = 0;
    for c in chains {
        let mut z = Vec::with_capacity(c.len());
        for _ in c {
            z.push(normal_quantile((rank[k] - 0.375) / (s as f64 + 0.25)));
            k += 1;
        }
        out.push(z);
    }
    out
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// Classic (Gelman-Rubin) R-hat of the given chains, no splitting. NaN when the within-chain
/// variance is 0.
pub fn rhat_basic(chains: &[Vec<f64>]) -> f64 {
    let n = chains[0].len() as f64;
    let stats: Vec<(f64, f64)> = chains.iter().map(|c| mean_var(c)).collect();
    let means: Vec<f64> = stats.iter().map(|s| s.0).collect();
    let b = if means.len() > 1 { n * mean_var(&means).1 } else { 0.0 };
    let w = stats.iter().map(|s| s.1).sum::<f64>() / stats.len() as f64;
    ((b / w + n - 1.0) / n).sqrt()
}

/// Rank-normalised split R-hat (bulk). Needs at least 4 draws per chain.
pub fn rhat_bulk(chains: &[&[f64]]) -> Result<f64> {
    check_chains("rhat_bulk", chains, 4)?;
    Ok(rhat_basic(&rank_normalize(&split_chains(chains))))
}

/// Rank-normalised split R-hat of `|x - median|` (folded, for the tails).
pub fn rhat_folded(chains: &[&[f64]]) -> Result<f64> {
    check_chains("rhat_folded", chains, 4)?;
    let mut all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    all.sort_by(f64::total_cmp);
    let med = super::ess::quantile_sorted(&all, 0.5);
    let folded: Vec<Vec<f64>> = chains.iter().map(|c| c.iter().map(|x| (x - med).abs()).collect()).collect();
    let refs: Vec<&[f64]> = folded.iter().map(|c| c.as_slice()).collect();
    Ok(rhat_basic(&rank_normalize(&split_chains(&refs))))
}

/// `max(rhat_bulk, rhat_folded)`: the R-hat reported in summaries.
pub fn rhat(chains: &[&[f64]]) -> Result<f64> {
    Ok(rhat_bulk(chains)?.max(rhat_folded(chains)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_ops::rng::Philox;

    #[test]
    fn rank_normalize_is_symmetric_with_average_ties() {
        let z = rank_normalize(&[vec![1.0, 2.0, 2.0, 3.0]]);
        assert!((z[0][0] + z[0][3]).abs() < 1e-12);
        assert_eq!(z[0][1], z[0][2]);
        assert!(z[0][1].abs() < 1e-12);
    }

    #[test]
    fn rhat_near_one_for_iid_and_large_for_shifted() {
        let mut rng = Philox::new(1);
        let a: Vec<Vec<f64>> = (0..4).map(|_| (0..1000).map(|_| rng.normal()).collect()).collect();
        let refs: Vec<&[f64]> = a.iter().map(|c| c.as_slice()).collect();
        // For iid chains R-hat - 1 is O(1/n); 1.01 is the usual threshold.
        assert!(rhat(&refs).unwrap() < 1.01);
        let b: Vec<Vec<f64>> =
            a.iter().enumerate().map(|(i, c)| c.iter().map(|x| x + i as f64).collect()).collect();
        let refs: Vec<&[f64]> = b.iter().map(|c| c.as_slice()).collect();
        assert!(rhat(&refs).unwrap() > 1.5);
        assert!(rhat(&[&[1.0, 2.0][..]]).is_err());
    }
}
