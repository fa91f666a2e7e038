//! Gradient property tests of the sparse primitives of `weft_autograd::sparse`, in f64,
//! against central finite differences, on random patterns (empty rows, isolated columns, self
//! loops, zero edges, rectangular shapes) with contiguous and non-contiguous dense operands;
//! forward results against dense references; and the errors for badly shaped operands.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError};
use weft_autograd::sparse::{
    edge_softmax, sddmm, sddmm_add, segment_reduce, spmm, Aggregation, CooOptions, CsrMatrix, SelfLoops,
    SparseTensor,
};
use weft_autograd::{Indices, Tensor};
use weft_ops::sparse::CsrPattern;
use weft_ops::{Device, Idx, Result};
use weft_tests::strategies::{unit_values, view};
use weft_tests::{check_gradients, GradCheck, Input, View};

const CPU: Device = Device::Cpu;

fn config(cases: u32) -> Config {
    Config { rng_seed: RngSeed::Fixed(0x5a4e_3e11), failure_persistence: None, ..Config::with_cases(cases) }
}

fn prop_check<F>(f: F, inputs: &[Input]) -> std::result::Result<(), TestCaseError>
where
    F: Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
{
    let report = check_gradients(f, inputs, &GradCheck::default())
        .map_err(|e| TestCaseError::fail(format!("error while checking: {e}")))?;
    if report.passed() {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("gradient check failed: {report}")))
    }
}

/// A random pattern: `n_rows x n_cols` in `1..=6`, up to 14 random entries (so zero edges and
/// empty rows happen), duplicates removed; square ones get self loops half of the time.
fn pattern() -> impl Strategy<Value = CsrPattern> {
    (1usize..=6, 1usize..=6, any::<bool>())
        .prop_flat_map(|(r, c, square)| {
            let c = if square { r } else { c };
            (Just(r), Just(c), prop::collection::vec((0..r as Idx, 0..c as Idx), 0..=14), any::<bool>())
        })
        .prop_map(|(r, c, edges, loops)| {
            let (src, dst): (Vec<Idx>, Vec<Idx>) = edges.into_iter().unzip();
            let mut opts = CooOptions::default();
            if r == c && loops {
                opts = opts.with_self_loops(SelfLoops::Add);
            }
            CsrPattern::from_coo(r, c, &src, &dst, opts).expect("valid random pattern")
        })
}

/// A pattern, a head count in 1..=2 and a per-head width in 1..=3.
fn pattern_heads() -> impl Strategy<Value = (CsrPattern, usize, usize)> {
    (pattern(), 1usize..=2, 1usize..=3)
}

fn matrix(p: &CsrPattern) -> CsrMatrix {
    CsrMatrix::new(p.clone(), CPU).expect("pattern on the CPU")
}

/// Edge values of `heads` heads: `[nnz]` for one head, else `[nnz, heads]`.
fn values_input(nnz: usize, heads: usize, u: &[f64], per_head_shape: bool) -> Input {
    let shape = if heads == 1 && !per_head_shape { vec![nnz] } else { vec![nnz, heads] };
    Input::new(&shape, u.iter().map(|v| 2.0 * v).collect())
}

/// Smallest gap between the best and second-best candidate of every max output element (to
/// keep the max away from ties, where it is not differentiable).
fn spmm_max_gap(p: &CsrPattern, vals: Option<&[f64]>, heads: usize, x: &[f64], w: usize) -> f64 {
    let f = w / heads;
    let mut gap = f64::INFINITY;
    for i in 0..p.n_rows() {
        for c in 0..w {
            let mut cands: Vec<f64> = p
                .row_range(i)
                .map(|e| vals.map_or(1.0, |v| v[e * heads + c / f]) * x[p.col_idx()[e] as usize * w + c])
                .collect();
            cands.sort_by(|a, b| b.total_cmp(a));
            if cands.len() > 1 {
                gap = gap.min(cands[0] - cands[1]);
            }
        }
    }
    gap
}

