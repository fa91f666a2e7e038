//! The No-U-Turn sampler exactly as Stan's `base_nuts` (and NumPyro's iterative NUTS) does it:
//!
//! - the trajectory doubles in a random direction until a U-turn, a divergence or the maximum
//!   tree depth;
//! - multinomial sampling: biased progressive sampling between the old tree and the new subtree
//!   at the top level, uniform progressive sampling inside subtrees;
//! - the generalised U-turn criterion on the summed momenta `rho` with the velocities `M^{-1} p`
//!   at both ends, plus the two extra checks across the merged subtrees (Stan >= 2.26);
//! - a divergence when the energy error `H - H0` exceeds `max_delta_h` (1000).
//!
//! All vectors live in a per-depth workspace allocated once; a transition allocates nothing.

use crate::phase::{Hamiltonian, PhasePoint};
use crate::special::log_sum_exp;
use weft_ops::rng::Philox;
use weft_ops::Result;

/// What one transition did (Stan's sampler diagnostics).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransitionStats {
    /// Mean Metropolis acceptance over the trajectory (the adaptation statistic).
    pub accept_stat: f64,
    /// Leapfrog steps (= gradient evaluations) taken.
    pub n_leapfrog: usize,
    /// Tree depth reached (HMC: 0).
    pub tree_depth: usize,
    /// Whether the trajectory diverged.
    pub divergent: bool,
    /// Hamiltonian at the selected point.
    pub energy: f64,
}

/// Vectors used at one level of the recursion.
#[derive(Debug, Clone)]
struct Level {
    p_init_end: Vec<f64>,
    p_sharp_init_end: Vec<f64>,
    rho_init: Vec<f64>,
    z_final: PhasePoint,
    p_final_beg: Vec<f64>,
    p_sharp_final_beg: Vec<f64>,
    rho_final: Vec<f64>,
}

impl Level {
    fn new(d: usize) -> Self {
        Level {
            p_init_end: vec![0.0; d],
            p_sharp_init_end: vec![0.0; d],
            rho_init: vec![0.0; d],
            z_final: PhasePoint::new(d),
            p_final_beg: vec![0.0; d],
            p_sharp_final_beg: vec![0.0; d],
            rho_final: vec![0.0; d],
        }
    }
}

/// Top-level trajectory state.
#[derive(Debug, Clone)]
struct Trajectory {
    z: PhasePoint,
    z_fwd: PhasePoint,
    z_bck: PhasePoint,
    z_propose: PhasePoint,
    p_fwd_fwd: Vec<f64>,
    p_sharp_fwd_fwd: Vec<f64>,
    p_fwd_bck: Vec<f64>,
    p_sharp_fwd_bck: Vec<f64>,
    p_bck_fwd: Vec<f64>,
    p_sharp_bck_fwd: Vec<f64>,
    p_bck_bck: Vec<f64>,
    p_sharp_bck_bck: Vec<f64>,
    rho: Vec<f64>,
    rho_fwd: Vec<f64>,
    rho_bck: Vec<f64>,
    scratch: Vec<f64>,
}

impl Trajectory {
    fn new(d: usize) -> Self {
        let v = || vec![0.0; d];
        let z = || PhasePoint::new(d);
        Trajectory {
            z: z(),
            z_fwd: z(),
            z_bck: z(),
            z_propose: z(),
            p_fwd_fwd: v(),
            p_sharp_fwd_fwd: v(),
            p_fwd_bck: v(),
            p_sharp_fwd_bck: v(),
            p_bck_fwd: v(),
            p_sharp_bck_fwd: v(),
            p_bck_bck: v(),
            p_sharp_bck_bck: v(),
            rho: v(),
            rho_fwd: v(),
            rho_bck: v(),
            scratch: v(),
        }
    }
}

/// Counters shared by the recursion.
struct TreeCtx<'h, 'a> {
    ham: &'h mut Hamiltonian<'a>,
    rng: &'h mut Philox,
    eps: f64,
    h0: f64,
    max_delta_h: f64,
    n_leapfrog: usize,
    sum_metro_prob: f64,
    divergent: bool,
}

/// `p_sharp_plus . rho > 0 && p_sharp_minus . rho > 0` with `rho = a + b`.
#[inline]
fn criterion(p_sharp_minus: &[f64], p_sharp_plus: &[f64], a: &[f64], b: &[f64]) -> bool {
    let (dm, dp) = crate::linalg::dot2_sum(p_sharp_minus, p_sharp_plus, a, b);
    dp > 0.0 && dm > 0.0
}

