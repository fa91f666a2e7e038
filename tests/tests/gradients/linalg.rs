//! Matrix products (batched, broadcast batch dims, strided operands), Cholesky and
//! triangular solves (all four lower/transpose combinations).

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_autograd::Tensor;
use weft_ops::{rng::Philox, Device};
use weft_tests::strategies::{broadcast_pair, view};
use weft_tests::Input;

/// `n` values uniform in `[lo, hi)` from `seed`.
fn uniform(rng: &mut Philox, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform()).collect()
}

/// `M Mᵀ + n I` for a row-major `n x n` matrix `M`: symmetric, eigenvalues >= n.
fn spd_from(m: &[f64], n: usize) -> Vec<f64> {
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum::<f64>()
                + if i == j { n as f64 } else { 0.0 };
        }
    }
    a
}

/// A triangular matrix (the other triangle holds junk the solver must not read) with
/// diagonal in `[1, 2]` and off-diagonal entries in `[-0.5, 0.5]`: well conditioned.
fn triangular(rng: &mut Philox, n: usize, lower: bool) -> Vec<f64> {
    let mut a = uniform(rng, n * n, -3.0, 3.0);
    for i in 0..n {
        for j in 0..n {
            let inside = if lower { i > j } else { i < j };
            if i == j {
                a[i * n + j] = 1.0 + rng.uniform();
            } else if inside {
                a[i * n + j] = rng.uniform() - 0.5;
            }
        }
    }
    a
}

proptest! {
    #![proptest_config(config(40))]

    /// `[..., m, k] x [..., k, n]` with broadcasting batch dimensions and strided operands.
    #[test]
    fn matmul(
        (ba, bb) in broadcast_pair(2, 3),
        (m, k, n) in (1usize..=4, 1usize..=4, 1usize..=4),
        seed in any::<u64>(),
        va in view(),
        vb in view(),
    ) {
        let mut rng = Philox::new(seed);
        let sa: Vec<usize> = ba.iter().copied().chain([m, k]).collect();
        let sb: Vec<usize> = bb.iter().copied().chain([k, n]).collect();
        let a = Input::new(&sa, uniform(&mut rng, sa.iter().product(), -2.0, 2.0)).with_view(va);
        let b = Input::new(&sb, uniform(&mut rng, sb.iter().product(), -2.0, 2.0)).with_view(vb);
        prop_check(|xs| xs[0].matmul(&xs[1]), &[a.clone(), b])?;
        // The same operand on both sides: `A Aᵀ` (gradient accumulation through a view).
        prop_check(|xs| xs[0].matmul(&xs[0].t()?), &[a])?;
    }

    /// Cholesky of `A = M Mᵀ + n I` built inside the function from a random `M`.
    #[test]
    fn cholesky_of_gram_matrix(n in 1usize..=5, seed in any::<u64>(), v in view()) {
        let mut rng = Philox::new(seed);
        let m = Input::new(&[n, n], uniform(&mut rng, n * n, -1.0, 1.0)).with_view(v);
        prop_check(
            |xs| {
                let eye = Tensor::eye(n, Device::Cpu)?.mul_scalar(n as f64)?;
                xs[0].matmul(&xs[0].t()?)?.add(&eye)?.cholesky()
            },
            &[m],
        )?;
    }

    /// Cholesky of a raw input: only the lower triangle is read, so the upper triangle
    /// holds junk and must get a zero gradient.
    #[test]
    fn cholesky_reads_the_lower_triangle(n in 1usize..=5, seed in any::<u64>(), v in view()) {
        let mut rng = Philox::new(seed);
        let mut a = spd_from(&uniform(&mut rng, n * n, -1.0, 1.0), n);
        for i in 0..n {
            for j in i + 1..n {
                a[i * n + j] = 5.0 * rng.uniform() - 2.5;
            }
        }
        prop_check(|xs| xs[0].cholesky(), &[Input::new(&[n, n], a).with_view(v)])?;
    }

    /// `op(A) X = B` for all four (lower, transpose) combinations, strided operands.
    #[test]
    fn solve_triangular(
        (n, k) in (1usize..=4, 1usize..=3),
        lower in any::<bool>(),
        transpose in any::<bool>(),
        seed in any::<u64>(),
        va in view(),
        vb in view(),
    ) {
        let mut rng = Philox::new(seed);
        let a = Input::new(&[n, n], triangular(&mut rng, n, lower)).with_view(va);
        let b = Input::new(&[n, k], uniform(&mut rng, n * k, -2.0, 2.0)).with_view(vb);
        prop_check(|xs| xs[1].solve_triangular(&xs[0], lower, transpose), &[a, b])?;
    }
}

/// Every (lower, transpose) combination at least once, whatever proptest draws.
#[test]
fn solve_triangular_all_four_combinations() {
    let mut rng = Philox::new(3);
    for lower in [false, true] {
        for transpose in [false, true] {
            let a = Input::new(&[4, 4], triangular(&mut rng, 4, lower));
            let b = Input::new(&[4, 2], uniform(&mut rng, 8, -2.0, 2.0));
            prop_check(|xs| xs[1].solve_triangular(&xs[0], lower, transpose), &[a, b])
                .unwrap_or_else(|e| panic!("lower={lower} transpose={transpose}: {e}"));
        }
    }
}
