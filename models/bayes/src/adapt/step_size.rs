//! Step-size adaptation: Stan's initial step-size heuristic and Nesterov dual averaging
//! (Hoffman & Gelman 2014, Algorithm 5) on `log eps`.

use crate::phase::{Hamiltonian, PhasePoint};
use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

/// Dual-averaging constants (Stan's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualAveragingConfig {
    /// Target mean acceptance statistic `delta` (0.8).
    pub target_accept: f64,
    /// Shrinkage `gamma` (0.05).
    pub gamma: f64,
    /// Iteration offset `t0` (10).
    pub t0: f64,
    /// Averaging decay `kappa` (0.75).
    pub kappa: f64,
}

impl Default for DualAveragingConfig {
    fn default() -> Self {
        DualAveragingConfig { target_accept: 0.8, gamma: 0.05, t0: 10.0, kappa: 0.75 }
    }
}

impl DualAveragingConfig {
    /// Checks the ranges: `0 < target_accept < 1`, `gamma > 0`, `t0 >= 0`, `0.5 < kappa <= 1`.
    pub fn validate(&self) -> Result<()> {
        let ok = self.target_accept > 0.0
            && self.target_accept < 1.0
            && self.gamma > 0.0
            && self.t0 >= 0.0
            && self.kappa > 0.5
            && self.kappa <= 1.0;
        if !ok {
            return Err(Error::invalid(
                "DualAveragingConfig",
                format!("{self:?}: need 0 < target_accept < 1, gamma > 0, t0 >= 0, 0.5 < kappa <= 1"),
            ));
        }
        Ok(())
    }
}

/// Dual-averaging state.
#[derive(Debug, Clone, PartialEq)]
pub struct DualAveraging {
    cfg: DualAveragingConfig,
    mu: f64,
    counter: f64,
    s_bar: f64,
    x_bar: f64,
}

impl DualAveraging {
    /// A fresh state with shrinkage target `mu = log(10 * eps)`.
    pub fn new(cfg: DualAveragingConfig, eps: f64) -> Self {
        DualAveraging { cfg, mu: (10.0 * eps).ln(), counter: 0.0, s_bar: 0.0, x_bar: 0.0 }
    }

    /// Restarts the averages with `mu = log(10 * eps)` (after each metric update).
    pub fn restart(&mut self, eps: f64) {
        *self = DualAveraging::new(self.cfg, eps);
    }

    /// Feeds one acceptance statistic; returns the next step size `exp(x)`.
    pub fn update(&mut self, accept_stat: f64) -> f64 {
        self.counter += 1.0;
        let a = if accept_stat.is_nan() { 0.0 } else { accept_stat.min(1.0) };
        let eta = 1.0 / (self.counter + self.cfg.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (self.cfg.target_accept - a);
        let x = self.mu - self.s_bar * self.counter.sqrt() / self.cfg.gamma;
        let x_eta = self.counter.powf(-self.cfg.kappa);
        self.x_bar = (1.0 - x_eta) * self.x_bar + x_eta * x;
        x.exp()
    }

    /// The averaged step size `exp(x_bar)` used after warm-up.
    pub fn final_step_size(&self) -> f64 {
        self.x_bar.exp()
    }
}

/// Stan's `init_stepsize`: from `eps`, doubles or halves the step size until the acceptance
/// of one leapfrog step crosses 0.8. `current` is left unchanged. Errors if the step size
/// leaves `[1e-300, 1e7]` (a flat or broken density).
pub fn find_initial_step_size(
    ham: &mut Hamiltonian<'_>,
    rng: &mut Philox,
    mut eps: f64,
    current: &PhasePoint,
    z: &mut PhasePoint,
    scratch: &mut [f64],
) -> Result<f64> {
    let mut delta_h = |ham: &mut Hamiltonian<'_>, rng: &mut Philox, eps: f64| -> Result<f64> {
        z.copy_from(current);
        ham.refresh(z, rng, scratch);
        let h0 = z.energy();
        ham.leapfrog(z, eps)?;
        Ok(h0 - z.energy())
    };
    let log08 = 0.8f64.ln();
    let direction = if delta_h(ham, rng, eps)? > log08 { 1 } else { -1 };
    // 2^±1100 spans every finite f64, so the loop is bounded.
    for _ in 0..1100 {
        let dh = delta_h(ham, rng, eps)?;
        let (above, below) = (dh > log08, dh < log08);
        if (direction == 1 && !above) || (direction == -1 && !below) {
            return Ok(eps);
        }
        eps = if direction == 1 { 2.0 * eps } else { 0.5 * eps };
        if eps > 1e7 {
            return Err(Error::numerical(
                "find_initial_step_size",
                "step size grew above 1e7: the posterior is improper or the density is flat",
            ));
        }
        if eps < 1e-300 {
            return Err(Error::numerical(
                "find_initial_step_size",
                "step size fell to 0: the density or its gradient is not finite around the initial point",
            ));
        }
    }
    Ok(eps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dual_averaging_moves_towards_target() {
        let mut da = DualAveraging::new(DualAveragingConfig::default(), 1.0);
        // Acceptance always 1: the step size must grow above the start.
        let mut e = 1.0;
        for _ in 0..50 {
            e = da.update(1.0);
        }
        assert!(e > 1.0 && da.final_step_size() > 1.0);
        // Acceptance always 0: the step size must shrink.
        da.restart(1.0);
        for _ in 0..50 {
            e = da.update(0.0);
        }
        assert!(e < 1.0 && da.final_step_size() < 1.0);
        let bad = DualAveragingConfig { target_accept: 1.0, ..Default::default() };
        assert!(bad.validate().is_err());
    }
}
