//! `CpuBackend` reductions (every `ReduceOp` on every axis), argmax (ties give the first) and
//! softmax / log-softmax against naive loops, on random shapes and strided views.

mod common;

use common::*;
use proptest::prelude::*;
use weft_ops::{Backend, CpuBackend, Element, Layout, ReduceOp};

const B: CpuBackend = CpuBackend;

const REDUCE_OPS: [ReduceOp; 5] =
    [ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::LogSumExp];

/// The lanes along `axis`: for each output position (row-major over the shape without
/// `axis`), the row-major input positions along the axis.
fn lanes(shape: &[usize], axis: usize) -> Vec<Vec<usize>> {
    let mut out_shape = shape.to_vec();
    out_shape.remove(axis);
    (0..numel(&out_shape))
        .map(|o| {
            let mut idx = unravel(o, &out_shape);
            idx.insert(axis, 0);
            (0..shape[axis])
                .map(|k| {
                    idx[axis] = k;
                    ravel(&idx, shape)
                })
                .collect()
        })
        .collect()
}

/// Naive reduction of one lane, and the scale its rounding error is relative to.
fn reduce_ref(op: ReduceOp, xs: &[f64]) -> (f64, f64) {
    let abs_sum: f64 = xs.iter().map(|x| x.abs()).sum::<f64>() + 1.0;
    match op {
        ReduceOp::Sum => (xs.iter().sum(), abs_sum),
        ReduceOp::Mean => (xs.iter().sum::<f64>() / xs.len() as f64, abs_sum / xs.len().max(1) as f64),
        ReduceOp::Max => (xs.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)), 1.0),
        ReduceOp::Min => (xs.iter().fold(f64::INFINITY, |a, &b| a.min(b)), 1.0),
        ReduceOp::LogSumExp => {
            // Values are within [-4, 4]: the direct formula is exact enough in f64.
            let s: f64 = xs.iter().map(|x| x.exp()).sum();
            let lse = s.ln();
            (lse, lse.abs().max(1.0) * (xs.len() as f64 + 1.0))
        }
    }
}

fn check_reduce<T: Element>(shape: &[usize], axis: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    for op in REDUCE_OPS {
        let v = random_view::<T>(shape, &mut rng, true, |r| mode.draw(r));
        let xs = v.values();
        let (mut want, mut scale) = (vec![], vec![]);
        for lane in lanes(shape, axis) {
            let lane: Vec<f64> = lane.iter().map(|&i| xs[i]).collect();
            let (w, s) = reduce_ref(op, &lane);
            want.push(w);
            scale.push(s);
        }
        let got = B.reduce(op, &v.buf, &v.layout, axis).unwrap();
        assert_close_scaled(
            &got,
            &want,
            &scale,
            reduction_tol::<T>(),
            &format!("reduce {op:?} axis {axis} of {:?}", v.layout),
        );
    }
}

fn check_argmax<T: Element>(shape: &[usize], axis: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    // Discrete values half the time: many ties, which must resolve to the first maximum.
    let mode = if rng.coin() { Values::Discrete } else { Values::Continuous };
    let v = random_view::<T>(shape, &mut rng, true, |r| mode.draw(r));
    let xs = v.values();
    let got = B.idx_to_vec(&B.argmax(&v.buf, &v.layout, axis).unwrap()).unwrap();
    let lanes = lanes(shape, axis);
    assert_eq!(got.len(), lanes.len(), "argmax output length");
    if shape[axis] == 0 {
        return; // argmax of an empty axis is the caller's error: no reference
    }
    for (o, lane) in lanes.iter().enumerate() {
        let mut best = 0;
        for k in 1..lane.len() {
            if xs[lane[k]] > xs[lane[best]] {
                best = k;
            }
        }
        assert_eq!(got[o] as usize, best, "argmax axis {axis} of {:?}, lane {o}", v.layout);
    }
}

