//! Seeded uniform random walks (DeepWalk / node2vec with p = q = 1).

use crate::element::Idx;
use crate::error::{Error, Result};
use crate::rng::Philox;
use crate::sparse::coo::check_ids;
use crate::sparse::CsrPattern;
use rayon::prelude::*;

/// One walk of `length` steps from every start node: `[starts.len(), length + 1]` node ids,
/// row-major, each row beginning with its start node. Every step moves to a uniformly chosen
/// column id of the current row; a node with an empty row stays where it is for the rest of
/// the walk (as torch_cluster does).
///
/// Walk `k` draws from its own Philox stream derived from one draw of `rng`, so the result is
/// the same for any number of threads. Parallel when there is much work.
///
/// ```
/// use weft_ops::rng::Philox;
/// use weft_ops::sparse::{graph::random_walks, CooOptions, CsrPattern};
/// let g = CsrPattern::from_coo(3, 3, &[0, 1], &[1, 2], CooOptions::undirected()).unwrap();
/// let w = random_walks(&g, &[0, 2], 4, &mut Philox::new(3)).unwrap();
/// assert_eq!(w.len(), 2 * 5);
/// assert_eq!(w[0], 0);
/// assert!(w.windows(2).take(4).all(|s| g.contains(s[0] as usize, s[1] as usize)));
/// ```
pub fn random_walks(g: &CsrPattern, starts: &[Idx], length: usize, rng: &mut Philox) -> Result<Vec<Idx>> {
    const OP: &str = "random_walks";
    if !g.is_square() {
        return Err(Error::shape(
            OP,
            format!("needs a square pattern (a graph), got {} x {}", g.n_rows(), g.n_cols()),
        ));
    }
    check_ids(OP, "start", starts, g.n_rows())?;
    let seed = rng.next_u64();
    let w = length + 1;
    let mut out = vec![0 as Idx; starts.len() * w];
    let walk = |(k, o): (usize, &mut [Idx])| {
        let mut r = Philox::with_stream(seed, k as u64);
        let mut u = starts[k];
        o[0] = u;
        for slot in o.iter_mut().skip(1) {
            let row = g.row(u as usize);
            if !row.is_empty() {
                u = row[r.below(row.len() as u64) as usize];
            }
            *slot = u;
        }
    };
    if w > 0 {
        if starts.len() * w < 65_536 {
            out.chunks_exact_mut(w).enumerate().for_each(walk);
        } else {
            out.par_chunks_exact_mut(w).enumerate().for_each(walk);
        }
    }
    Ok(out)
}