/// The No-U-Turn sampler with its preallocated workspace.
#[derive(Debug, Clone)]
pub struct Nuts {
    max_depth: usize,
    max_delta_h: f64,
    levels: Vec<Level>,
    traj: Trajectory,
}

impl Nuts {
    /// A sampler for `dim` parameters with trees of at most `max_depth` doublings.
    pub fn new(dim: usize, max_depth: usize, max_delta_h: f64) -> Self {
        Nuts {
            max_depth,
            max_delta_h,
            levels: (0..max_depth).map(|_| Level::new(dim)).collect(),
            traj: Trajectory::new(dim),
        }
    }

    /// Maximum tree depth.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// One NUTS transition from `current` (whose `q`, `grad`, `logp` are valid) with step size
    /// `eps`; `current` is replaced by the selected point.
    pub fn transition(
        &mut self,
        ham: &mut Hamiltonian<'_>,
        rng: &mut Philox,
        eps: f64,
        current: &mut PhasePoint,
    ) -> Result<TransitionStats> {
        let t = &mut self.traj;
        t.z.copy_from(current);
        ham.refresh(&mut t.z, rng, &mut t.scratch);
        t.z_fwd.copy_from(&t.z);
        t.z_bck.copy_from(&t.z);
        // `current` doubles as z_sample.
        current.copy_from(&t.z);
        for buf in [&mut t.p_fwd_fwd, &mut t.p_fwd_bck, &mut t.p_bck_fwd, &mut t.p_bck_bck, &mut t.rho] {
            buf.copy_from_slice(&t.z.p);
        }
        for buf in
            [&mut t.p_sharp_fwd_fwd, &mut t.p_sharp_fwd_bck, &mut t.p_sharp_bck_fwd, &mut t.p_sharp_bck_bck]
        {
            buf.copy_from_slice(&t.z.v);
        }
        let h0 = t.z.energy();
        let mut log_sum_weight = 0.0;
        let mut ctx = TreeCtx {
            ham,
            rng,
            eps,
            h0,
            max_delta_h: self.max_delta_h,
            n_leapfrog: 0,
            sum_metro_prob: 0.0,
            divergent: false,
        };
        let mut depth = 0;
        while depth < self.max_depth {
            t.rho_fwd.fill(0.0);
            t.rho_bck.fill(0.0);
            let mut lsw_subtree = f64::NEG_INFINITY;
            let valid = if ctx.rng.uniform() > 0.5 {
                t.z.copy_from(&t.z_fwd);
                t.rho_bck.copy_from_slice(&t.rho);
                t.p_bck_fwd.copy_from_slice(&t.p_fwd_fwd);
                t.p_sharp_bck_fwd.copy_from_slice(&t.p_sharp_fwd_fwd);
                let v = build_tree(
                    &mut ctx,
                    &mut self.levels,
                    depth,
                    &mut t.z,
                    &mut t.z_propose,
                    &mut t.p_sharp_fwd_bck,
                    &mut t.p_sharp_fwd_fwd,
                    &mut t.rho_fwd,
                    &mut t.p_fwd_bck,
                    &mut t.p_fwd_fwd,
                    1.0,
                    &mut lsw_subtree,
                )?;
                t.z_fwd.copy_from(&t.z);
                v
            } else {
                t.z.copy_from(&t.z_bck);
                t.rho_fwd.copy_from_slice(&t.rho);
                t.p_fwd_bck.copy_from_slice(&t.p_bck_bck);
                t.p_sharp_fwd_bck.copy_from_slice(&t.p_sharp_bck_bck);
                let v = build_tree(
                    &mut ctx,
                    &mut self.levels,
                    depth,
                    &mut t.z,
                    &mut t.z_propose,
                    &mut t.p_sharp_bck_fwd,
                    &mut t.p_sharp_bck_bck,
                    &mut t.rho_bck,
                    &mut t.p_bck_fwd,
                    &mut t.p_bck_bck,
                    -1.0,
                    &mut lsw_subtree,
                )?;
                t.z_bck.copy_from(&t.z);
                v
            };
            if !valid {
                break;
            }
            depth += 1;
            // Biased progressive sampling: prefer the new subtree.
            if lsw_subtree > log_sum_weight || ctx.rng.uniform() < (lsw_subtree - log_sum_weight).exp() {
                current.copy_from(&t.z_propose);
            }
            log_sum_weight = log_sum_exp(log_sum_weight, lsw_subtree);
            for i in 0..t.rho.len() {
                t.rho[i] = t.rho_bck[i] + t.rho_fwd[i];
            }
            let zeros = &mut t.scratch;
            zeros.fill(0.0);
            let persist = criterion(&t.p_sharp_bck_bck, &t.p_sharp_fwd_fwd, &t.rho, zeros)
                && criterion(&t.p_sharp_bck_bck, &t.p_sharp_fwd_bck, &t.rho_bck, &t.p_fwd_bck)
                && criterion(&t.p_sharp_bck_fwd, &t.p_sharp_fwd_fwd, &t.rho_fwd, &t.p_bck_fwd);
            if !persist {
                break;
            }
        }
        let n = ctx.n_leapfrog;
        Ok(TransitionStats {
            accept_stat: ctx.sum_metro_prob / n as f64,
            n_leapfrog: n,
            tree_depth: depth,
            divergent: ctx.divergent,
            energy: current.energy(),
        })
    }
}

