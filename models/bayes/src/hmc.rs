//! Static HMC: a fixed number of leapfrog steps followed by a Metropolis correction.

use crate::nuts::TransitionStats;
use crate::phase::{Hamiltonian, PhasePoint};
use weft_ops::rng::Philox;
use weft_ops::Result;

/// Hamiltonian Monte Carlo with `n_leapfrog` steps per transition.
#[derive(Debug, Clone)]
pub struct Hmc {
    n_leapfrog: usize,
    max_delta_h: f64,
    z: PhasePoint,
    scratch: Vec<f64>,
}

impl Hmc {
    /// A sampler for `dim` parameters (`n_leapfrog >= 1`, checked by the caller).
    pub fn new(dim: usize, n_leapfrog: usize, max_delta_h: f64) -> Self {
        Hmc { n_leapfrog, max_delta_h, z: PhasePoint::new(dim), scratch: vec![0.0; dim] }
    }

    /// One transition from `current`; on acceptance `current` becomes the end point.
    pub fn transition(
        &mut self,
        ham: &mut Hamiltonian<'_>,
        rng: &mut Philox,
        eps: f64,
        current: &mut PhasePoint,
    ) -> Result<TransitionStats> {
        let z = &mut self.z;
        z.copy_from(current);
        ham.refresh(z, rng, &mut self.scratch);
        current.p.copy_from_slice(&z.p);
        current.v.copy_from_slice(&z.v);
        current.mgrad.copy_from_slice(&z.mgrad);
        let h0 = z.energy();
        let mut steps = 0;
        let mut divergent = false;
        for _ in 0..self.n_leapfrog {
            ham.leapfrog(z, eps)?;
            steps += 1;
            if z.energy() - h0 > self.max_delta_h {
                divergent = true;
                break;
            }
        }
        let h = z.energy();
        let accept = if divergent { 0.0 } else { (h0 - h).exp().min(1.0) };
        if !divergent && rng.uniform() < accept {
            current.copy_from(z);
        }
        Ok(TransitionStats {
            accept_stat: accept,
            n_leapfrog: steps,
            tree_depth: 0,
            divergent,
            energy: current.energy(),
        })
    }
}
