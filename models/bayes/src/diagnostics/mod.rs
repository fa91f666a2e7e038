//! Convergence diagnostics as in ArviZ / Stan (Vehtari et al. 2021): rank-normalised split
//! R-hat ([`mod@rhat`]), bulk and tail effective sample sizes with Geyer's initial monotone
//! sequence and the Monte Carlo standard error of the mean ([`mod@ess`]).
//!
//! Every function takes the draws of one scalar as one slice per chain (equal lengths).

pub mod ess;
pub mod rhat;

pub use ess::{ess, ess_bulk, ess_mean, ess_tail, mcse_mean, quantile};
pub use rhat::{rank_normalize, rhat, rhat_basic, rhat_bulk, rhat_folded, split_chains};

use weft_ops::{Error, Result};

/// Checks that there is at least one chain, all chains have the same length `>= min_len`.
pub(crate) fn check_chains(op: &'static str, chains: &[&[f64]], min_len: usize) -> Result<usize> {
    let Some(first) = chains.first() else {
        return Err(Error::invalid(op, "no chains"));
    };
    let n = first.len();
    if let Some((i, c)) = chains.iter().enumerate().find(|(_, c)| c.len() != n) {
        return Err(Error::shape(op, format!("chain 0 has {n} draws but chain {i} has {}", c.len())));
    }
    if n < min_len {
        return Err(Error::invalid(op, format!("{n} draws per chain, need at least {min_len}")));
    }
    Ok(n)
}
