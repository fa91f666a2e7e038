//! Several chains in parallel on rayon's pool. Chain `c` draws from
//! `Philox::with_stream(seed, c)`, so the same seed gives the same draws whatever the number
//! of threads.

use crate::chain::{run_chain, ChainDraws};
use crate::config::SamplerConfig;
use crate::density::LogDensity;
use crate::posterior::Posterior;
use rayon::prelude::*;
use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

/// Progress callback: `(chain, iterations_done)`, called from worker threads.
pub type Progress<'a> = dyn Fn(usize, usize) + Sync + 'a;

/// Initial points uniform in `(-radius, radius)^dim` (Stan's default is radius 2), one per
/// chain, from a stream disjoint from the chains' streams.
pub fn uniform_inits(dim: usize, n_chains: usize, radius: f64, seed: u64) -> Vec<Vec<f64>> {
    (0..n_chains)
        .map(|c| {
            let mut rng = Philox::with_stream(seed, u64::MAX - c as u64);
            (0..dim).map(|_| radius * (2.0 * rng.uniform() - 1.0)).collect()
        })
        .collect()
}

/// Runs one chain per entry of `inits` in parallel. `make_density(chain)` builds each chain's
/// own density. `names` (or `theta[i]` if `None`) label the parameters.
pub fn sample_chains<D, F>(
    make_density: F,
    inits: &[Vec<f64>],
    cfg: &SamplerConfig,
    seed: u64,
    names: Option<Vec<String>>,
    progress: Option<&Progress>,
) -> Result<Posterior>
where
    D: LogDensity,
    F: Fn(usize) -> Result<D> + Sync,
{
    cfg.validate()?;
    run_chains("sample_chains", inits, seed, names, progress, |c, init, rng, report| {
        run_chain(&mut make_density(c)?, init, cfg, rng, report)
    })
}

/// The parallel driver shared by the samplers: runs `chain(c, init, rng, report)` for every
/// entry of `inits` on rayon's pool, chain `c` on `Philox::with_stream(seed, c)`, and collects
/// the draws; errors name the chain. `op` names the caller in the error for no `inits`.
pub(crate) fn run_chains<F>(
    op: &'static str,
    inits: &[Vec<f64>],
    seed: u64,
    names: Option<Vec<String>>,
    progress: Option<&Progress>,
    chain: F,
) -> Result<Posterior>
where
    F: Fn(usize, &[f64], &mut Philox, &mut dyn FnMut(usize)) -> Result<ChainDraws> + Sync,
{
    if inits.is_empty() {
        return Err(Error::invalid(op, "no initial points: one per chain is needed"));
    }
    let results: Vec<Result<ChainDraws>> = inits
        .par_iter()
        .enumerate()
        .map(|(c, init)| {
            let mut rng = Philox::with_stream(seed, c as u64);
            let mut report = |it: usize| {
                if let Some(p) = progress {
                    p(c, it)
                }
            };
            chain(c, init, &mut rng, &mut report).map_err(|e| match e {
                Error::Numerical { op, msg } => Error::Numerical { op, msg: format!("chain {c}: {msg}") },
                Error::Invalid { op, msg } => Error::Invalid { op, msg: format!("chain {c}: {msg}") },
                other => other,
            })
        })
        .collect();
    let chains = results.into_iter().collect::<Result<Vec<_>>>()?;
    let names = names.unwrap_or_else(|| Posterior::default_names(chains[0].dim));
    Posterior::new(names, chains)
}
