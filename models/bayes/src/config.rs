//! Sampler settings: algorithm, warm-up and draw counts, metric, adaptation constants.

use crate::adapt::{DualAveragingConfig, WindowConfig};
use crate::metric::MetricKind;
use weft_ops::{Error, Result};

/// The transition kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// NUTS with at most `max_depth` doublings (Stan's default 10).
    Nuts {
        /// Maximum tree depth.
        max_depth: usize,
    },
    /// Static HMC with `n_leapfrog` steps per transition.
    Hmc {
        /// Leapfrog steps per transition.
        n_leapfrog: usize,
    },
}

/// Everything a chain needs besides the density, the initial point and the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplerConfig {
    /// The kernel.
    pub algorithm: Algorithm,
    /// Warm-up (adaptation) iterations, discarded.
    pub warmup: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// The metric to adapt.
    pub metric: MetricKind,
    /// Initial step size (the search starts here; used as is when `warmup == 0`).
    pub step_size: f64,
    /// Energy error above which a trajectory is divergent (1000).
    pub max_delta_h: f64,
    /// Dual-averaging constants.
    pub dual_averaging: DualAveragingConfig,
    /// Metric adaptation windows.
    pub windows: WindowConfig,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            algorithm: Algorithm::Nuts { max_depth: 10 },
            warmup: 1000,
            draws: 1000,
            metric: MetricKind::Diagonal,
            step_size: 1.0,
            max_delta_h: 1000.0,
            dual_averaging: DualAveragingConfig::default(),
            windows: WindowConfig::default(),
        }
    }
}

impl SamplerConfig {
    /// NUTS, Stan's defaults (diagonal metric, depth 10, 1000 + 1000 iterations).
    pub fn nuts() -> Self {
        Self::default()
    }

    /// Static HMC with `n_leapfrog` steps, otherwise Stan's defaults.
    pub fn hmc(n_leapfrog: usize) -> Self {
        SamplerConfig { algorithm: Algorithm::Hmc { n_leapfrog }, ..Self::default() }
    }

    /// Sets warm-up and draw counts.
    pub fn iterations(mut self, warmup: usize, draws: usize) -> Self {
        self.warmup = warmup;
        self.draws = draws;
        self
    }

    /// Sets the metric kind.
    pub fn metric(mut self, kind: MetricKind) -> Self {
        self.metric = kind;
        self
    }

    /// Sets the target acceptance statistic.
    pub fn target_accept(mut self, delta: f64) -> Self {
        self.dual_averaging.target_accept = delta;
        self
    }

    /// Sets the maximum tree depth (NUTS only).
    pub fn max_depth(mut self, depth: usize) -> Self {
        if let Algorithm::Nuts { max_depth } = &mut self.algorithm {
            *max_depth = depth;
        }
        self
    }

    /// Sets the initial step size.
    pub fn step_size(mut self, eps: f64) -> Self {
        self.step_size = eps;
        self
    }

    /// Checks every setting; the error names the bad one.
    pub fn validate(&self) -> Result<()> {
        let op = "SamplerConfig";
        if !(self.step_size > 0.0 && self.step_size.is_finite()) {
            return Err(Error::invalid(op, format!("step size {} must be finite and > 0", self.step_size)));
        }
        match self.algorithm {
            Algorithm::Nuts { max_depth } if !(1..=30).contains(&max_depth) => {
                return Err(Error::invalid(op, format!("max_depth {max_depth} must be in 1..=30")));
            }
            Algorithm::Hmc { n_leapfrog: 0 } => {
                return Err(Error::invalid(op, "n_leapfrog must be >= 1"));
            }
            _ => {}
        }
        if self.max_delta_h.is_nan() || self.max_delta_h <= 0.0 {
            return Err(Error::invalid(op, format!("max_delta_h {} must be > 0", self.max_delta_h)));
        }
        if self.draws == 0 {
            return Err(Error::invalid(op, "draws must be >= 1"));
        }
        self.dual_averaging.validate()
    }
}
