//! Diagnostics against known answers: ESS of AR(1) chains and R-hat of chains stuck in
//! different modes.

use weft_bayes::diagnostics::{ess_bulk, ess_mean, ess_tail, rhat};
use weft_bayes::{sample_chains, FnDensity, SamplerConfig};
use weft_ops::rng::Philox;

fn ar1(phi: f64, n: usize, rng: &mut Philox) -> Vec<f64> {
    let mut x = rng.normal() / (1.0 - phi * phi).sqrt();
    (0..n)
        .map(|_| {
            x = phi * x + rng.normal();
            x
        })
        .collect()
}

#[test]
fn ess_of_ar1_matches_analytic_value() {
    let (phi, m, n) = (0.5, 4, 25_000);
    let mut rng = Philox::new(77);
    let chains: Vec<Vec<f64>> = (0..m).map(|_| ar1(phi, n, &mut rng)).collect();
    let refs: Vec<&[f64]> = chains.iter().map(|c| c.as_slice()).collect();
    let total = (m * n) as f64;
    let truth = total * (1.0 - phi) / (1.0 + phi);
    // Sokal: var(tau_hat) / tau^2 ~ 2 (2W + 1) / N for a truncation window W; Geyer's window
    // for phi = 0.5 stays below W = 40 lags, so the relative sd is below sqrt(162 / N).
    let rel_sd = (2.0 * (2.0 * 40.0 + 1.0) / total).sqrt();
    for (what, e) in [("ess_mean", ess_mean(&refs).unwrap()), ("ess_bulk", ess_bulk(&refs).unwrap())] {
        assert!(((e - truth) / truth).abs() < 5.0 * rel_sd, "{what} {e} vs {truth}");
    }
    // Independent draws: ESS ~ N (the tail ESS of an indicator too).
    let iid: Vec<Vec<f64>> = (0..m).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
    let refs: Vec<&[f64]> = iid.iter().map(|c| c.as_slice()).collect();
    let rel_sd = (2.0 * 81.0 / total).sqrt();
    let e = ess_tail(&refs).unwrap();
    assert!(((e - total) / total).abs() < 5.0 * rel_sd, "tail ess {e} vs {total}");
}

#[test]
fn rhat_flags_chains_stuck_in_different_modes() {
    // 0.5 N(-4, 0.5^2) + 0.5 N(4, 0.5^2): the valley between the modes is ~e^-32 deep.
    let mixture = FnDensity::new(1, |x: &[f64], g: &mut [f64]| {
        let s2 = 0.25;
        let la = -0.5 * (x[0] + 4.0).powi(2) / s2;
        let lb = -0.5 * (x[0] - 4.0).powi(2) / s2;
        let m = la.max(lb);
        let (wa, wb) = ((la - m).exp(), (lb - m).exp());
        g[0] = (wa * (-(x[0] + 4.0) / s2) + wb * (-(x[0] - 4.0) / s2)) / (wa + wb);
        Ok(m + (wa + wb).ln())
    });
    let inits = vec![vec![-4.0], vec![-4.2], vec![4.0], vec![3.9]];
    let cfg = SamplerConfig::nuts().iterations(300, 500);
    let post = sample_chains(|_| Ok(mixture.clone()), &inits, &cfg, 5, None, None).unwrap();
    let p = post.param(0).unwrap();
    let refs: Vec<&[f64]> = p.iter().map(|c| c.as_slice()).collect();
    let r = rhat(&refs).unwrap();
    assert!(r > 1.1, "rhat {r}");
    assert!(post.summary().unwrap().max_rhat() > 1.1);
    // Each half on its own is fine.
    let r_left = rhat(&refs[..2]).unwrap();
    assert!(r_left < 1.05, "rhat within one mode {r_left}");
}
