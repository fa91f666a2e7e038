//! Neal's funnel in 10 dimensions: v ~ N(0, 3^2), x_i | v ~ N(0, exp(v)), i = 1..9.
//! The non-centred parameterisation is a standard normal (no divergences); the centred one
//! has a neck NUTS cannot enter, and the divergences must be reported.

mod common;
use common::*;
use weft_bayes::{sample_chains, uniform_inits, FnDensity, SamplerConfig};

const D: usize = 10;

#[test]
fn non_centred_funnel_has_no_divergences() {
    // Parameters (v_raw, z_1..z_9), all N(0, 1); v = 3 v_raw, x_i = exp(v / 2) z_i.
    let cfg = SamplerConfig::nuts().iterations(1000, 1000);
    let post =
        sample_chains(|_| Ok(std_normal(D)), &uniform_inits(D, 4, 2.0, 3), &cfg, 31, None, None).unwrap();
    assert_eq!(post.divergences(), 0);
    assert_expectation(&post, "v", |t| 3.0 * t[0], 0.0);
    assert_expectation(&post, "v^2", |t| 9.0 * t[0] * t[0], 9.0);
}

#[test]
fn centred_funnel_reports_divergences() {
    let funnel = FnDensity::new(D, |t: &[f64], g: &mut [f64]| {
        let v = t[0];
        let e = (-v).exp();
        let ss: f64 = t[1..].iter().map(|x| x * x).sum();
        g[0] = -v / 9.0 + 0.5 * ss * e - 0.5 * (D - 1) as f64;
        for i in 1..D {
            g[i] = -t[i] * e;
        }
        Ok(-v * v / 18.0 - 0.5 * ss * e - 0.5 * (D - 1) as f64 * v)
    });
    let cfg = SamplerConfig::nuts().iterations(1000, 1000);
    let post =
        sample_chains(|_| Ok(funnel.clone()), &uniform_inits(D, 4, 2.0, 3), &cfg, 3, None, None).unwrap();
    let s = post.summary().unwrap();
    assert!(post.divergences() > 0, "centred funnel without divergences");
    assert_eq!(s.divergences, post.divergences());
    assert!(format!("{s}").contains(&format!("divergences: {}", post.divergences())));
}
