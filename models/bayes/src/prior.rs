//! Prior distributions on a scalar: log density (normalised) and its derivative, with
//! parameters checked at construction.
//!
//! Outside the support (`x <= 0` for Gamma and LogNormal, `x < 0` for HalfCauchy) the log
//! density is `-inf` and the derivative 0. Pair positive priors with
//! [`Bijection::Exp`](crate::Bijection::Exp) to sample them on the unconstrained scale.

use crate::special::ln_gamma;
use weft_ops::{Error, Result};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// A univariate prior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// Normal with mean `mu` and standard deviation `sigma`.
    Normal { mu: f64, sigma: f64 },
    /// Laplace with location `mu` and scale `b`.
    Laplace { mu: f64, b: f64 },
    /// Student-t with `nu` degrees of freedom, location `mu`, scale `sigma`.
    StudentT { nu: f64, mu: f64, sigma: f64 },
    /// Gamma with shape `alpha` and rate `beta` (mean `alpha / beta`).
    Gamma { alpha: f64, beta: f64 },
    /// Half-Cauchy on `[0, inf)` with `scale`.
    HalfCauchy { scale: f64 },
    /// Log-normal: `log x ~ Normal(mu, sigma)`.
    LogNormal { mu: f64, sigma: f64 },
}

fn check(op: &'static str, name: &str, v: f64, positive: bool) -> Result<()> {
    if !v.is_finite() || (positive && v <= 0.0) {
        let need = if positive { "finite and > 0" } else { "finite" };
        return Err(Error::invalid(op, format!("{name} = {v} must be {need}")));
    }
    Ok(())
}

impl Prior {
    /// `Normal(mu, sigma)`; `sigma > 0`.
    pub fn normal(mu: f64, sigma: f64) -> Result<Self> {
        check("Prior::normal", "mu", mu, false)?;
        check("Prior::normal", "sigma", sigma, true)?;
        Ok(Prior::Normal { mu, sigma })
    }
    /// `Laplace(mu, b)`; `b > 0`.
    pub fn laplace(mu: f64, b: f64) -> Result<Self> {
        check("Prior::laplace", "mu", mu, false)?;
        check("Prior::laplace", "b", b, true)?;
        Ok(Prior::Laplace { mu, b })
    }
    /// `StudentT(nu, mu, sigma)`; `nu > 0`, `sigma > 0`.
    pub fn student_t(nu: f64, mu: f64, sigma: f64) -> Result<Self> {
        check("Prior::student_t", "nu", nu, true)?;
        check("Prior::student_t", "mu", mu, false)?;
        check("Prior::student_t", "sigma", sigma, true)?;
        Ok(Prior::StudentT { nu, mu, sigma })
    }
    /// `Gamma(alpha, beta)` with rate `beta`; both `> 0`.
    pub fn gamma(alpha: f64, beta: f64) -> Result<Self> {
        check("Prior::gamma", "alpha", alpha, true)?;
        check("Prior::gamma", "beta", beta, true)?;
        Ok(Prior::Gamma { alpha, beta })
    }
    /// `HalfCauchy(scale)`; `scale > 0`.
    pub fn half_cauchy(scale: f64) -> Result<Self> {
        check("Prior::half_cauchy", "scale", scale, true)?;
        Ok(Prior::HalfCauchy { scale })
    }
    /// `LogNormal(mu, sigma)`; `sigma > 0`.
    pub fn log_normal(mu: f64, sigma: f64) -> Result<Self> {
        check("Prior::log_normal", "mu", mu, false)?;
        check("Prior::log_normal", "sigma", sigma, true)?;
        Ok(Prior::LogNormal { mu, sigma })
    }

