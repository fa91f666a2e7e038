//! `CpuBackend` dense linear algebra against naive loops: matmul and batched matmul on any
//! strides (transposed operands, stride-0 batches, k = 0, m or n = 0, blocked and remainder
//! sizes, the rayon path), Cholesky (L Lᵀ = A, pivot named on failure), triangular solves
//! (all four lower/transpose combinations, singular diagonals).

mod common;

use common::*;
use proptest::prelude::*;
use weft_ops::{Backend, CpuBackend, Element, Error, Layout};

const B: CpuBackend = CpuBackend;

/// Naive batched product of logical row-major `a` `[batch, m, k]` and `b` `[batch, k, n]`,
/// with the scale `sum_k |a||b| + 1` of each output's rounding error.
fn matmul_ref(a: &[f64], b: &[f64], batch: usize, (m, k, n): (usize, usize, usize)) -> (Vec<f64>, Vec<f64>) {
    let mut out = vec![0.0; batch * m * n];
    let mut scale = vec![1.0; batch * m * n];
    for p in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let (mut s, mut t) = (0.0, 0.0);
                for q in 0..k {
                    let x = a[(p * m + i) * k + q] * b[(p * k + q) * n + j];
                    s += x;
                    t += x.abs();
                }
                out[(p * m + i) * n + j] = s;
                scale[(p * m + i) * n + j] += t;
            }
        }
    }
    (out, scale)
}

/// Random operands `[batch.., m, k]` and `[batch.., k, n]` (any strides, broadcast batch
/// axes) multiplied by the backend and compared with the naive product.
fn check_matmul<T: Element>(batch: &[usize], (m, k, n): (usize, usize, usize), seed: u64) {
    let mut rng = DataRng::new(seed);
    let mut sa = batch.to_vec();
    sa.extend([m, k]);
    let mut sb = batch.to_vec();
    sb.extend([k, n]);
    let a = random_view::<T>(&sa, &mut rng, true, |r| r.uniform(-1.0, 1.0));
    let b = random_view::<T>(&sb, &mut rng, true, |r| r.uniform(-1.0, 1.0));
    let (want, scale) = matmul_ref(&a.values(), &b.values(), numel(batch), (m, k, n));
    let got = B.matmul(&a.buf, &a.layout, &b.buf, &b.layout).unwrap();
    assert_close_scaled(
        &got,
        &want,
        &scale,
        reduction_tol::<T>(),
        &format!("matmul {:?} x {:?}", a.layout, b.layout),
    );
}

/// Matrix sizes 0..=70: gemm's blocked kernels and their remainders, empty products.
fn mat_dim() -> impl Strategy<Value = usize> {
    prop_oneof![1 => Just(0usize), 1 => Just(1usize), 6 => 1usize..=70]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn matmul_matches_naive(
        batch in prop::collection::vec(0usize..=3, 0..=2),
        m in mat_dim(), k in mat_dim(), n in mat_dim(),
        seed in any::<u64>(),
    ) {
        check_matmul::<f32>(&batch, (m, k, n), seed);
        check_matmul::<f64>(&batch, (m, k, n), seed);
    }
}

/// Explicit edge cases: k = 0 (zeros), m or n = 0, vectors, stride-0 batches and operands.
#[test]
fn matmul_edge_cases() {
    for (batch, dims) in [
        (vec![], (3, 0, 4)),
        (vec![2], (5, 0, 2)),
        (vec![], (0, 3, 4)),
        (vec![], (3, 4, 0)),
        (vec![0], (3, 4, 5)),
        (vec![], (1, 1, 1)),
        (vec![], (1, 70, 1)),
        (vec![], (70, 1, 70)),
        (vec![3, 2], (17, 33, 9)),
    ] {
        for seed in 0..6 {
            check_matmul::<f32>(&batch, dims, seed);
            check_matmul::<f64>(&batch, dims, seed);
        }
    }
    // A batch operand broadcast with stride 0 over the batch axis, explicitly.
    let mut rng = DataRng::new(3);
    let a: Vec<f64> = (0..4 * 6 * 5).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let b: Vec<f64> = (0..5 * 7).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let la = Layout::contiguous(&[4, 6, 5]);
    let lb = Layout::contiguous(&[5, 7]).broadcast_to(&[4, 5, 7]).unwrap();
    assert_eq!(lb.strides()[0], 0);
    let b_rep: Vec<f64> = (0..4).flat_map(|_| b.clone()).collect();
    let (want, scale) = matmul_ref(&a, &b_rep, 4, (6, 5, 7));
    let got = B.matmul(&a, &la, &b, &lb).unwrap();
    assert_close_scaled(&got, &want, &scale, 1e-12, "stride-0 batch rhs");
}