fn check_softmax<T: Element>(shape: &[usize], axis: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    for log in [false, true] {
        let v = random_view::<T>(shape, &mut rng, true, |r| mode.draw(r));
        let xs = v.values();
        let mut want = vec![0.0; xs.len()];
        let mut scale = vec![1.0; xs.len()];
        for lane in lanes(shape, axis) {
            let m = lane.iter().map(|&i| xs[i]).fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = lane.iter().map(|&i| (xs[i] - m).exp()).sum();
            for &i in &lane {
                want[i] = if log { xs[i] - m - s.ln() } else { (xs[i] - m).exp() / s };
                scale[i] = if log { want[i].abs() + 1.0 } else { want[i] + f64::MIN_POSITIVE };
            }
        }
        let got = B.softmax(&v.buf, &v.layout, axis, log).unwrap();
        // Softmax values are relative-accurate; log-softmax is accurate relative to its size.
        let tol = per_type::<T>(1e-5, 1e-12) * if log { 1.0 } else { shape[axis] as f64 + 1.0 };
        assert_close_scaled(
            &got,
            &want,
            &scale,
            tol,
            &format!("softmax log={log} axis {axis} of {:?}", v.layout),
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reductions_match_naive((shape, axis) in shape_and_axis(4), seed in any::<u64>()) {
        check_reduce::<f32>(&shape, axis, seed);
        check_reduce::<f64>(&shape, axis, seed);
    }

    #[test]
    fn argmax_gives_the_first_maximum((shape, axis) in shape_and_axis(4), seed in any::<u64>()) {
        check_argmax::<f32>(&shape, axis, seed);
        check_argmax::<f64>(&shape, axis, seed);
    }

    #[test]
    fn softmax_and_log_softmax_match_naive((shape, axis) in shape_and_axis(4), seed in any::<u64>()) {
        check_softmax::<f32>(&shape, axis, seed);
        check_softmax::<f64>(&shape, axis, seed);
    }
}

/// Every axis of a tensor above the parallel threshold (inner == 1 and inner > 1 paths),
/// and long lanes (sums of a few hundred terms).
#[test]
fn large_reductions_take_the_parallel_paths() {
    let shape = [40, 33, 30];
    for axis in 0..3 {
        check_reduce::<f32>(&shape, axis, axis as u64);
        check_reduce::<f64>(&shape, axis, axis as u64);
        check_softmax::<f64>(&shape, axis, axis as u64 + 7);
        check_argmax::<f32>(&shape, axis, axis as u64 + 11);
    }
    check_reduce::<f64>(&[3, 700], 1, 5);
    check_reduce::<f32>(&[700, 3], 0, 5);
}

/// Reducing a non-empty axis of a tensor whose other axes are empty gives an empty output
/// (and reducing an empty axis gives the identity of the reduction).
#[test]
fn reductions_of_empty_tensors() {
    for op in REDUCE_OPS {
        for shape in [[2usize, 3, 0], [0, 3, 2], [2, 0, 3]] {
            let l = Layout::contiguous(&shape);
            let got = B.reduce::<f64>(op, &vec![], &l, 1).unwrap();
            assert_eq!(got.len(), shape[0] * shape[2], "{op:?} {shape:?}");
            let want = match op {
                ReduceOp::Sum => 0.0,
                ReduceOp::Mean => f64::NAN,
                ReduceOp::Max | ReduceOp::LogSumExp => f64::NEG_INFINITY,
                ReduceOp::Min => f64::INFINITY,
            };
            assert_close(&got, &vec![want; got.len()], 0.0, &format!("{op:?} {shape:?}"));
        }
    }
}

/// Large values do not overflow logsumexp or softmax, and a NaN in a lane gives NaN, on both
/// the contiguous-lane (last axis) and the row-combining (first axis) paths.
#[test]
fn reductions_are_stable_and_propagate_nan() {
    // [2, 2] with the lanes along axis 1: (1000, 1000) and (-1000, NaN).
    let x = vec![1000.0f64, 1000.0, -1000.0, f64::NAN];
    for (l, axis) in
        [(Layout::contiguous(&[2, 2]), 1), (Layout::contiguous(&[2, 2]).transpose(0, 1).unwrap(), 0)]
    {
        let lse = B.reduce(ReduceOp::LogSumExp, &x, &l, axis).unwrap();
        assert!((lse[0] - (1000.0 + 2f64.ln())).abs() < 1e-12 && lse[1].is_nan(), "logsumexp {lse:?}");
        for op in [ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min] {
            let r = B.reduce(op, &x, &l, axis).unwrap();
            assert!(r[0].is_finite() && r[1].is_nan(), "{op:?} {r:?}");
        }
        let s = B.softmax(&x, &l, axis, false).unwrap();
        let ls = B.softmax(&x, &l, axis, true).unwrap();
        let lane0 = if axis == 1 { [0, 1] } else { [0, 2] };
        for i in lane0 {
            assert!((s[i] - 0.5).abs() < 1e-15 && (ls[i] + 2f64.ln()).abs() < 1e-12, "softmax {s:?} {ls:?}");
        }
    }
    let y = vec![1000.0f32, 0.0, -1000.0];
    let s = B.softmax(&y, &Layout::contiguous(&[3]), 0, true).unwrap();
    assert!(s[0] == 0.0 && s[1] == -1000.0 && s[2] == -2000.0, "f32 log-softmax {s:?}");
}
