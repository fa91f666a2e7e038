//! Constrained parameters through a [`ParamLayout`]: priors on the constrained scale, sampled
//! on the unconstrained one with the log-Jacobian; also tree-depth and gradient counters.

mod common;
use common::*;
use weft_bayes::{sample_chains, uniform_inits, Bijection, FnDensity, ParamLayout, Prior, SamplerConfig};

#[test]
fn gamma_and_lognormal_priors_through_bijections() {
    // sigma ~ Gamma(3, 2) on (0, inf) via exp; p ~ LogNormal(0.2, 0.5) via exp; z ~ N(1, 2).
    let layout = ParamLayout::new()
        .block("sigma", &[], Bijection::Exp)
        .unwrap()
        .block("p", &[], Bijection::Exp)
        .unwrap()
        .block("z", &[], Bijection::Identity)
        .unwrap();
    let priors = [
        Prior::gamma(3.0, 2.0).unwrap(),
        Prior::log_normal(0.2, 0.5).unwrap(),
        Prior::normal(1.0, 2.0).unwrap(),
    ];
    let make = |_| {
        let layout = layout.clone();
        let mut x = vec![0.0; 3];
        Ok(FnDensity::new(3, move |theta: &[f64], g: &mut [f64]| {
            let log_jac = layout.constrain(theta, &mut x)?;
            let mut lp = log_jac;
            for (i, prior) in priors.iter().enumerate() {
                let (l, d) = prior.log_density_and_grad(x[i]);
                lp += l;
                g[i] = d;
            }
            layout.pullback_grad(theta, g)?;
            Ok(lp)
        }))
    };
    let cfg = SamplerConfig::nuts().iterations(500, 1000);
    let post =
        sample_chains(make, &uniform_inits(3, 4, 2.0, 1), &cfg, 4, Some(layout.names()), None).unwrap();
    assert_eq!(post.divergences(), 0);
    assert_expectation(&post, "E[sigma]", |t| t[0].exp(), 1.5);
    assert_expectation(&post, "E[sigma^2]", |t| (2.0 * t[0]).exp(), 3.0);
    assert_expectation(&post, "E[log p]", |t| t[1], 0.2);
    assert_expectation(&post, "Var[log p]", |t| (t[1] - 0.2).powi(2), 0.25);
    assert_expectation(&post, "E[z]", |t| t[2], 1.0);
    assert_expectation(&post, "Var[z]", |t| (t[2] - 1.0).powi(2), 4.0);
}

#[test]
fn tree_depth_limit_and_gradient_counts_are_reported() {
    // A badly scaled Gaussian (sds 1 and 100) with the unit metric needs long trajectories:
    // with max depth 3 most trees saturate.
    let prec = vec![1.0, 0.0, 0.0, 1e-4];
    let cfg = SamplerConfig::nuts().iterations(200, 200).metric(weft_bayes::MetricKind::Unit).max_depth(3);
    let post = sample_chains(
        |_| Ok(gaussian_with_precision(prec.clone())),
        &uniform_inits(2, 2, 2.0, 1),
        &cfg,
        1,
        None,
        None,
    )
    .unwrap();
    assert!(post.max_depth_hits() > 100, "hits {}", post.max_depth_hits());
    for c in post.chains() {
        assert!(c.stats.iter().all(|s| s.tree_depth <= 3 && s.n_leapfrog <= 7));
        let kept: u64 = c.stats.iter().map(|s| s.n_leapfrog as u64).sum();
        // Gradient evaluations: kept transitions + warm-up transitions + step-size searches + 1.
        assert!(c.n_grad_evals > kept + 200);
        assert!(c.n_grad_evals <= kept + 200 * 7 + 1 + 2 * 1100);
    }
    assert_eq!(post.summary().unwrap().max_depth_hits, post.max_depth_hits());
}