/// Large products go through gemm's rayon path (one big matrix) and the parallel batch path
/// (many small matrices); transposed operands included.
#[test]
fn matmul_parallel_paths() {
    check_matmul::<f32>(&[], (300, 290, 310), 1);
    check_matmul::<f64>(&[], (300, 300, 300), 2);
    check_matmul::<f32>(&[8], (40, 40, 40), 3);
    check_matmul::<f64>(&[2, 4], (40, 40, 40), 4);
}

/// Naive Cholesky (for building non-PD test matrices).
fn cholesky_ref(a: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let d = a[j * n + j] - (0..j).map(|q| l[j * n + q] * l[j * n + q]).sum::<f64>();
        l[j * n + j] = d.sqrt();
        for i in j + 1..n {
            let s: f64 = (0..j).map(|q| l[i * n + q] * l[j * n + q]).sum();
            l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
        }
    }
    l
}

/// A random SPD matrix `M Mᵀ + n I` (row-major, logical).
fn random_spd(n: usize, rng: &mut DataRng) -> Vec<f64> {
    let m: Vec<f64> = (0..n * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = (0..n).map(|q| m[i * n + q] * m[j * n + q]).sum::<f64>()
                + if i == j { n as f64 } else { 0.0 };
        }
    }
    a
}

fn check_cholesky<T: Element>(n: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    let a = random_spd(n, &mut rng);
    // The kernel reads only the lower triangle: poison the strict upper one.
    let mut poisoned = a.clone();
    for i in 0..n {
        for j in i + 1..n {
            poisoned[i * n + j] = f64::NAN;
        }
    }
    let v = place::<T>(&poisoned, &[n, n], &mut rng);
    let l = B.cholesky(&v.buf, &v.layout).unwrap();
    assert_eq!(l.len(), n * n);
    let amax = a.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    for i in 0..n {
        assert!(l[i * n + i].f64() > 0.0, "cholesky n={n}: diagonal {i} is {}", l[i * n + i]);
        for j in i + 1..n {
            assert_eq!(l[i * n + j].f64(), 0.0, "cholesky n={n}: upper entry ({i}, {j}) not zero");
        }
    }
    let lf: Vec<f64> = l.iter().map(|x| x.f64()).collect();
    let mut llt = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            llt[i * n + j] = (0..n).map(|q| lf[i * n + q] * lf[j * n + q]).sum();
        }
    }
    let tol = per_type::<T>(1e-5, 1e-13) * (n as f64 + 1.0);
    let scale = vec![amax; n * n];
    let got: Vec<T> = to_t(&llt);
    assert_close_scaled(&got, &a, &scale, tol, &format!("L Lᵀ = A, n={n}, layout {:?}", v.layout));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn cholesky_reconstructs_spd_matrices(n in 0usize..=40, seed in any::<u64>()) {
        check_cholesky::<f32>(n, seed);
        check_cholesky::<f64>(n, seed);
    }

    #[test]
    fn cholesky_names_the_failing_pivot(n in 1usize..=20, p_frac in 0.0f64..1.0, seed in any::<u64>()) {
        let p = ((n as f64 * p_frac) as usize).min(n - 1);
        let mut rng = DataRng::new(seed);
        let mut a = random_spd(n, &mut rng);
        // Pivot p of A equals A[p][p] - sum_q L[p][q]^2 = L[p][p]^2: lower it to exactly -0.5.
        let l = cholesky_ref(&a, n);
        a[p * n + p] -= l[p * n + p] * l[p * n + p] + 0.5;
        let v = place::<f64>(&a, &[n, n], &mut rng);
        match B.cholesky(&v.buf, &v.layout) {
            Err(Error::NotPositiveDefinite { pivot, value, .. }) => {
                prop_assert_eq!(pivot, p);
                prop_assert!((value + 0.5).abs() < 1e-8 * (n * n) as f64, "pivot value {}", value);
            }
            other => prop_assert!(false, "expected NotPositiveDefinite at {}, got {:?}", p, other),
        }
    }
}

