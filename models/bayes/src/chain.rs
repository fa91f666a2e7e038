//! One chain: checks the initial point, runs the warm-up (step-size search, dual averaging,
//! windowed metric adaptation) and the sampling phase, and records draws and sampler stats.

use crate::adapt::{find_initial_step_size, DualAveraging, MassMatrixAdapter, Windows};
use crate::config::{Algorithm, SamplerConfig};
use crate::density::LogDensity;
use crate::hmc::Hmc;
use crate::metric::{Metric, MetricKind};
use crate::nuts::{Nuts, TransitionStats};
use crate::phase::{Hamiltonian, PhasePoint};
use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

/// Sampler statistics of one kept draw (Stan's `lp__`, `accept_stat__`, ...).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawStats {
    /// Log density of the draw.
    pub lp: f64,
    /// Acceptance statistic of the transition.
    pub accept_stat: f64,
    /// Step size used.
    pub step_size: f64,
    /// Tree depth (0 for HMC).
    pub tree_depth: usize,
    /// Leapfrog steps taken.
    pub n_leapfrog: usize,
    /// Whether the transition diverged.
    pub divergent: bool,
    /// Hamiltonian at the draw.
    pub energy: f64,
}

/// The output of one chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainDraws {
    /// Parameters per draw.
    pub dim: usize,
    /// Kept draws, row-major `draws x dim`.
    pub draws: Vec<f64>,
    /// Per-draw sampler stats.
    pub stats: Vec<DrawStats>,
    /// Step size after warm-up.
    pub step_size: f64,
    /// Metric after warm-up.
    pub metric: Metric,
    /// Gradient evaluations over warm-up and sampling.
    pub n_grad_evals: u64,
    /// Divergences during warm-up (not counted in the sampling diagnostics).
    pub warmup_divergences: usize,
    /// Maximum tree depth setting (for counting saturated trees); 0 for HMC.
    pub max_depth: usize,
}

impl ChainDraws {
    /// Number of kept draws.
    pub fn len(&self) -> usize {
        self.stats.len()
    }
    /// Whether there are no draws.
    pub fn is_empty(&self) -> bool {
        self.stats.is_empty()
    }
    /// Draw `i`.
    pub fn draw(&self, i: usize) -> &[f64] {
        &self.draws[i * self.dim..(i + 1) * self.dim]
    }
    /// All draws of parameter `j`.
    pub fn param(&self, j: usize) -> Vec<f64> {
        self.draws.iter().skip(j).step_by(self.dim).copied().collect()
    }
    /// Divergent transitions after warm-up.
    pub fn divergences(&self) -> usize {
        self.stats.iter().filter(|s| s.divergent).count()
    }
    /// Transitions that hit the maximum tree depth.
    pub fn max_depth_hits(&self) -> usize {
        if self.max_depth == 0 {
            return 0;
        }
        self.stats.iter().filter(|s| s.tree_depth >= self.max_depth).count()
    }
    /// Mean acceptance statistic after warm-up.
    pub fn mean_accept(&self) -> f64 {
        self.stats.iter().map(|s| s.accept_stat).sum::<f64>() / self.len().max(1) as f64
    }
}

enum Kernel {
    Nuts(Box<Nuts>),
    Hmc(Hmc),
}

impl Kernel {
    fn transition(
        &mut self,
        ham: &mut Hamiltonian<'_>,
        rng: &mut Philox,
        eps: f64,
        z: &mut PhasePoint,
    ) -> Result<TransitionStats> {
        match self {
            Kernel::Nuts(k) => k.transition(ham, rng, eps, z),
            Kernel::Hmc(k) => k.transition(ham, rng, eps, z),
        }
    }
}

/// Checks `init` and evaluates the density there; clear errors for non-finite values.
fn initial_point(density: &mut dyn LogDensity, init: &[f64]) -> Result<PhasePoint> {
    let op = "sampler initial point";
    let d = density.dim();
    if init.len() != d {
        return Err(Error::shape(
            op,
            format!("initial point has length {}, density has dim {d}", init.len()),
        ));
    }
    if d == 0 {
        return Err(Error::invalid(op, "the density has no parameters"));
    }
    if let Some(i) = init.iter().position(|x| !x.is_finite()) {
        return Err(Error::numerical(op, format!("initial value {i} is {}", init[i])));
    }
    let mut z = PhasePoint::new(d);
    z.q.copy_from_slice(init);
    let lp = density.log_density_and_grad(&z.q, &mut z.grad)?;
    if !lp.is_finite() {
        return Err(Error::numerical(op, format!("log density is {lp} at the initial point {init:?}")));
    }
    if let Some(i) = z.grad.iter().position(|g| !g.is_finite()) {
        return Err(Error::numerical(
            op,
            format!("gradient entry {i} is {} at the initial point", z.grad[i]),
        ));
    }
    z.logp = lp;
    Ok(z)
}