    /// `(log p(x), d log p / dx)`.
    #[inline]
    pub fn log_density_and_grad(&self, x: f64) -> (f64, f64) {
        match *self {
            Prior::Normal { mu, sigma } => {
                let z = (x - mu) / sigma;
                (-0.5 * z * z - sigma.ln() - 0.5 * LN_2PI, -z / sigma)
            }
            Prior::Laplace { mu, b } => {
                let d = x - mu;
                let g = if d > 0.0 {
                    -1.0 / b
                } else if d < 0.0 {
                    1.0 / b
                } else {
                    0.0
                };
                (-d.abs() / b - (2.0 * b).ln(), g)
            }
            Prior::StudentT { nu, mu, sigma } => {
                let z = (x - mu) / sigma;
                let lp = ln_gamma(0.5 * (nu + 1.0))
                    - ln_gamma(0.5 * nu)
                    - 0.5 * (nu * std::f64::consts::PI).ln()
                    - sigma.ln()
                    - 0.5 * (nu + 1.0) * (z * z / nu).ln_1p();
                (lp, -(nu + 1.0) * z / (sigma * (nu + z * z)))
            }
            Prior::Gamma { alpha, beta } => {
                if x <= 0.0 {
                    return (f64::NEG_INFINITY, 0.0);
                }
                let lp = alpha * beta.ln() - ln_gamma(alpha) + (alpha - 1.0) * x.ln() - beta * x;
                (lp, (alpha - 1.0) / x - beta)
            }
            Prior::HalfCauchy { scale } => {
                if x < 0.0 {
                    return (f64::NEG_INFINITY, 0.0);
                }
                let lp = (2.0 / (std::f64::consts::PI * scale)).ln() - (x / scale).powi(2).ln_1p();
                (lp, -2.0 * x / (scale * scale + x * x))
            }
            Prior::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    return (f64::NEG_INFINITY, 0.0);
                }
                let lx = x.ln();
                let z = (lx - mu) / sigma;
                let lp = -lx - sigma.ln() - 0.5 * LN_2PI - 0.5 * z * z;
                (lp, -(1.0 + z / sigma) / x)
            }
        }
    }

    /// `log p(x)`.
    pub fn log_density(&self, x: f64) -> f64 {
        self.log_density_and_grad(x).0
    }

    /// Sum of `log p(x_i)` over `xs`; adds each derivative into `grad` (same length).
    pub fn accumulate(&self, xs: &[f64], grad: &mut [f64]) -> Result<f64> {
        if xs.len() != grad.len() {
            return Err(Error::shape(
                "Prior::accumulate",
                format!("xs has length {}, grad {}", xs.len(), grad.len()),
            ));
        }
        if let Prior::Normal { mu, sigma } = *self {
            // The common case (BNN weights): the constant once, no logarithm per element.
            let inv = 1.0 / sigma;
            let mut ss = 0.0;
            for (x, g) in xs.iter().zip(grad.iter_mut()) {
                let z = (x - mu) * inv;
                ss += z * z;
                *g -= z * inv;
            }
            return Ok(-0.5 * ss - xs.len() as f64 * (sigma.ln() + 0.5 * LN_2PI));
        }
        let mut lp = 0.0;
        for (x, g) in xs.iter().zip(grad.iter_mut()) {
            let (l, d) = self.log_density_and_grad(*x);
            lp += l;
            *g += d;
        }
        Ok(lp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Prior> {
        vec![
            Prior::normal(0.5, 2.0).unwrap(),
            Prior::laplace(-1.0, 0.7).unwrap(),
            Prior::student_t(3.0, 0.2, 1.5).unwrap(),
            Prior::gamma(2.5, 1.5).unwrap(),
            Prior::half_cauchy(2.0).unwrap(),
            Prior::log_normal(0.3, 0.8).unwrap(),
        ]
    }

    #[test]
    fn densities_integrate_to_one_and_gradients_match() {
        for p in all() {
            // Trapezoid rule over a wide grid (the Student-t and half-Cauchy tails are cut at
            // |x| = 400, losing at most 2/(pi*200) ~ 3e-3 of the mass for the Cauchy).
            let (lo, hi, n) = (-400.0, 400.0, 800_000);
            let h = (hi - lo) / n as f64;
            let mut s = 0.0;
            for i in 0..=n {
                let x = lo + i as f64 * h;
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                s += w * p.log_density(x).exp();
            }
            s *= h;
            assert!((s - 1.0).abs() < 4e-3, "{p:?} integrates to {s}");
            for &x in &[0.3, 1.7, 4.0] {
                let e = 1e-6;
                let fd = (p.log_density(x + e) - p.log_density(x - e)) / (2.0 * e);
                let g = p.log_density_and_grad(x).1;
                assert!((fd - g).abs() < 1e-6 * (1.0 + g.abs()), "{p:?} at {x}: {fd} vs {g}");
            }
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(Prior::normal(0.0, 0.0).is_err());
        assert!(Prior::normal(f64::NAN, 1.0).is_err());
        assert!(Prior::laplace(0.0, -1.0).is_err());
        assert!(Prior::student_t(0.0, 0.0, 1.0).is_err());
        assert!(Prior::gamma(1.0, f64::INFINITY).is_err());
        assert!(Prior::half_cauchy(0.0).is_err());
        assert!(Prior::log_normal(0.0, -2.0).is_err());
        assert_eq!(Prior::gamma(2.0, 1.0).unwrap().log_density(-1.0), f64::NEG_INFINITY);
        let mut g = [0.0; 2];
        assert!(Prior::normal(0.0, 1.0).unwrap().accumulate(&[0.0], &mut g).is_err());
    }

    #[test]
    fn accumulate_equals_the_sum_of_elementwise_terms() {
        let xs = [0.3, 0.9, 1.7, 2.2]; // inside every support
        for p in all() {
            let mut g = [0.5; 4];
            let lp = p.accumulate(&xs, &mut g).unwrap();
            let want: f64 = xs.iter().map(|&x| p.log_density(x)).sum();
            assert!((lp - want).abs() <= 1e-12 * (1.0 + want.abs()), "{p:?}: {lp} vs {want}");
            for (x, gi) in xs.iter().zip(g) {
                let d = p.log_density_and_grad(*x).1;
                assert!((gi - 0.5 - d).abs() <= 1e-12 * (1.0 + d.abs()), "{p:?} at {x}");
            }
        }
    }
}