fn agg_strategy() -> impl Strategy<Value = Aggregation> {
    prop_oneof![Just(Aggregation::Sum), Just(Aggregation::Mean), Just(Aggregation::Max)]
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn spmm_gradients_with_values(
        (p, heads, f) in pattern_heads(),
        agg in agg_strategy(),
        two_d in any::<bool>(),
        vx in view(),
        seed in unit_values(64),
    ) {
        let w = heads * f;
        let a = matrix(&p);
        let xs: Vec<f64> = seed.iter().cycle().skip(3).take(p.n_cols() * w).map(|v| 2.0 * v + 0.01).collect();
        let vs: Vec<f64> = seed.iter().cycle().take(p.nnz() * heads).map(|v| 1.5 * v).collect();
        if agg == Aggregation::Max {
            prop_assume!(spmm_max_gap(&p, Some(&vs), heads, &xs, w) > 1e-3);
        }
        let x = Input::new(&[p.n_cols(), w], xs).with_view(vx);
        let v = values_input(p.nnz(), heads, &vs.iter().map(|v| v / 2.0).collect::<Vec<_>>(), two_d);
        prop_check(|t| spmm(&a, Some(&t[1]), &t[0], agg), &[x, v])?;
    }

    #[test]
    fn spmm_gradients_without_values(p in pattern(), f in 1usize..=4, agg in agg_strategy(), vx in view(), seed in unit_values(40)) {
        let a = matrix(&p);
        let xs: Vec<f64> = seed.iter().cycle().take(p.n_cols() * f).map(|v| 2.0 * v).collect();
        if agg == Aggregation::Max {
            prop_assume!(spmm_max_gap(&p, None, 1, &xs, f) > 1e-3);
        }
        let x = Input::new(&[p.n_cols(), f], xs).with_view(vx);
        prop_check(|t| spmm(&a, None, &t[0], agg), &[x])?;
    }

    #[test]
    fn spmm_matches_the_dense_product_per_head((p, heads, f) in pattern_heads(), seed in unit_values(64)) {
        let w = heads * f;
        let a = matrix(&p);
        let xs: Vec<f64> = seed.iter().cycle().take(p.n_cols() * w).copied().collect();
        let vs: Vec<f64> = seed.iter().rev().cycle().take(p.nnz() * heads).copied().collect();
        let x = Tensor::from_slice(&xs, &[p.n_cols(), w]).unwrap();
        let v = Tensor::from_slice(&vs, &[p.nnz(), heads]).unwrap();
        let out = spmm(&a, Some(&v), &x, Aggregation::Sum).unwrap().to_vec().unwrap();
        for h in 0..heads {
            let vh: Vec<f64> = (0..p.nnz()).map(|e| vs[e * heads + h]).collect();
            let dense = p.to_dense(Some(&vh)).unwrap();
            for i in 0..p.n_rows() {
                for c in h * f..(h + 1) * f {
                    let want: f64 = (0..p.n_cols()).map(|j| dense[i * p.n_cols() + j] * xs[j * w + c]).sum();
                    prop_assert!((out[i * w + c] - want).abs() <= 1e-12 * (1.0 + want.abs()));
                }
            }
        }
    }

    #[test]
    fn sddmm_gradients((p, heads, f) in pattern_heads(), vx in view(), vy in view(), seed in unit_values(64)) {
        let w = heads * f;
        let a = matrix(&p);
        let xs: Vec<f64> = seed.iter().cycle().take(p.n_rows() * w).map(|v| 2.0 * v).collect();
        let ys: Vec<f64> = seed.iter().rev().cycle().take(p.n_cols() * w).map(|v| 2.0 * v).collect();
        let x = Input::new(&[p.n_rows(), w], xs).with_view(vx);
        let y = Input::new(&[p.n_cols(), w], ys).with_view(vy);
        prop_check(|t| sddmm(&a, &t[0], &t[1], heads), &[x, y])?;
    }

    #[test]
    fn sddmm_add_gradients(p in pattern(), heads in 1usize..=3, vs in view(), vt in view(), seed in unit_values(40)) {
        let a = matrix(&p);
        let s = Input::new(&[p.n_rows(), heads], seed.iter().cycle().take(p.n_rows() * heads).copied().collect()).with_view(vs);
        let t = Input::new(&[p.n_cols(), heads], seed.iter().rev().cycle().take(p.n_cols() * heads).copied().collect()).with_view(vt);
        // A nonlinearity after the add so the cotangent is not constant per edge.
        prop_check(|x| sddmm_add(&a, &x[0], &x[1])?.tanh(), &[s, t])?;
    }

    #[test]
    fn edge_softmax_gradients(p in pattern(), heads in 1usize..=3, two_d in any::<bool>(), vv in view(), seed in unit_values(64)) {
        let a = matrix(&p);
        let u: Vec<f64> = seed.iter().cycle().take(p.nnz() * heads).copied().collect();
        let scores = values_input(p.nnz(), heads, &u, two_d).with_view(vv);
        prop_check(|x| edge_softmax(&a, &x[0]), &[scores])?;
    }

    #[test]
    fn edge_softmax_rows_sum_to_one(p in pattern(), heads in 1usize..=3, seed in unit_values(64)) {
        let a = matrix(&p);
        let u: Vec<f64> = seed.iter().cycle().take(p.nnz() * heads).map(|v| 30.0 * v).collect();
        let y = edge_softmax(&a, &Tensor::from_slice(&u, &[p.nnz(), heads]).unwrap()).unwrap().to_vec().unwrap();
        for i in 0..p.n_rows() {
            for h in 0..heads {
                let s: f64 = p.row_range(i).map(|e| y[e * heads + h]).sum();
                prop_assert!(p.row_range(i).is_empty() || (s - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn segment_reduce_gradients(
        lens in prop::collection::vec(0usize..=3, 1..=4),
        f in 1usize..=3,
        agg in agg_strategy(),
        vx in view(),
        seed in unit_values(40),
    ) {
        let mut offsets = vec![0 as Idx];
        for l in &lens {
            offsets.push(offsets.last().unwrap() + *l as Idx);
        }
        let m = *offsets.last().unwrap() as usize;
        prop_assume!(m > 0);
        let xs: Vec<f64> = seed.iter().cycle().take(m * f).map(|v| 2.0 * v).collect();
        if agg == Aggregation::Max {
            let mut gap = f64::INFINITY;
            for s in 0..lens.len() {
                for c in 0..f {
                    for r in offsets[s]..offsets[s + 1] {
                        for q in r + 1..offsets[s + 1] {
                            gap = gap.min((xs[r as usize * f + c] - xs[q as usize * f + c]).abs());
                        }
                    }
                }
            }
            prop_assume!(gap > 1e-3);
        }
        let idx = Indices::new(offsets);
        let x = Input::new(&[m, f], xs).with_view(vx);
        prop_check(|t| segment_reduce(&idx, &t[0], agg), &[x])?;
    }

    #[test]
    fn sparse_tensor_matmul_gradients(p in pattern(), f in 1usize..=3, vd in view(), seed in unit_values(64)) {
        let a = matrix(&p);
        let vals = Input::new(&[p.nnz()], seed.iter().cycle().take(p.nnz()).copied().collect());
        let d = Input::new(&[p.n_cols(), f], seed.iter().rev().cycle().take(p.n_cols() * f).copied().collect()).with_view(vd);
        prop_check(
            |t| SparseTensor { pattern: a.clone(), values: t[0].clone() }.matmul(&t[1]),
            &[vals, d],
        )?;
    }

    #[test]
    fn row_normalized_gradients(p in pattern(), seed in unit_values(64)) {
        let a = matrix(&p);
        // Positive values so no row sum is near 0.
        let vals = Input::new(&[p.nnz()], seed.iter().cycle().take(p.nnz()).map(|v| 1.5 + v).collect());
        prop_check(|t| SparseTensor { pattern: a.clone(), values: t[0].clone() }.row_normalized().map(|s| s.values), &[vals])?;
    }
}

/// A gradient chain through several primitives (GAT-style attention followed by a weighted
/// SpMM), with the dense operands used twice.
#[test]
fn attention_chain_gradients() {
    let p = CsrPattern::from_coo(
        5,
        5,
        &[0, 1, 1, 3, 4],
        &[1, 2, 0, 4, 4],
        CooOptions::undirected().with_self_loops(SelfLoops::Add),
    )
    .unwrap();
    let a = matrix(&p);
    let h =
        Input::new(&[5, 4], (0..20).map(|k| ((k * 7 % 11) as f64 - 5.0) / 4.0 + 0.013 * k as f64).collect())
            .with_view(View::Transposed);
    let att = Input::new(&[4, 2], (0..8).map(|k| ((k * 5 % 7) as f64 - 3.0) / 3.0).collect());
    // The data keep every attention logit away from leaky_relu's kink at 0.
    let s = Tensor::from_slice(&h.values, &[5, 4])
        .unwrap()
        .matmul(&Tensor::from_slice(&att.values, &[4, 2]).unwrap())
        .unwrap();
    let logits = sddmm_add(&a, &s, &s).unwrap().to_vec().unwrap();
    assert!(logits.iter().all(|l| l.abs() > 1e-3), "{logits:?}");
    let report = check_gradients(
        |t| {
            let s = t[0].matmul(&t[1])?; // [5, 2]: per-node scores for 2 heads
            let logits = sddmm_add(&a, &s, &s)?.leaky_relu(0.2)?;
            let alpha = edge_softmax(&a, &logits)?;
            let dots = sddmm(&a, &t[0], &t[0], 2)?; // [nnz, 2]
            spmm(&a, Some(&alpha.mul(&dots.tanh()?)?), &t[0], Aggregation::Sum)
        },
        &[h, att],
        &GradCheck::default(),
    )
    .unwrap();
    assert!(report.passed(), "{report}");
}

#[test]
fn sparse_tensor_from_dense_and_dropout_keep_the_pattern() {
    let dense = [0.0, 2.0, 0.0, 1.0, 0.0, 3.0, 0.0, 0.0, 0.0];
    let s = SparseTensor::<f64>::from_dense(&dense, 3, 3, CPU).unwrap();
    assert_eq!(s.nnz(), 3);
    assert_eq!(s.to_dense().unwrap().to_vec().unwrap(), dense.to_vec());
    let mut rng = weft_ops::rng::Philox::new(7);
    let d = s.dropout_values(0.5, &mut rng).unwrap();
    assert!(d.pattern.same_as(&s.pattern));
    for (kept, orig) in d.values.to_vec().unwrap().iter().zip(s.values.to_vec().unwrap()) {
        assert!(*kept == 0.0 || (*kept - 2.0 * orig).abs() < 1e-15, "{kept} from {orig}");
    }
    let n = s.row_normalized().unwrap().to_dense().unwrap().to_vec().unwrap();
    assert_eq!(n, vec![0.0, 1.0, 0.0, 0.25, 0.0, 0.75, 0.0, 0.0, 0.0]);
}

#[test]
fn the_transpose_is_computed_once_and_shared() {
    let a = CsrMatrix::from_edges(4, 3, &[0, 2, 3], &[1, 1, 2], CooOptions::default(), CPU).unwrap();
    let b = a.clone();
    let t1 = a.transpose().unwrap();
    let t2 = b.transpose().unwrap();
    assert!(t1.same_as(&t2));
    assert_eq!((t1.n_rows(), t1.n_cols(), t1.nnz()), (3, 4, 3));
    assert_eq!(t1.pattern().row(1), &[0, 2]);
}

// ----------------------------------------------------------------------------- errors

fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn small() -> CsrMatrix {
    // 3 x 4 with 4 stored entries.
    CsrMatrix::from_edges(3, 4, &[0, 0, 1, 2], &[1, 3, 0, 2], CooOptions::default(), CPU).unwrap()
}

fn t(shape: &[usize]) -> Tensor<f64> {
    Tensor::ones(shape, CPU).unwrap()
}

#[test]
fn spmm_rejects_a_dense_operand_with_the_wrong_rows() {
    let msg = err_text(spmm(&small(), None, &t(&[3, 2]), Aggregation::Sum));
    assert!(msg.contains("spmm") && msg.contains("[3, 2]") && msg.contains("[4, F]"), "{msg}");
    let msg = err_text(spmm(&small(), None, &t(&[4]), Aggregation::Sum));
    assert!(msg.contains("[4]"), "{msg}");
}

#[test]
fn spmm_rejects_values_with_the_wrong_nnz() {
    let msg = err_text(spmm(&small(), Some(&t(&[5])), &t(&[4, 2]), Aggregation::Mean));
    assert!(msg.contains("[5]") && msg.contains("[4] or [4, heads]"), "{msg}");
    let msg = err_text(spmm(&small(), Some(&t(&[4, 2, 1])), &t(&[4, 2]), Aggregation::Max));
    assert!(msg.contains("[4, 2, 1]"), "{msg}");
}

#[test]
fn spmm_rejects_heads_that_do_not_divide_the_width() {
    let msg = err_text(spmm(&small(), Some(&t(&[4, 3])), &t(&[4, 4]), Aggregation::Sum));
    assert!(msg.contains("3 heads") && msg.contains("4 columns"), "{msg}");
}

#[test]
fn sddmm_errors_name_the_shapes() {
    let a = small();
    let msg = err_text(sddmm(&a, &t(&[3, 4]), &t(&[4, 2]), 1));
    assert!(msg.contains("[3, 4]") && msg.contains("[4, 2]"), "{msg}");
    let msg = err_text(sddmm(&a, &t(&[3, 4]), &t(&[4, 4]), 3));
    assert!(msg.contains("3 heads") && msg.contains("4 columns"), "{msg}");
    let msg = err_text(sddmm(&a, &t(&[4, 4]), &t(&[4, 4]), 1));
    assert!(msg.contains("x has shape [4, 4]") && msg.contains("[3, F]"), "{msg}");
    let msg = err_text(sddmm_add(&a, &t(&[3, 2]), &t(&[4, 3])));
    assert!(msg.contains("[3, 2]") && msg.contains("[4, 3]"), "{msg}");
}

#[test]
fn edge_softmax_and_segment_errors_name_the_shapes() {
    let msg = err_text(edge_softmax(&small(), &t(&[3, 2])));
    assert!(msg.contains("scores") && msg.contains("[3, 2]") && msg.contains("[4]"), "{msg}");
    let bad = Indices::new(vec![0, 3, 2]);
    let msg = err_text(segment_reduce(&bad, &t(&[2, 2]), Aggregation::Sum));
    assert!(msg.contains("segment_reduce"), "{msg}");
    let msg = err_text(segment_reduce(&Indices::new(vec![0, 2]), &t(&[2, 2, 2]), Aggregation::Sum));
    assert!(msg.contains("[2, 2, 2]"), "{msg}");
}

#[test]
fn edge_softmax_reports_rows_of_nan() {
    let scores = Tensor::from_slice(&[0.0, f64::NAN, 1.0, 2.0], &[4]).unwrap();
    let msg = err_text(edge_softmax(&small(), &scores));
    assert!(msg.contains("row 0"), "{msg}");
}
