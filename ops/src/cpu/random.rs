//! Philox-based random tensors. Element `i` depends only on the state and `i`, so the result
//! is the same for any thread count and on every backend.

use super::parallel::ELEMENTWISE_MIN;
use crate::element::{DType, Element};
use crate::rng::{box_muller, unit_f32, unit_f64, PhiloxState};
use rayon::prelude::*;

/// Uniform (0, 1) of one word in the precision of `T` (23 bits for f32, 32 for f64).
#[inline(always)]
pub fn unit<T: Element>(w: u32) -> T {
    match T::DTYPE {
        DType::F32 => T::of(unit_f32(w) as f64),
        DType::F64 => T::of(unit_f64(w)),
    }
}

/// Fills `n` elements block by block: `f(block_words, out_chunk_of_4)`.
fn fill_blocks<T: Element>(n: usize, st: PhiloxState, f: impl Fn([u32; 4], &mut [T]) + Sync) -> Vec<T> {
    let mut out = vec![T::zero(); n];
    let body = |(b, chunk): (usize, &mut [T])| f(st.block(b as u64), chunk);
    if n >= ELEMENTWISE_MIN {
        out.par_chunks_mut(4).enumerate().for_each(body);
    } else {
        out.chunks_mut(4).enumerate().for_each(body);
    }
    out
}

/// Uniforms in `(lo, hi)`.
pub fn uniform<T: Element>(n: usize, st: PhiloxState, lo: T, hi: T) -> Vec<T> {
    fill_blocks(n, st, |w, c: &mut [T]| {
        for (o, &w) in c.iter_mut().zip(&w) {
            *o = lo + (hi - lo) * unit::<T>(w);
        }
    })
}

/// Normals `mean + std * z` (Box-Muller on word pairs (0, 1) and (2, 3), in f64).
pub fn normal<T: Element>(n: usize, st: PhiloxState, mean: T, std: T) -> Vec<T> {
    fill_blocks(n, st, |w, c: &mut [T]| {
        let (z0, z1) = box_muller(w[0], w[1]);
        let (z2, z3) = box_muller(w[2], w[3]);
        for (o, z) in c.iter_mut().zip([z0, z1, z2, z3]) {
            *o = mean + std * T::of(z);
        }
    })
}

/// Dropout mask: `1 / keep` where `unit(word) < keep`, else 0.
pub fn dropout_mask<T: Element>(n: usize, st: PhiloxState, keep: f64) -> Vec<T> {
    let scale = T::of(1.0 / keep);
    fill_blocks(n, st, |w, c: &mut [T]| {
        for (o, &w) in c.iter_mut().zip(&w) {
            *o = if unit::<T>(w).f64() < keep { scale } else { T::zero() };
        }
    })
}
