//! Seeded random graph generators for tests and benches: Erdős–Rényi and a power-law
//! (Chung–Lu) model. Same seed, same graph, on every machine.

use super::coo::{CooOptions, SelfLoops};
use super::pattern::CsrPattern;
use crate::element::Idx;
use crate::error::{Error, Result};
use crate::rng::Philox;

/// Draws `m` distinct undirected edges `{u, v}`, `u != v`, with endpoints from `pick`, and returns
/// them as a symmetric pattern (optionally with a self loop on every node).
fn distinct_edges(
    op: &'static str,
    n: usize,
    m: usize,
    self_loops: bool,
    rng: &mut Philox,
    mut pick: impl FnMut(&mut Philox) -> Idx,
) -> Result<CsrPattern> {
    if n > Idx::MAX as usize {
        return Err(Error::shape(op, format!("{n} nodes do not fit u32")));
    }
    let max_edges = n.saturating_mul(n.saturating_sub(1)) / 2;
    if m > max_edges {
        return Err(Error::invalid(
            op,
            format!("{m} distinct edges asked of {n} nodes (at most {max_edges})"),
        ));
    }
    let mut keys: Vec<u64> = Vec::with_capacity(m);
    let mut rounds = 0;
    while keys.len() < m {
        rounds += 1;
        if rounds > 1000 {
            return Err(Error::numerical(
                op,
                format!("could not draw {m} distinct edges in 1000 rounds (too dense)"),
            ));
        }
        let need = m - keys.len();
        let mut drawn = 0;
        while drawn < need {
            let (u, v) = (pick(rng), pick(rng));
            if u != v {
                let (a, b) = (u.min(v) as u64, u.max(v) as u64);
                keys.push(a << 32 | b);
                drawn += 1;
            }
        }
        keys.sort_unstable();
        keys.dedup();
    }
    let src: Vec<Idx> = keys.iter().map(|k| (k >> 32) as Idx).collect();
    let dst: Vec<Idx> = keys.iter().map(|&k| k as Idx).collect();
    let loops = if self_loops { SelfLoops::Add } else { SelfLoops::Keep };
    CsrPattern::from_coo(n, n, &src, &dst, CooOptions::undirected().with_self_loops(loops))
}

/// An Erdős–Rényi `G(n, m)` graph: `m` distinct undirected edges drawn uniformly, stored
/// symmetrically (`2m` entries), plus `n` self loops when `self_loops`.
///
/// ```
/// use weft_ops::sparse::random::erdos_renyi;
/// let g = erdos_renyi(100, 300, false, 7).unwrap();
/// assert_eq!(g.nnz(), 600);
/// assert_eq!(g, erdos_renyi(100, 300, false, 7).unwrap()); // seeded
/// ```
pub fn erdos_renyi(n: usize, m: usize, self_loops: bool, seed: u64) -> Result<CsrPattern> {
    let mut rng = Philox::with_stream(seed, 0x4552);
    distinct_edges("erdos_renyi", n, m, self_loops, &mut rng, |r| r.below(n as u64) as Idx)
}

/// A power-law graph (Chung–Lu): node `i` gets weight `(i + 1)^(-1 / (exponent - 1))`, each
/// edge end is drawn with probability proportional to the weights, so the expected degree
/// distribution has tail `P(d) ~ d^-exponent` (typical graphs: `exponent` in 2..3). `m` distinct
/// undirected edges without self loops are kept, stored symmetrically, plus `n` self loops
/// when `self_loops`. Node ids are shuffled, so high-degree nodes are spread over the id range
/// (no artificial cache locality).
///
/// `power_law(100_000, 1_000_000, 2.5, true, seed)` is the 100k-node, 1M-edge benchmark graph
/// (2.1M stored entries with self loops).
pub fn power_law(n: usize, m: usize, exponent: f64, self_loops: bool, seed: u64) -> Result<CsrPattern> {
    const OP: &str = "power_law";
    if !(exponent > 1.0 && exponent.is_finite()) {
        return Err(Error::invalid(OP, format!("exponent must be > 1, got {exponent}")));
    }
    if n < 2 {
        return distinct_edges(OP, n, m, self_loops, &mut Philox::new(seed), |_| 0);
    }
    let mut rng = Philox::with_stream(seed, 0x504c);
    let alpha = 1.0 / (exponent - 1.0);
    let mut cdf = Vec::with_capacity(n);
    let mut acc = 0.0;
    for i in 0..n {
        acc += ((i + 1) as f64).powf(-alpha);
        cdf.push(acc);
    }
    // Random relabelling of node ids (Fisher-Yates).
    let mut label: Vec<Idx> = (0..n as Idx).collect();
    for i in (1..n).rev() {
        label.swap(i, rng.below(i as u64 + 1) as usize);
    }
    distinct_edges(OP, n, m, self_loops, &mut rng, |r| {
        let u = r.uniform() * acc;
        let k = cdf.partition_point(|&c| c < u).min(n - 1);
        label[k]
    })
}