/// Builds a subtree of `2^depth` leapfrog steps from `z` in direction `sign`; returns whether it
/// is valid (no divergence, no U-turn inside). `levels` must hold at least `depth` entries.
#[allow(clippy::too_many_arguments)]
fn build_tree(
    ctx: &mut TreeCtx<'_, '_>,
    levels: &mut [Level],
    depth: usize,
    z: &mut PhasePoint,
    z_propose: &mut PhasePoint,
    p_sharp_beg: &mut [f64],
    p_sharp_end: &mut [f64],
    rho: &mut [f64],
    p_beg: &mut [f64],
    p_end: &mut [f64],
    sign: f64,
    log_sum_weight: &mut f64,
) -> Result<bool> {
    if depth == 0 {
        ctx.ham.leapfrog(z, sign * ctx.eps)?;
        ctx.n_leapfrog += 1;
        let h = z.energy();
        if h - ctx.h0 > ctx.max_delta_h {
            ctx.divergent = true;
        }
        let w = ctx.h0 - h;
        *log_sum_weight = log_sum_exp(*log_sum_weight, w);
        ctx.sum_metro_prob += if w > 0.0 { 1.0 } else { w.exp() };
        z_propose.copy_from(z);
        p_sharp_beg.copy_from_slice(&z.v);
        p_sharp_end.copy_from_slice(&z.v);
        for (r, p) in rho.iter_mut().zip(&z.p) {
            *r += p;
        }
        p_beg.copy_from_slice(&z.p);
        p_end.copy_from_slice(&z.p);
        return Ok(!ctx.divergent);
    }
    let (lower, this) = levels[..depth].split_at_mut(depth - 1);
    let lv = &mut this[0];

    let mut lsw_init = f64::NEG_INFINITY;
    lv.rho_init.fill(0.0);
    let valid_init = build_tree(
        ctx,
        lower,
        depth - 1,
        z,
        z_propose,
        p_sharp_beg,
        &mut lv.p_sharp_init_end,
        &mut lv.rho_init,
        p_beg,
        &mut lv.p_init_end,
        sign,
        &mut lsw_init,
    )?;
    if !valid_init {
        return Ok(false);
    }

    let mut lsw_final = f64::NEG_INFINITY;
    lv.rho_final.fill(0.0);
    let valid_final = build_tree(
        ctx,
        lower,
        depth - 1,
        z,
        &mut lv.z_final,
        &mut lv.p_sharp_final_beg,
        p_sharp_end,
        &mut lv.rho_final,
        &mut lv.p_final_beg,
        p_end,
        sign,
        &mut lsw_final,
    )?;
    if !valid_final {
        return Ok(false);
    }

    // Uniform progressive sampling inside the subtree.
    let lsw_subtree = log_sum_exp(lsw_init, lsw_final);
    *log_sum_weight = log_sum_exp(*log_sum_weight, lsw_subtree);
    if lsw_final > lsw_subtree || ctx.rng.uniform() < (lsw_final - lsw_subtree).exp() {
        z_propose.copy_from(&lv.z_final);
    }

    for ((r, a), b) in rho.iter_mut().zip(&lv.rho_init).zip(&lv.rho_final) {
        *r += a + b;
    }
    let persist = criterion(p_sharp_beg, p_sharp_end, &lv.rho_init, &lv.rho_final)
        && criterion(p_sharp_beg, &lv.p_sharp_final_beg, &lv.rho_init, &lv.p_final_beg)
        && criterion(&lv.p_sharp_init_end, p_sharp_end, &lv.rho_final, &lv.p_init_end);
    Ok(persist)
}
