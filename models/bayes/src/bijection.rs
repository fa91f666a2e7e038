//! Bijections from the unconstrained real line to a constrained support, with the log-Jacobian
//! and its gradient, so that a density written on the constrained scale can be sampled on the
//! unconstrained one: `log p_u(u) = log p_x(f(u)) + log |f'(u)|`.

use crate::special::{sigmoid, softplus};
use weft_ops::{Error, Result};

/// A smooth bijection `x = f(u)` from `R` onto a support.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bijection {
    /// `x = u` on `R`.
    Identity,
    /// `x = exp(u)` onto `(0, inf)`, for scales and rates.
    Exp,
    /// `x = 1 / (1 + exp(-u))` onto `(0, 1)`, for probabilities.
    Sigmoid,
}

impl Bijection {
    /// `x = f(u)`.
    #[inline]
    pub fn forward(self, u: f64) -> f64 {
        match self {
            Bijection::Identity => u,
            Bijection::Exp => u.exp(),
            Bijection::Sigmoid => sigmoid(u),
        }
    }

    /// `u = f^{-1}(x)`; an error if `x` lies outside the support.
    pub fn inverse(self, x: f64) -> Result<f64> {
        match self {
            Bijection::Identity if x.is_finite() => Ok(x),
            Bijection::Exp if x > 0.0 && x.is_finite() => Ok(x.ln()),
            Bijection::Sigmoid if x > 0.0 && x < 1.0 => Ok((x / (1.0 - x)).ln()),
            _ => Err(Error::invalid("Bijection::inverse", format!("{x} is outside the support of {self:?}"))),
        }
    }

    /// `log |f'(u)|`.
    #[inline]
    pub fn log_abs_det_jacobian(self, u: f64) -> f64 {
        match self {
            Bijection::Identity => 0.0,
            Bijection::Exp => u,
            // log σ(u) + log σ(-u) = -softplus(-u) - softplus(u)
            Bijection::Sigmoid => -softplus(-u) - softplus(u),
        }
    }

    /// `f'(u) = dx/du`.
    #[inline]
    pub fn dx_du(self, u: f64) -> f64 {
        match self {
            Bijection::Identity => 1.0,
            Bijection::Exp => u.exp(),
            Bijection::Sigmoid => {
                let s = sigmoid(u);
                s * (1.0 - s)
            }
        }
    }

    /// `d log |f'(u)| / du`.
    #[inline]
    pub fn dlog_jacobian_du(self, u: f64) -> f64 {
        match self {
            Bijection::Identity => 0.0,
            Bijection::Exp => 1.0,
            Bijection::Sigmoid => 1.0 - 2.0 * sigmoid(u),
        }
    }

    /// Moves a density from the constrained to the unconstrained scale: given `u`,
    /// `log p_x(x)` and `d log p_x / dx` at `x = f(u)`, returns `(log p_u(u), d log p_u / du)`.
    #[inline]
    pub fn pullback(self, u: f64, logp_x: f64, dlogp_dx: f64) -> (f64, f64) {
        (logp_x + self.log_abs_det_jacobian(u), dlogp_dx * self.dx_du(u) + self.dlog_jacobian_du(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_derivatives() {
        for b in [Bijection::Identity, Bijection::Exp, Bijection::Sigmoid] {
            for &u in &[-3.0, -0.4, 0.0, 1.3, 4.0] {
                let x = b.forward(u);
                assert!((b.inverse(x).unwrap() - u).abs() < 1e-10, "{b:?} {u}");
                let h = 1e-6;
                let fd = (b.forward(u + h) - b.forward(u - h)) / (2.0 * h);
                assert!((fd - b.dx_du(u)).abs() < 1e-7 * (1.0 + fd.abs()));
                assert!((b.dx_du(u).ln() - b.log_abs_det_jacobian(u)).abs() < 1e-10);
                let fdj = (b.log_abs_det_jacobian(u + h) - b.log_abs_det_jacobian(u - h)) / (2.0 * h);
                assert!((fdj - b.dlog_jacobian_du(u)).abs() < 1e-7);
            }
        }
        assert!(Bijection::Exp.inverse(-1.0).is_err());
        assert!(Bijection::Sigmoid.inverse(1.0).is_err());
        assert!(Bijection::Identity.inverse(f64::NAN).is_err());
    }
}