/// Runs one chain from `init` with `rng`. `progress(iterations_done)` is called after every
/// iteration (warm-up and sampling).
pub fn run_chain(
    density: &mut dyn LogDensity,
    init: &[f64],
    cfg: &SamplerConfig,
    rng: &mut Philox,
    progress: &mut dyn FnMut(usize),
) -> Result<ChainDraws> {
    cfg.validate()?;
    let d = density.dim();
    let mut current = initial_point(density, init)?;
    let mut metric = Metric::identity(cfg.metric, d);
    let (mut kernel, max_depth) = match cfg.algorithm {
        Algorithm::Nuts { max_depth } => {
            (Kernel::Nuts(Box::new(Nuts::new(d, max_depth, cfg.max_delta_h))), max_depth)
        }
        Algorithm::Hmc { n_leapfrog } => (Kernel::Hmc(Hmc::new(d, n_leapfrog, cfg.max_delta_h)), 0),
    };
    let mut n_grad = 1u64;
    let mut scratch_z = PhasePoint::new(d);
    let mut scratch = vec![0.0; d];
    let mut eps = cfg.step_size;
    let mut warmup_divergences = 0;

    if cfg.warmup > 0 {
        let mut ham = Hamiltonian { density: &mut *density, metric: &metric, n_grad: 0 };
        eps = find_initial_step_size(&mut ham, rng, eps, &current, &mut scratch_z, &mut scratch)?;
        n_grad += ham.n_grad;
    }
    let mut da = DualAveraging::new(cfg.dual_averaging, eps);
    let mut windows = Windows::new(cfg.warmup, cfg.windows)?;
    let mut mm = MassMatrixAdapter::new(cfg.metric, d);

    for it in 0..cfg.warmup {
        let mut ham = Hamiltonian { density: &mut *density, metric: &metric, n_grad: 0 };
        let st = kernel.transition(&mut ham, rng, eps, &mut current)?;
        n_grad += ham.n_grad;
        warmup_divergences += st.divergent as usize;
        eps = da.update(st.accept_stat);
        let (add, end) = windows.step();
        if cfg.metric != MetricKind::Unit {
            if add {
                mm.add(&current.q);
            }
            if end {
                metric = mm.finish()?;
                // The velocity stored with the current point belongs to the old metric; it is
                // recomputed after the next momentum draw.
                let mut ham = Hamiltonian { density: &mut *density, metric: &metric, n_grad: 0 };
                eps = find_initial_step_size(&mut ham, rng, eps, &current, &mut scratch_z, &mut scratch)?;
                n_grad += ham.n_grad;
                da.restart(eps);
            }
        }
        progress(it + 1);
    }
    if cfg.warmup > 0 {
        eps = da.final_step_size();
    }
    if !(eps > 0.0 && eps.is_finite()) {
        return Err(Error::numerical("run_chain", format!("adapted step size is {eps}")));
    }

    let mut draws = Vec::with_capacity(cfg.draws * d);
    let mut stats = Vec::with_capacity(cfg.draws);
    let mut ham = Hamiltonian { density: &mut *density, metric: &metric, n_grad: 0 };
    for it in 0..cfg.draws {
        let st = kernel.transition(&mut ham, rng, eps, &mut current)?;
        draws.extend_from_slice(&current.q);
        stats.push(DrawStats {
            lp: current.logp,
            accept_stat: st.accept_stat,
            step_size: eps,
            tree_depth: st.tree_depth,
            n_leapfrog: st.n_leapfrog,
            divergent: st.divergent,
            energy: st.energy,
        });
        progress(cfg.warmup + it + 1);
    }
    n_grad += ham.n_grad;
    Ok(ChainDraws {
        dim: d,
        draws,
        stats,
        step_size: eps,
        metric,
        n_grad_evals: n_grad,
        warmup_divergences,
        max_depth,
    })
}
