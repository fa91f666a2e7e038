//! Splitting rows into blocks of balanced work (by stored entries, not rows) and running a
//! kernel over them: serially without allocation when the work is small, with rayon otherwise.

use crate::element::Idx;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Below this many multiply-adds a kernel runs serially: a rayon fork costs a few microseconds.
pub const PARALLEL_MIN_WORK: usize = 32_768;

/// Row boundaries `0 = b_0 <= b_1 <= ... <= b_n = n_rows` of `n_blocks` blocks, each with about
/// the same `nnz + rows` (a row costs something even when empty).
pub fn row_blocks(row_ptr: &[Idx], n_blocks: usize) -> Vec<usize> {
    let n_rows = row_ptr.len().saturating_sub(1);
    let n_blocks = n_blocks.clamp(1, n_rows.max(1));
    let total = row_ptr.last().map_or(0, |&x| x as usize) + n_rows;
    let mut bounds = Vec::with_capacity(n_blocks + 1);
    bounds.push(0);
    for b in 1..n_blocks {
        let target = total * b / n_blocks;
        // First row r with row_ptr[r] + r >= target (cost of rows before r).
        let (mut lo, mut hi) = (*bounds.last().unwrap_or(&0), n_rows);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if row_ptr[mid] as usize + mid < target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        bounds.push(lo);
    }
    bounds.push(n_rows);
    bounds
}

/// Number of blocks for `work` multiply-adds: 1 when small, a few per thread otherwise.
pub fn n_blocks_for(work: usize) -> usize {
    if work < PARALLEL_MIN_WORK {
        1
    } else {
        (rayon::current_num_threads() * 4).min(work / (PARALLEL_MIN_WORK / 4)).max(1)
    }
}

/// Runs `f(rows, out_rows)` over row blocks of `row_ptr`, where `out` holds `width` entries per row
/// and `out_rows` is the part of `out` for `rows`. Serial for small `work`.
pub fn for_row_blocks<T: Send, F>(row_ptr: &[Idx], work: usize, out: &mut [T], width: usize, f: F)
where
    F: Fn(Range<usize>, &mut [T]) + Sync,
{
    for_blocks(row_ptr, work, out, |rows| rows.len() * width, f);
}

/// [`for_row_blocks`] with two outputs per row: `out` (`width` per row) and `aux` (`aux_width`
/// per row), e.g. a maximum and its argmax.
pub fn for_row_blocks2<T: Send, U: Send, F>(
    row_ptr: &[Idx],
    work: usize,
    out: &mut [T],
    width: usize,
    aux: &mut [U],
    aux_width: usize,
    f: F,
) where
    F: Fn(Range<usize>, &mut [T], &mut [U]) + Sync,
{
    let n_rows = row_ptr.len() - 1;
    let n_blocks = n_blocks_for(work);
    if n_blocks == 1 {
        f(0..n_rows, out, aux);
        return;
    }
    let bounds = row_blocks(row_ptr, n_blocks);
    let mut parts = Vec::with_capacity(n_blocks);
    let (mut rest, mut rest_aux) = (out, aux);
    for w in bounds.windows(2) {
        let (head, tail) = rest.split_at_mut((w[1] - w[0]) * width);
        let (head_aux, tail_aux) = rest_aux.split_at_mut((w[1] - w[0]) * aux_width);
        parts.push((w[0]..w[1], head, head_aux));
        rest = tail;
        rest_aux = tail_aux;
    }
    run_blocks(parts, |(r, o, a)| f(r, o, a));
}

/// Runs `f(rows, out_edges)` over row blocks, where `out` holds `per_edge` entries for every
/// stored entry and `out_edges` is the part of `out` for the entries of `rows`
/// (`row_ptr[rows.start] * per_edge ..`). Serial for small `work`.
pub fn for_edge_blocks<T: Send, F>(row_ptr: &[Idx], work: usize, out: &mut [T], per_edge: usize, f: F)
where
    F: Fn(Range<usize>, &mut [T]) + Sync,
{
    let edges = |rows: Range<usize>| (row_ptr[rows.end] - row_ptr[rows.start]) as usize * per_edge;
    for_blocks(row_ptr, work, out, edges, f);
}

/// Splits `out` into consecutive parts of `len(rows)` entries for row blocks of `row_ptr` and
/// runs `f(rows, part)` on each (serially for small `work`).
fn for_blocks<T: Send, F>(
    row_ptr: &[Idx],
    work: usize,
    out: &mut [T],
    len: impl Fn(Range<usize>) -> usize,
    f: F,
) where
    F: Fn(Range<usize>, &mut [T]) + Sync,
{
    let n_rows = row_ptr.len() - 1;
    let n_blocks = n_blocks_for(work);
    if n_blocks == 1 {
        f(0..n_rows, out);
        return;
    }
    let bounds = row_blocks(row_ptr, n_blocks);
    let mut parts = Vec::with_capacity(n_blocks);
    let mut rest = out;
    for w in bounds.windows(2) {
        let (head, tail) = rest.split_at_mut(len(w[0]..w[1]));
        parts.push((w[0]..w[1], head));
        rest = tail;
    }
    run_blocks(parts, |(r, o)| f(r, o));
}

/// Runs `f` on every part, on the calling thread and on rayon's workers together: each takes
/// the next unclaimed part from a shared counter until none is left.
///
/// The calling thread works from the start instead of blocking while the pool wakes up, so a
/// kernel is never slower than serial when the workers are slow to get a CPU (a loaded
/// machine), and parts go to whichever thread is free (dynamic balancing). Called from inside a
/// rayon worker, it behaves the same (the scope's jobs are also run by the waiting worker).
pub fn run_blocks<P: Send, F>(parts: Vec<P>, f: F)
where
    F: Fn(P) + Sync,
{
    let n = parts.len();
    let slots: Vec<Mutex<Option<P>>> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        if k >= n {
            break;
        }
        // Each index is claimed once, so the lock is never contended; a poisoned lock (a panic
        // in another part) is still usable because the slot is only ever taken.
        let part = match slots[k].lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(p) = part {
            f(p);
        }
    };
    let helpers = rayon::current_num_threads().min(n).saturating_sub(1);
    rayon::in_place_scope(|s| {
        for _ in 0..helpers {
            s.spawn(|_| work());
        }
        work();
    });
}