/// Zero, negative and NaN pivots are all reported, in f32 too.
#[test]
fn cholesky_rejects_non_pd_and_nan() {
    let l = Layout::contiguous(&[2, 2]);
    for (m, pivot) in [([0.0, 0.0, 0.0, 1.0], 0), ([1.0, 0.0, 2.0, 1.0], 1), ([4.0, 0.0, 1.0, f64::NAN], 1)] {
        let m32: Vec<f32> = to_t(&m);
        assert!(
            matches!(B.cholesky(&m.to_vec(), &l), Err(Error::NotPositiveDefinite { pivot: p, .. }) if p == pivot)
        );
        assert!(
            matches!(B.cholesky(&m32, &l), Err(Error::NotPositiveDefinite { pivot: p, .. }) if p == pivot)
        );
    }
}

/// A random well-conditioned triangular `[n, n]` matrix: diagonal in ±[1, 2], off-diagonal
/// entries in [-1, 1] / n, and NaN in the other triangle (which must never be read).
fn random_triangular(n: usize, lower: bool, rng: &mut DataRng) -> (Vec<f64>, Vec<f64>) {
    let mut clean = vec![0.0; n * n];
    let mut poisoned = vec![f64::NAN; n * n];
    for i in 0..n {
        for j in 0..n {
            let inside = if lower { j <= i } else { j >= i };
            if inside {
                let v = if i == j {
                    let d = rng.uniform(1.0, 2.0);
                    if rng.coin() {
                        d
                    } else {
                        -d
                    }
                } else {
                    rng.uniform(-1.0, 1.0) / n as f64
                };
                clean[i * n + j] = v;
                poisoned[i * n + j] = v;
            }
        }
    }
    (clean, poisoned)
}

fn check_triangular_solve<T: Element>(n: usize, k: usize, lower: bool, transpose: bool, seed: u64) {
    let mut rng = DataRng::new(seed);
    let (a, poisoned) = random_triangular(n, lower, &mut rng);
    let va = place::<T>(&poisoned, &[n, n], &mut rng);
    // Read back the values as T rounded them, for the residual.
    let a: Vec<f64> = to_t::<T>(&a).iter().map(|x| x.f64()).collect();
    let vb = random_view::<T>(&[n, k], &mut rng, true, |r| r.uniform(-2.0, 2.0));
    let bv = vb.values();
    let x = B.triangular_solve(&va.buf, &va.layout, &vb.buf, &vb.layout, lower, transpose).unwrap();
    assert_eq!(x.len(), n * k);
    let xf: Vec<f64> = x.iter().map(|v| v.f64()).collect();
    // op(A) X, naively.
    let op_a = |i: usize, j: usize| if transpose { a[j * n + i] } else { a[i * n + j] };
    let mut ax = vec![0.0; n * k];
    let mut scale = vec![0.0; n * k];
    for i in 0..n {
        for c in 0..k {
            for j in 0..n {
                ax[i * k + c] += op_a(i, j) * xf[j * k + c];
                scale[i * k + c] += (op_a(i, j) * xf[j * k + c]).abs();
            }
            scale[i * k + c] += bv[i * k + c].abs() + 1.0;
        }
    }
    let got: Vec<T> = to_t(&ax);
    let tol = per_type::<T>(1e-5, 1e-13) * (n as f64 + 1.0);
    assert_close_scaled(
        &got,
        &bv,
        &scale,
        tol,
        &format!(
            "op(A) X = B, n={n} k={k} lower={lower} transpose={transpose}, {:?} {:?}",
            va.layout, vb.layout
        ),
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn triangular_solve_multiplies_back(n in 0usize..=30, k in 0usize..=5, seed in any::<u64>()) {
        for lower in [false, true] {
            for transpose in [false, true] {
                check_triangular_solve::<f32>(n, k, lower, transpose, seed);
                check_triangular_solve::<f64>(n, k, lower, transpose, seed);
            }
        }
    }

    #[test]
    fn triangular_solve_rejects_a_singular_diagonal(n in 1usize..=10, p_frac in 0.0f64..1.0, seed in any::<u64>()) {
        let p = ((n as f64 * p_frac) as usize).min(n - 1);
        let mut rng = DataRng::new(seed);
        for lower in [false, true] {
            for transpose in [false, true] {
                let (mut a, _) = random_triangular(n, lower, &mut rng);
                a[p * n + p] = 0.0;
                let b = vec![1.0; n * 2];
                let r = B.triangular_solve(&a, &Layout::contiguous(&[n, n]), &b, &Layout::contiguous(&[n, 2]), lower, transpose);
                prop_assert!(matches!(r, Err(Error::Numerical { .. })), "expected a singularity error, got {:?}", r);
            }
        }
    }
}

/// Big enough (`(n - j) * j > 2^16` for the middle pivots) for the parallel row updates.
#[test]
fn cholesky_parallel_path() {
    check_cholesky::<f64>(520, 17);
}
