//! Adaptive stochastic-gradient HMC (Springenberg, Klein, Falkner & Hutter 2016, "Bayesian
//! optimization with robust Bayesian neural networks"), as in their reference implementation:
//! during burn-in the preconditioner `M^{-1} = 1 / sqrt(v_hat)` is adapted from running
//! moments of the gradient; each step
//!
//! ```text
//! v <- v - lr^2 M^{-1} grad U - mdecay v + N(0, 2 lr^2 mdecay M^{-1} - lr^4)
//! theta <- theta + v
//! ```
//!
//! with `grad U` an unbiased minibatch estimate of the full-data gradient of
//! `-log p(theta | data)` from a [`MinibatchDensity`].

use crate::chain::{ChainDraws, DrawStats};
use crate::chains::Progress;
use crate::density::LogDensity;
use crate::metric::Metric;
use crate::posterior::Posterior;
use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

/// A log density whose value and gradient are estimated from a random minibatch.
pub trait MinibatchDensity: Send {
    /// Number of parameters.
    fn dim(&self) -> usize;
    /// Unbiased estimates of the full-data `log p(theta | data)` and its gradient (into `grad`)
    /// from a minibatch chosen with `rng` (scale the likelihood by `N / batch size`).
    fn minibatch_log_density_and_grad(
        &mut self,
        theta: &[f64],
        rng: &mut Philox,
        grad: &mut [f64],
    ) -> Result<f64>;
}

/// Any [`LogDensity`] as a (full-batch, exact-gradient) [`MinibatchDensity`].
#[derive(Debug, Clone)]
pub struct FullBatch<D>(pub D);

impl<D: LogDensity> MinibatchDensity for FullBatch<D> {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn minibatch_log_density_and_grad(
        &mut self,
        theta: &[f64],
        _rng: &mut Philox,
        grad: &mut [f64],
    ) -> Result<f64> {
        self.0.log_density_and_grad(theta, grad)
    }
}

/// SGHMC settings (the reference implementation's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SghmcConfig {
    /// Learning rate `lr` (1e-2); the step on `theta` scales as `lr^2`.
    pub lr: f64,
    /// Friction `mdecay` (0.05), in (0, 1).
    pub mdecay: f64,
    /// Burn-in steps (preconditioner adaptation), discarded.
    pub burn_in: usize,
    /// Kept draws.
    pub draws: usize,
    /// Steps between kept draws (>= 1).
    pub thin: usize,
}

impl Default for SghmcConfig {
    fn default() -> Self {
        SghmcConfig { lr: 1e-2, mdecay: 0.05, burn_in: 3000, draws: 1000, thin: 10 }
    }
}

impl SghmcConfig {
    /// Checks every setting.
    pub fn validate(&self) -> Result<()> {
        let op = "SghmcConfig";
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(Error::invalid(op, format!("lr {} must be finite and > 0", self.lr)));
        }
        if !(self.mdecay > 0.0 && self.mdecay < 1.0) {
            return Err(Error::invalid(op, format!("mdecay {} must be in (0, 1)", self.mdecay)));
        }
        if self.thin == 0 || self.draws == 0 {
            return Err(Error::invalid(op, "thin and draws must be >= 1"));
        }
        Ok(())
    }
}

