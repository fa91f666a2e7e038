//! Phase-space points and the leapfrog integrator shared by HMC and NUTS. Nothing here
//! allocates: every buffer lives in the [`PhasePoint`]s owned by the sampler.
//!
//! Each point keeps `M^{-1} grad` next to the gradient, so a leapfrog step costs one product
//! with `M^{-1}` (a matrix-vector product for the dense metric) instead of Stan's two: the
//! velocity after each half kick is `v + eps/2 * M^{-1} grad`.

use crate::density::LogDensity;
use crate::linalg::dot;
use crate::metric::Metric;
use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

/// Position, momentum, velocity `M^{-1} p`, log density, gradient and `M^{-1}` gradient.
#[derive(Debug, Clone)]
pub struct PhasePoint {
    /// Position (the parameters).
    pub q: Vec<f64>,
    /// Momentum.
    pub p: Vec<f64>,
    /// Velocity `M^{-1} p`.
    pub v: Vec<f64>,
    /// `d log p / dq` at `q`.
    pub grad: Vec<f64>,
    /// `M^{-1} grad`.
    pub mgrad: Vec<f64>,
    /// `log p(q)`; `-inf` when the density or its gradient was not finite.
    pub logp: f64,
}

impl PhasePoint {
    /// A zeroed point in `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        PhasePoint {
            q: vec![0.0; dim],
            p: vec![0.0; dim],
            v: vec![0.0; dim],
            grad: vec![0.0; dim],
            mgrad: vec![0.0; dim],
            logp: 0.0,
        }
    }

    /// Copies `other` into `self` without allocating.
    #[inline]
    pub fn copy_from(&mut self, other: &PhasePoint) {
        self.q.copy_from_slice(&other.q);
        self.p.copy_from_slice(&other.p);
        self.v.copy_from_slice(&other.v);
        self.grad.copy_from_slice(&other.grad);
        self.mgrad.copy_from_slice(&other.mgrad);
        self.logp = other.logp;
    }

    /// The Hamiltonian `-log p(q) + p^T M^{-1} p / 2` (needs `v` up to date); NaN maps to +inf.
    #[inline]
    pub fn energy(&self) -> f64 {
        let h = -self.logp + 0.5 * dot(&self.p, &self.v);
        if h.is_nan() {
            f64::INFINITY
        } else {
            h
        }
    }
}

/// A density, a metric and a gradient counter: what the integrator needs.
pub struct Hamiltonian<'a> {
    /// The target.
    pub density: &'a mut dyn LogDensity,
    /// The metric.
    pub metric: &'a Metric,
    /// Gradient evaluations so far.
    pub n_grad: u64,
}

impl Hamiltonian<'_> {
    /// Evaluates `log p` and its gradient at `z.q` (and `M^{-1} grad`). Non-finite values (or an
    /// `Error::Numerical`) set `z.logp = -inf` so that the energy is infinite; other errors are
    /// returned.
    #[inline]
    pub fn evaluate(&mut self, z: &mut PhasePoint) -> Result<()> {
        self.n_grad += 1;
        match self.density.log_density_and_grad(&z.q, &mut z.grad) {
            Ok(lp) => {
                let finite = lp.is_finite() && z.grad.iter().all(|g| g.is_finite());
                z.logp = if finite { lp } else { f64::NEG_INFINITY };
                if finite {
                    self.metric.velocity(&z.grad, &mut z.mgrad);
                }
                Ok(())
            }
            Err(Error::Numerical { .. }) => {
                z.logp = f64::NEG_INFINITY;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Starts a trajectory at `z`: draws `p ~ N(0, M)` and sets `v = M^{-1} p` and
    /// `mgrad = M^{-1} grad` for the current metric. `scratch` has length `dim`.
    pub fn refresh(&self, z: &mut PhasePoint, rng: &mut Philox, scratch: &mut [f64]) {
        self.metric.sample_momentum(rng, &mut z.p, scratch);
        self.metric.velocity(&z.p, &mut z.v);
        self.metric.velocity(&z.grad, &mut z.mgrad);
    }

    /// One leapfrog step of size `eps` (negative to go backwards). Leaves `z.v` up to date.
    /// Stops early, with `z.logp = -inf`, if the new position is not finite.
    #[inline]
    pub fn leapfrog(&mut self, z: &mut PhasePoint, eps: f64) -> Result<()> {
        let half = 0.5 * eps;
        for i in 0..z.q.len() {
            z.p[i] += half * z.grad[i];
            z.v[i] += half * z.mgrad[i];
            z.q[i] += eps * z.v[i];
        }
        self.evaluate(z)?;
        if z.logp == f64::NEG_INFINITY {
            return Ok(());
        }
        for i in 0..z.q.len() {
            z.p[i] += half * z.grad[i];
            z.v[i] += half * z.mgrad[i];
        }
        Ok(())
    }
}
