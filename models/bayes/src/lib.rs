//! # weft-bayes
//!
//! Bayesian inference for weft: target densities over a flat parameter vector, HMC and NUTS
//! with Stan's warm-up (step-size search, dual averaging, windowed diagonal or dense metric
//! adaptation), adaptive SGHMC for minibatches, parallel seeded chains, and ArviZ-style
//! diagnostics (rank-normalised split R-hat, bulk / tail ESS, MCSE) with a summary table and
//! CSV export.
//!
//! Modules:
//! - [`density`]: the [`LogDensity`] trait and the closure adapter [`FnDensity`];
//! - [`layout`]: [`ParamLayout`], named parameter blocks packed into the flat vector;
//! - [`bnn`]: Bayesian neural networks ([`bnn::Bnn`], [`bnn::BnnDensity`] on weft's tape,
//!   Gaussian / learned-noise / Bernoulli / categorical likelihoods, posterior predictive);
//! - [`bijection`]: [`Bijection`] (identity, exp, sigmoid) with log-Jacobians;
//! - [`prior`]: [`Prior`] (Normal, Laplace, Student-t, Gamma, HalfCauchy, LogNormal);
//! - [`linalg`]: vectorised dot products for the integrators;
//! - [`special`]: `ln Γ`, the normal quantile, log-sum-exp;
//! - [`metric`]: [`Metric`] (diagonal / dense inverse mass matrix) and [`MetricKind`];
//! - [`phase`]: phase-space points and the leapfrog integrator;
//! - [`hmc`]: static HMC; [`nuts`]: the No-U-Turn sampler;
//! - [`adapt`]: step-size heuristic, dual averaging, Welford mass matrix, Stan's windows;
//! - [`config`]: [`SamplerConfig`], [`Algorithm`];
//! - [`chain`]: [`run_chain`], [`ChainDraws`], [`DrawStats`];
//! - [`chains`]: [`sample_chains`] (parallel, deterministic per seed), [`uniform_inits`];
//! - [`sghmc`]: [`MinibatchDensity`], [`run_sghmc`], [`sample_sghmc_chains`];
//! - [`posterior`]: [`Posterior`]; [`predictive`]: posterior predictive mean / variance / quantiles;
//!   [`summary`]: [`Summary`]; [`csv`]: CSV export;
//! - [`diagnostics`]: R-hat, ESS, MCSE.
//!
//! Performance note: a sampler evaluates its density millions of times, allocating and freeing
//! the same few buffers each time. With glibc's allocator that becomes heap trimming and
//! regrowth (system calls) on every gradient: the f64 `bnn_regression` example ran 1.7x faster
//! with `mimalloc` as the global allocator (`#[global_allocator] static A: mimalloc::MiMalloc =
//! mimalloc::MiMalloc;` in the binary), which the examples use.

pub mod adapt;
pub mod bijection;
pub mod bnn;
pub mod chain;
pub mod chains;
pub mod config;
pub mod csv;
pub mod density;
pub mod diagnostics;
pub mod hmc;
pub mod layout;
pub mod linalg;
pub mod metric;
pub mod nuts;
pub mod phase;
pub mod posterior;
pub mod predictive;
pub mod prior;
pub mod sghmc;
pub mod special;
pub mod summary;

pub use bijection::Bijection;
pub use chain::{run_chain, ChainDraws, DrawStats};
pub use chains::{sample_chains, uniform_inits, Progress};
pub use config::{Algorithm, SamplerConfig};
pub use density::{FnDensity, LogDensity};
pub use layout::{ParamBlock, ParamLayout};
pub use metric::{Metric, MetricKind};
pub use posterior::Posterior;
pub use predictive::PredictiveSummary;
pub use prior::Prior;
pub use sghmc::{run_sghmc, sample_sghmc_chains, FullBatch, MinibatchDensity, SghmcConfig};
pub use summary::{Summary, SummaryRow};