/// Runs one SGHMC chain. A step whose gradient or new position is not finite is undone (the
/// momentum is reset) and counted as a divergence; 1000 in a row is an error.
pub fn run_sghmc(
    density: &mut dyn MinibatchDensity,
    init: &[f64],
    cfg: &SghmcConfig,
    rng: &mut Philox,
    progress: &mut dyn FnMut(usize),
) -> Result<ChainDraws> {
    cfg.validate()?;
    let op = "run_sghmc";
    let d = density.dim();
    if init.len() != d || d == 0 {
        return Err(Error::shape(
            op,
            format!("initial point has length {}, density has dim {d}", init.len()),
        ));
    }
    let mut theta = init.to_vec();
    let mut prev = init.to_vec();
    let mut grad = vec![0.0; d];
    let lp0 = density.minibatch_log_density_and_grad(&theta, rng, &mut grad)?;
    if !lp0.is_finite() || grad.iter().any(|g| !g.is_finite()) {
        return Err(Error::numerical(
            op,
            format!("log density {lp0} or its gradient is not finite at the initial point"),
        ));
    }
    let (mut tau, mut g, mut v_hat) = (vec![1.0; d], vec![1.0; d], vec![1.0; d]);
    let mut mom = vec![0.0; d];
    let lr2 = cfg.lr * cfg.lr;
    let lr4 = lr2 * lr2;
    let total = cfg.burn_in + cfg.draws * cfg.thin;
    let mut draws = Vec::with_capacity(cfg.draws * d);
    let mut stats = Vec::with_capacity(cfg.draws);
    let mut n_grad = 1u64;
    let mut bad_run = 0;
    let mut divergent_since_draw = false;
    let mut warmup_divergences = 0;
    let mut lp = lp0;
    let mut since_draw = 0;
    for it in 0..total {
        // `grad` holds d log p at `theta`; U's gradient is its negative.
        let burning = it < cfg.burn_in;
        prev.copy_from_slice(&theta);
        for i in 0..d {
            let gu = -grad[i];
            let tau_inv = 1.0 / (tau[i] + 1.0);
            if burning {
                tau[i] += 1.0 - tau[i] * (g[i] * g[i] / (v_hat[i] + 1e-16));
                g[i] += -g[i] * tau_inv + tau_inv * gu;
                v_hat[i] += -v_hat[i] * tau_inv + tau_inv * gu * gu;
            }
            let minv = 1.0 / (v_hat[i].sqrt() + 1e-16);
            let var = 2.0 * lr2 * cfg.mdecay * minv - lr4;
            let sigma = var.max(1e-16).sqrt();
            mom[i] += -lr2 * minv * gu - cfg.mdecay * mom[i] + sigma * rng.normal();
            theta[i] += mom[i];
        }
        n_grad += 1;
        let ok = match density.minibatch_log_density_and_grad(&theta, rng, &mut grad) {
            Ok(l) => {
                lp = l;
                l.is_finite() && grad.iter().all(|x| x.is_finite()) && theta.iter().all(|x| x.is_finite())
            }
            Err(Error::Numerical { .. }) => false,
            Err(e) => return Err(e),
        };
        if !ok {
            bad_run += 1;
            if burning {
                warmup_divergences += 1;
            } else {
                divergent_since_draw = true;
            }
            if bad_run >= 1000 {
                return Err(Error::numerical(
                    op,
                    "1000 consecutive steps with a non-finite gradient: lower lr",
                ));
            }
            theta.copy_from_slice(&prev);
            mom.fill(0.0);
            lp = density.minibatch_log_density_and_grad(&theta, rng, &mut grad)?;
            n_grad += 1;
        } else {
            bad_run = 0;
        }
        if !burning {
            since_draw += 1;
        }
        if since_draw == cfg.thin {
            since_draw = 0;
            draws.extend_from_slice(&theta);
            stats.push(DrawStats {
                lp,
                accept_stat: 1.0,
                step_size: cfg.lr,
                tree_depth: 0,
                n_leapfrog: cfg.thin,
                divergent: divergent_since_draw,
                energy: f64::NAN,
            });
            divergent_since_draw = false;
        }
        progress(it + 1);
    }
    let inv_mass: Vec<f64> = v_hat.iter().map(|v| 1.0 / (v.sqrt() + 1e-16)).collect();
    Ok(ChainDraws {
        dim: d,
        draws,
        stats,
        step_size: cfg.lr,
        metric: Metric::Diagonal(inv_mass),
        n_grad_evals: n_grad,
        warmup_divergences,
        max_depth: 0,
    })
}

/// Runs one SGHMC chain per entry of `inits` in parallel, chain `c` on
/// `Philox::with_stream(seed, c)`.
pub fn sample_sghmc_chains<D, F>(
    make_density: F,
    inits: &[Vec<f64>],
    cfg: &SghmcConfig,
    seed: u64,
    names: Option<Vec<String>>,
    progress: Option<&Progress>,
) -> Result<Posterior>
where
    D: MinibatchDensity,
    F: Fn(usize) -> Result<D> + Sync,
{
    crate::chains::run_chains("sample_sghmc_chains", inits, seed, names, progress, |c, init, rng, report| {
        run_sghmc(&mut make_density(c)?, init, cfg, rng, report)
    })
}
