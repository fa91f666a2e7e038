//! [`Posterior`]: the draws of several chains with parameter names, and the sampler-wide
//! counts (divergences, saturated trees, acceptance, gradient evaluations).

use crate::chain::ChainDraws;
use weft_ops::{Error, Result};

/// Draws of all chains of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    names: Vec<String>,
    chains: Vec<ChainDraws>,
}

impl Posterior {
    /// Bundles `chains` (same dimension and length) with one name per parameter.
    pub fn new(names: Vec<String>, chains: Vec<ChainDraws>) -> Result<Self> {
        let op = "Posterior::new";
        let Some(first) = chains.first() else {
            return Err(Error::invalid(op, "no chains"));
        };
        if names.len() != first.dim {
            return Err(Error::shape(op, format!("{} names for {} parameters", names.len(), first.dim)));
        }
        for (i, c) in chains.iter().enumerate() {
            if c.dim != first.dim || c.len() != first.len() {
                return Err(Error::shape(
                    op,
                    format!(
                        "chain {i} has {} draws of {} parameters, chain 0 has {} of {}",
                        c.len(),
                        c.dim,
                        first.len(),
                        first.dim
                    ),
                ));
            }
        }
        Ok(Posterior { names, chains })
    }

    /// Default names `theta[0]`, `theta[1]`, ...
    pub fn default_names(dim: usize) -> Vec<String> {
        (0..dim).map(|i| format!("theta[{i}]")).collect()
    }

    /// Parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The chains.
    pub fn chains(&self) -> &[ChainDraws] {
        &self.chains
    }
    /// Number of chains.
    pub fn n_chains(&self) -> usize {
        self.chains.len()
    }
    /// Draws per chain.
    pub fn n_draws(&self) -> usize {
        self.chains[0].len()
    }
    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.chains[0].dim
    }
    /// Index of parameter `name`.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::index("Posterior::index_of", format!("no parameter {name:?}")))
    }
    /// Draws of parameter `j`, one vector per chain.
    pub fn param(&self, j: usize) -> Result<Vec<Vec<f64>>> {
        if j >= self.dim() {
            return Err(Error::index("Posterior::param", format!("parameter {j} of {}", self.dim())));
        }
        Ok(self.chains.iter().map(|c| c.param(j)).collect())
    }
    /// Draws of `f(draw)` for a scalar function of the parameters, one vector per chain.
    pub fn map<F: Fn(&[f64]) -> f64>(&self, f: F) -> Vec<Vec<f64>> {
        self.chains.iter().map(|c| (0..c.len()).map(|i| f(c.draw(i))).collect()).collect()
    }
    /// Divergent transitions after warm-up, all chains.
    pub fn divergences(&self) -> usize {
        self.chains.iter().map(|c| c.divergences()).sum()
    }
    /// Transitions at the maximum tree depth, all chains.
    pub fn max_depth_hits(&self) -> usize {
        self.chains.iter().map(|c| c.max_depth_hits()).sum()
    }
    /// Mean acceptance statistic over all kept transitions.
    pub fn mean_accept(&self) -> f64 {
        self.chains.iter().map(|c| c.mean_accept()).sum::<f64>() / self.n_chains() as f64
    }
    /// Gradient evaluations, all chains, warm-up included.
    pub fn n_grad_evals(&self) -> u64 {
        self.chains.iter().map(|c| c.n_grad_evals).sum()
    }
    /// Adapted step size of each chain.
    pub fn step_sizes(&self) -> Vec<f64> {
        self.chains.iter().map(|c| c.step_size).collect()
    }
}
