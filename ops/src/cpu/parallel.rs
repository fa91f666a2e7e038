//! When to go parallel. Tiny tensors (HMC on a small BNN) must not pay for rayon.

/// Elementwise work below this many elements runs on the calling thread.
pub const ELEMENTWISE_MIN: usize = 1 << 15;

/// Multiply-adds below this run single-threaded in GEMM and other dense kernels.
pub const FLOPS_MIN: usize = 1 << 18;

/// Chunk length for splitting `n` elements over the thread pool: a few chunks per thread,
/// but never below `ELEMENTWISE_MIN / 4`.
pub fn chunk_len(n: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    n.div_ceil(threads * 4).max(ELEMENTWISE_MIN / 4)
}
