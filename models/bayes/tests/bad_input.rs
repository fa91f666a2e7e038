//! Bad input: clear errors at the start, counted divergences during sampling, never a hang.

use weft_bayes::{run_chain, sample_chains, FnDensity, SamplerConfig};
use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

fn normal(x: &[f64], g: &mut [f64]) -> Result<f64> {
    for i in 0..x.len() {
        g[i] = -x[i];
    }
    Ok(-0.5 * x.iter().map(|v| v * v).sum::<f64>())
}

fn run(
    d: FnDensity<impl FnMut(&[f64], &mut [f64]) -> Result<f64> + Send>,
    init: &[f64],
    cfg: &SamplerConfig,
) -> Result<weft_bayes::ChainDraws> {
    let mut d = d;
    run_chain(&mut d, init, cfg, &mut Philox::new(1), &mut |_| {})
}

#[test]
fn nan_log_density_at_the_initial_point_is_an_error() {
    let d = FnDensity::new(2, |_x: &[f64], g: &mut [f64]| {
        g.fill(0.0);
        Ok(f64::NAN)
    });
    let e = run(d, &[0.0, 0.0], &SamplerConfig::nuts()).unwrap_err();
    assert!(matches!(e, Error::Numerical { .. }), "{e}");
    assert!(e.to_string().contains("log density is NaN at the initial point"), "{e}");
}

#[test]
fn non_finite_gradient_at_the_initial_point_is_an_error() {
    let d = FnDensity::new(2, |_x: &[f64], g: &mut [f64]| {
        g[0] = 0.0;
        g[1] = f64::INFINITY;
        Ok(0.0)
    });
    let e = run(d, &[0.0, 0.0], &SamplerConfig::nuts()).unwrap_err();
    assert!(e.to_string().contains("gradient entry 1 is inf"), "{e}");
    let e = run(FnDensity::new(2, normal), &[0.0, f64::NAN], &SamplerConfig::nuts()).unwrap_err();
    assert!(e.to_string().contains("initial value 1 is NaN"), "{e}");
    let e = run(FnDensity::new(2, normal), &[0.0], &SamplerConfig::nuts()).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
}

#[test]
fn bad_step_sizes_and_settings_are_errors() {
    for eps in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        for cfg in [SamplerConfig::nuts().step_size(eps), SamplerConfig::hmc(5).step_size(eps)] {
            let e = run(FnDensity::new(1, normal), &[0.0], &cfg).unwrap_err();
            assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("step size"), "{e}");
        }
    }
    assert!(run(FnDensity::new(1, normal), &[0.0], &SamplerConfig::hmc(0)).is_err());
    assert!(run(FnDensity::new(1, normal), &[0.0], &SamplerConfig::nuts().max_depth(0)).is_err());
    assert!(run(FnDensity::new(1, normal), &[0.0], &SamplerConfig::nuts().target_accept(1.5)).is_err());
    let none: Vec<Vec<f64>> = vec![];
    assert!(sample_chains(|_| Ok(FnDensity::new(1, normal)), &none, &SamplerConfig::nuts(), 0, None, None)
        .is_err());
}

#[test]
fn nan_and_errors_during_sampling_are_counted_divergences() {
    // A standard normal whose log density is NaN beyond x = 1 and whose gradient is infinite
    // below x = -1 (a numerical error is also reported as such): every draw stays inside,
    // and the failures are counted as divergences.
    let d = FnDensity::new(2, |x: &[f64], g: &mut [f64]| {
        if x[0] < -1.5 {
            return Err(Error::numerical("test density", "overflow"));
        }
        let lp = normal(x, g)?;
        if x[0] > 1.0 {
            return Ok(f64::NAN);
        }
        if x[0] < -1.0 {
            g[0] = f64::NEG_INFINITY;
        }
        Ok(lp)
    });
    let cfg = SamplerConfig::nuts().iterations(200, 300);
    let chain = run(d, &[0.0, 0.0], &cfg).unwrap();
    assert!(chain.divergences() > 0);
    for i in 0..chain.len() {
        let x = chain.draw(i)[0];
        assert!((-1.0..=1.0).contains(&x), "draw {x} outside the finite region");
    }
    // Same with static HMC.
    let d =
        FnDensity::new(1, |x: &[f64], g: &mut [f64]| if x[0] > 1.0 { Ok(f64::NAN) } else { normal(x, g) });
    let chain = run(d, &[0.0], &SamplerConfig::hmc(8).iterations(100, 200)).unwrap();
    assert!(chain.divergences() > 0);
}

#[test]
fn other_errors_during_sampling_abort_with_the_error() {
    let d = FnDensity::new(1, |x: &[f64], g: &mut [f64]| {
        if x[0] > 0.5 {
            return Err(Error::invalid("test density", "x out of range"));
        }
        normal(x, g)
    });
    let e = run(d, &[0.0], &SamplerConfig::nuts().iterations(100, 100)).unwrap_err();
    assert!(e.to_string().contains("x out of range"), "{e}");
}

#[test]
fn flat_density_stops_the_step_size_search_instead_of_hanging() {
    // An improper flat density: the step-size search doubles forever in Stan's loop; here it
    // must stop with an error.
    let d = FnDensity::new(1, |_x: &[f64], g: &mut [f64]| {
        g[0] = 0.0;
        Ok(0.0)
    });
    let e = run(d, &[0.0], &SamplerConfig::nuts()).unwrap_err();
    assert!(e.to_string().contains("step size grew above 1e7"), "{e}");
}
