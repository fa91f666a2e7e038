//! GPU parity suite: every `Backend` primitive on the CUDA device against `CpuBackend`, in f32
//! and f64, on random inputs, contiguous and strided views, empty and size-1 dimensions and
//! sizes that are not multiples of the block or warp size.
//!
//! The same file runs on the real device (feature `cuda`) or on the emulated one (feature
//! `emulated`). A custom harness: with no device present it says so and reports the tests as
//! skipped (never as passed). On the emulated device it also checks that every kernel compiled
//! into the device was launched by some test. Arguments that do not start with `-` filter the
//! tests by substring.

#[path = "parity/optim.rs"]
mod optim;
#[path = "parity/sparse_backend.rs"]
mod sparse_backend;
mod support;

use optim::optimizers;
use sparse_backend::sparse_trait;

use std::panic::{catch_unwind, AssertUnwindSafe};
use support::*;
use weft_cuda::CudaBackend;
use weft_ops::backend::{BinaryOp, CmpOp, ReduceOp, UnaryOp};
use weft_ops::rng::Philox;
use weft_ops::sparse::{
    edge_softmax, edge_softmax_backward, sddmm_dot, segment_max, segment_mean, segment_sum, spmm_max,
    spmm_mean, spmm_sum, CsrPattern, EdgeValues,
};
use weft_ops::{Backend, CpuBackend, Element, Error, Layout};

type TestFn = fn(&CudaBackend) -> Check;

const SHAPES: &[&[usize]] =
    &[&[], &[0], &[1], &[7], &[1000], &[3, 0], &[1, 1], &[33, 65], &[2, 3, 37], &[5, 1, 300]];

// ------------------------------------------------------------------------------- memory
fn memory<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(1);
    for shape in SHAPES {
        for (label, len, l) in views(shape) {
            let data: Vec<T> = rand_vec(&mut g, len, -3.0, 3.0);
            let (d, c) = upload(dev, &data)?;
            let what = format!("{shape:?} {label}");
            let got = ok("to_vec", dev.to_vec(&d, &l))?;
            compare(&format!("to_vec {what}"), &got, &ok("cpu", CpuBackend.to_vec(&c, &l))?, 0.0)?;
            let dc = ok("copy_contiguous", dev.copy_contiguous(&d, &l))?;
            compare(&format!("copy_contiguous {what}"), &download(dev, &dc, l.numel())?, &got, 0.0)?;
        }
    }
    for n in [0, 1, 31, 257, 1000] {
        let v = T::of(1.25);
        compare("fill", &download(dev, &ok("fill", dev.fill(n, v))?, n)?, &vec![v; n], 0.0)?;
        compare("zeros", &download(dev, &ok("zeros", dev.zeros::<T>(n))?, n)?, &vec![T::zero(); n], 0.0)?;
        let idx: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let di = ok("idx_from_slice", dev.idx_from_slice(&idx))?;
        if ok("idx_to_vec", dev.idx_to_vec(&di))? != idx {
            return Err(format!("index round trip of {n} indices differs"));
        }
    }
    // a view reaching past its buffer is an error, not an out-of-bounds read
    let (d, _) = upload::<T>(dev, &[T::one(); 4])?;
    match dev.to_vec(&d, &Layout::contiguous(&[5])) {
        Err(Error::Index { .. }) => Ok(()),
        other => Err(format!("to_vec of 5 elements from a buffer of 4 gave {other:?}")),
    }
}

// -------------------------------------------------------------------------- elementwise
const UNARY: &[UnaryOp] = &[
    UnaryOp::Neg,
    UnaryOp::Exp,
    UnaryOp::Log,
    UnaryOp::Tanh,
    UnaryOp::Sigmoid,
    UnaryOp::Relu,
    UnaryOp::Gelu,
    UnaryOp::Sqrt,
    UnaryOp::Abs,
    UnaryOp::Square,
    UnaryOp::Recip,
    UnaryOp::Sin,
    UnaryOp::Cos,
    UnaryOp::Softplus,
    UnaryOp::Log1p,
    UnaryOp::Step,
    UnaryOp::Sign,
    UnaryOp::Powf(1.7),
    UnaryOp::LeakyRelu(0.1),
    UnaryOp::Elu(1.3),
];

/// Input range where `op` is defined and well conditioned.
fn unary_domain(op: UnaryOp) -> (f64, f64) {
    match op {
        UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::Powf(_) | UnaryOp::Recip => (0.1, 4.0),
        UnaryOp::Log1p => (-0.9, 4.0),
        _ => (-4.0, 4.0),
    }
}

fn unary<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(2);
    for &op in UNARY {
        let (lo, hi) = unary_domain(op);
        for shape in [&[0usize][..], &[1], &[1000], &[33, 65], &[2, 3, 37]] {
            for (label, len, l) in views(shape) {
                let mut data: Vec<T> = rand_vec(&mut g, len, lo, hi);
                if matches!(op, UnaryOp::Step | UnaryOp::Sign | UnaryOp::Relu) && len > 3 {
                    data[len / 2] = T::zero(); // the boundary case
                }
                let (d, c) = upload(dev, &data)?;
                let got = download(dev, &ok("unary", dev.unary(op, &d, &l))?, l.numel())?;
                let want = ok("cpu unary", CpuBackend.unary(op, &c, &l))?;
                compare(&format!("unary {op:?} {shape:?} {label}"), &got, &want, tol::<T>(false))?;
            }
        }
    }
    Ok(())
}

/// Pairs of (output shape, layout of a, layout of b) with broadcasting: b broadcast from a
/// shape with size-1 and missing dimensions, a possibly transposed.
fn binary_cases() -> Vec<(String, usize, Layout, usize, Layout)> {
    let mut v = vec![];
    for (sa, sb) in [
        (&[1000usize][..], &[1000usize][..]),
        (&[33, 65], &[65]),
        (&[33, 65], &[33, 1]),
        (&[2, 3, 37], &[3, 1]),
        (&[5, 1, 300], &[1]),
        (&[0, 4], &[4]),
        (&[1], &[1]),
    ] {
        for (label, len_a, la) in views(sa) {
            let lb = Layout::contiguous(sb).broadcast_to(sa).expect("broadcastable");
            v.push((format!("{sa:?} {label} with {sb:?}"), len_a, la, sb.iter().product(), lb));
        }
    }
    v
}

fn binary<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(3);
    let ops = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Max,
        BinaryOp::Min,
        BinaryOp::Pow,
    ];
    for op in ops {
        for (what, na, la, nb, lb) in binary_cases() {
            let (lo, hi) = if op == BinaryOp::Pow || op == BinaryOp::Div { (0.2, 3.0) } else { (-3.0, 3.0) };
            let mut a: Vec<T> = rand_vec(&mut g, na, lo, hi);
            let b: Vec<T> = rand_vec(&mut g, nb, lo, hi);
            if matches!(op, BinaryOp::Max | BinaryOp::Min) && na > 2 {
                a[1] = T::nan(); // NaN propagates, as torch.maximum
            }
            let ((da, ca), (db, cb)) = (upload(dev, &a)?, upload(dev, &b)?);
            let got = download(dev, &ok("binary", dev.binary(op, &da, &la, &db, &lb))?, la.numel())?;
            let want = ok("cpu binary", CpuBackend.binary(op, &ca, &la, &cb, &lb))?;
            compare(&format!("binary {op:?} {what}"), &got, &want, tol::<T>(false))?;
            // the operands the other way round (b broadcast as the left operand)
            let got = download(dev, &ok("binary", dev.binary(op, &db, &lb, &da, &la))?, la.numel())?;
            let want = ok("cpu binary", CpuBackend.binary(op, &cb, &lb, &ca, &la))?;
            compare(&format!("binary {op:?} swapped {what}"), &got, &want, tol::<T>(false))?;
        }
    }
    Ok(())
}

fn compare_select_affine<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(4);
    let cmps = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];
    for (what, na, la, nb, lb) in binary_cases() {
        let a: Vec<T> = quantized_vec(&mut g, na);
        let b: Vec<T> = quantized_vec(&mut g, nb);
        let ((da, ca), (db, cb)) = (upload(dev, &a)?, upload(dev, &b)?);
        for op in cmps {
            let got = download(dev, &ok("compare", dev.compare(op, &da, &la, &db, &lb))?, la.numel())?;
            let want = ok("cpu compare", CpuBackend.compare(op, &ca, &la, &cb, &lb))?;
            compare(&format!("compare {op:?} {what}"), &got, &want, 0.0)?;
        }
        // select: cond is a (quantized, so zeros occur), a and b as operands
        let got = download(dev, &ok("select", dev.select(&da, &la, &da, &la, &db, &lb))?, la.numel())?;
        let want = ok("cpu select", CpuBackend.select(&ca, &la, &ca, &la, &cb, &lb))?;
        compare(&format!("select {what}"), &got, &want, 0.0)?;
        let (m, s) = (T::of(-1.75), T::of(0.3));
        let got = download(dev, &ok("affine", dev.affine(&da, &la, m, s))?, la.numel())?;
        let want = ok("cpu affine", CpuBackend.affine(&ca, &la, m, s))?;
        compare(&format!("affine {what}"), &got, &want, tol::<T>(false))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------- reductions
const REDUCE_SHAPES: &[&[usize]] =
    &[&[1], &[1000], &[3, 0], &[1, 1], &[33, 65], &[2, 3, 37], &[5, 1, 300], &[4, 1025]];

fn reductions<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(5);
    let ops = [ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::LogSumExp];
    for shape in REDUCE_SHAPES {
        for (label, len, l) in views(shape) {
            let mut data: Vec<T> = rand_vec(&mut g, len, -3.0, 3.0);
            if len > 40 {
                data[37] = T::nan(); // NaN propagates through max, min, logsumexp, sum
            }
            let (d, c) = upload(dev, &data)?;
            for axis in 0..shape.len() {
                let rows: usize =
                    shape.iter().enumerate().filter(|&(i, _)| i != axis).map(|(_, &s)| s).product();
                for op in ops {
                    let got = download(dev, &ok("reduce", dev.reduce(op, &d, &l, axis))?, rows)?;
                    let want = ok("cpu reduce", CpuBackend.reduce(op, &c, &l, axis))?;
                    compare(
                        &format!("reduce {op:?} {shape:?} {label} axis {axis}"),
                        &got,
                        &want,
                        tol::<T>(true),
                    )?;
                }
                let got = ok("argmax", dev.argmax(&d, &l, axis).and_then(|i| dev.idx_to_vec(&i)))?;
                let want = ok("cpu argmax", CpuBackend.argmax(&c, &l, axis))?;
                if got != want {
                    return Err(format!(
                        "argmax {shape:?} {label} axis {axis}: {got:?} vs CpuBackend {want:?}"
                    ));
                }
                for log in [false, true] {
                    let got = download(dev, &ok("softmax", dev.softmax(&d, &l, axis, log))?, l.numel())?;
                    let want = ok("cpu softmax", CpuBackend.softmax(&c, &l, axis, log))?;
                    compare(
                        &format!("softmax log={log} {shape:?} {label} axis {axis}"),
                        &got,
                        &want,
                        tol::<T>(true),
                    )?;
                }
            }
        }
    }
    // ties: argmax keeps the first maximum; rows of -inf: logsumexp is -inf
    let q: Vec<T> = quantized_vec(&mut g, 40 * 50);
    let (d, c) = upload(dev, &q)?;
    let l = Layout::contiguous(&[40, 50]);
    for axis in 0..2 {
        let got = ok("argmax", dev.argmax(&d, &l, axis).and_then(|i| dev.idx_to_vec(&i)))?;
        if got != ok("cpu argmax", CpuBackend.argmax(&c, &l, axis))? {
            return Err(format!("argmax with ties, axis {axis}"));
        }
    }
    let (d, c) = upload(dev, &[T::neg_infinity(); 70])?;
    let l = Layout::contiguous(&[2, 35]);
    let got = download(dev, &ok("logsumexp", dev.reduce(ReduceOp::LogSumExp, &d, &l, 1))?, 2)?;
    compare(
        "logsumexp of -inf rows",
        &got,
        &ok("cpu", CpuBackend.reduce(ReduceOp::LogSumExp, &c, &l, 1))?,
        0.0,
    )
}

// -------------------------------------------------------------------------------- linalg
fn matmul<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(6);
    let mut cases: Vec<(Vec<usize>, Vec<usize>)> = vec![];
    for &(m, k, n) in &[(1, 1, 1), (7, 33, 5), (33, 65, 17), (64, 64, 64), (3, 0, 4), (0, 5, 3), (1, 40, 1)] {
        cases.push((vec![m, k], vec![k, n]));
        cases.push((vec![3, m, k], vec![3, k, n]));
    }
    for (sa, sb) in cases {
        for (la_label, na, la) in views(&sa) {
            for (lb_label, nb, lb) in views(&sb) {
                let a: Vec<T> = rand_vec(&mut g, na, -1.0, 1.0);
                let b: Vec<T> = rand_vec(&mut g, nb, -1.0, 1.0);
                let ((da, ca), (db, cb)) = (upload(dev, &a)?, upload(dev, &b)?);
                let want = ok("cpu matmul", CpuBackend.matmul(&ca, &la, &cb, &lb))?;
                let got = download(dev, &ok("matmul", dev.matmul(&da, &la, &db, &lb))?, want.len())?;
                compare(
                    &format!("matmul {sa:?} {la_label} x {sb:?} {lb_label}"),
                    &got,
                    &want,
                    tol::<T>(true),
                )?;
            }
        }
    }
    // a batch broadcast with stride 0 on the right operand
    let a: Vec<T> = rand_vec(&mut g, 4 * 9 * 6, -1.0, 1.0);
    let b: Vec<T> = rand_vec(&mut g, 6 * 5, -1.0, 1.0);
    let ((da, ca), (db, cb)) = (upload(dev, &a)?, upload(dev, &b)?);
    let la = Layout::contiguous(&[4, 9, 6]);
    let lb = Layout::contiguous(&[6, 5]).broadcast_to(&[4, 6, 5]).map_err(|e| e.to_string())?;
    let want = ok("cpu matmul", CpuBackend.matmul(&ca, &la, &cb, &lb))?;
    let got = download(dev, &ok("matmul", dev.matmul(&da, &la, &db, &lb))?, want.len())?;
    compare("matmul with a broadcast batch", &got, &want, tol::<T>(true))
}

/// A random symmetric positive-definite n × n matrix M Mᵀ + n I.
fn spd<T: Element>(g: &mut Philox, n: usize) -> Vec<T> {
    let m: Vec<f64> = (0..n * n).map(|_| g.uniform() * 2.0 - 1.0).collect();
    let mut a = vec![T::zero(); n * n];
    for i in 0..n {
        for j in 0..n {
            let s: f64 = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum();
            a[i * n + j] = T::of(s + if i == j { n as f64 } else { 0.0 });
        }
    }
    a
}

fn cholesky_and_solve<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(7);
    for n in [0, 1, 5, 40] {
        let a = spd::<T>(&mut g, n);
        let (da, ca) = upload(dev, &a)?;
        for (label, l) in [
            ("contiguous", Layout::contiguous(&[n, n])),
            ("transposed", Layout::contiguous(&[n, n]).transpose(0, 1).map_err(|e| e.to_string())?),
        ] {
            let dl = ok("cholesky", dev.cholesky(&da, &l))?;
            let cl = ok("cpu cholesky", CpuBackend.cholesky(&ca, &l))?;
            compare(&format!("cholesky n={n} {label}"), &download(dev, &dl, n * n)?, &cl, tol::<T>(true))?;
            for k in [1, 3, 37] {
                let b: Vec<T> = rand_vec(&mut g, n * k, -1.0, 1.0);
                let (db, cb) = upload(dev, &b)?;
                let lb = Layout::contiguous(&[n, k]);
                for (lower, transpose) in [(true, false), (true, true), (false, false), (false, true)] {
                    // the upper factor is Lᵀ, as a transposed view of L
                    let lf = if lower {
                        Layout::contiguous(&[n, n])
                    } else {
                        Layout::contiguous(&[n, n]).transpose(0, 1).map_err(|e| e.to_string())?
                    };
                    let got =
                        ok("triangular_solve", dev.triangular_solve(&dl, &lf, &db, &lb, lower, transpose))?;
                    let want = ok(
                        "cpu triangular_solve",
                        CpuBackend.triangular_solve(&cl, &lf, &cb, &lb, lower, transpose),
                    )?;
                    compare(
                        &format!("triangular_solve n={n} k={k} lower={lower} transpose={transpose}"),
                        &download(dev, &got, n * k)?,
                        &want,
                        tol::<T>(true),
                    )?;
                }
            }
        }
    }
    // not positive definite: the same pivot as the CPU
    let mut a = spd::<T>(&mut g, 6);
    a[3 * 6 + 3] = T::of(-50.0);
    let (da, ca) = upload(dev, &a)?;
    let l = Layout::contiguous(&[6, 6]);
    match (dev.cholesky(&da, &l), CpuBackend.cholesky(&ca, &l)) {
        (
            Err(Error::NotPositiveDefinite { pivot: p, .. }),
            Err(Error::NotPositiveDefinite { pivot: q, .. }),
        ) if p == q => {}
        (got, want) => {
            return Err(format!(
                "cholesky of a non-PD matrix: {:?} vs CpuBackend {:?}",
                got.err(),
                want.err()
            ))
        }
    }
    // singular triangular matrix: a numerical error
    let (dz, _) = upload(dev, &[T::one(), T::zero(), T::one(), T::zero()])?;
    let (db, _) = upload(dev, &[T::one(), T::one()])?;
    match dev.triangular_solve(
        &dz,
        &Layout::contiguous(&[2, 2]),
        &db,
        &Layout::contiguous(&[2, 1]),
        true,
        false,
    ) {
        Err(Error::Numerical { .. }) => Ok(()),
        other => Err(format!("solve with a zero diagonal gave {:?}", other.map(|_| ()))),
    }
}

// ------------------------------------------------------------------------------ indexing
fn indexing<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(8);
    for shape in [&[7usize][..], &[33, 65], &[2, 3, 37], &[5, 1, 300]] {
        for (label, len, l) in views(shape) {
            let data: Vec<T> = rand_vec(&mut g, len, -3.0, 3.0);
            let (d, c) = upload(dev, &data)?;
            for axis in 0..shape.len() {
                for n_idx in [0, 1, 50] {
                    // repeated indices: index_add must accumulate them (atomics)
                    let idx: Vec<u32> = (0..n_idx).map(|_| g.below(shape[axis] as u64) as u32).collect();
                    let (di, ci) = (ok("idx", dev.idx_from_slice(&idx))?, idx.clone());
                    let got = ok("index_select", dev.index_select(&d, &l, axis, &di, n_idx))?;
                    let want = ok("cpu index_select", CpuBackend.index_select(&c, &l, axis, &ci, n_idx))?;
                    let what = format!("{shape:?} {label} axis {axis} {n_idx} indices");
                    compare(&format!("index_select {what}"), &download(dev, &got, want.len())?, &want, 0.0)?;
                    // index_add of the selected slices (a contiguous src) into a random dst
                    let dst: Vec<T> = rand_vec(&mut g, l.numel(), -1.0, 1.0);
                    let (dd, cd) = upload(dev, &dst)?;
                    let mut src_shape = shape.to_vec();
                    src_shape[axis] = n_idx;
                    let ls = Layout::contiguous(&src_shape);
                    let got = ok("index_add", dev.index_add(&dd, shape, axis, &di, n_idx, &got, &ls))?;
                    let want =
                        ok("cpu index_add", CpuBackend.index_add(&cd, shape, axis, &ci, n_idx, &want, &ls))?;
                    compare(
                        &format!("index_add {what}"),
                        &download(dev, &got, want.len())?,
                        &want,
                        tol::<T>(true),
                    )?;
                }
            }
        }
    }
    // index_add from a strided src
    let src: Vec<T> = rand_vec(&mut g, 6 * 4, -1.0, 1.0);
    let (ds, cs) = upload(dev, &src)?;
    let ls = Layout::contiguous(&[6, 4]).transpose(0, 1).map_err(|e| e.to_string())?; // [4, 6]
    let idx = [2u32, 0, 2, 1];
    let (dd, cd) = upload(dev, &[T::zero(); 3 * 6])?;
    let di = ok("idx", dev.idx_from_slice(&idx))?;
    let got = ok("index_add", dev.index_add(&dd, &[3, 6], 0, &di, 4, &ds, &ls))?;
    let want = ok("cpu index_add", CpuBackend.index_add(&cd, &[3, 6], 0, &idx.to_vec(), 4, &cs, &ls))?;
    compare("index_add strided src", &download(dev, &got, 18)?, &want, tol::<T>(true))?;
    // an index out of range is an error naming it, never an out-of-bounds access
    let bad = ok("idx", dev.idx_from_slice(&[0, 9]))?;
    match dev.index_select(&dd, &Layout::contiguous(&[3, 6]), 0, &bad, 2) {
        Err(Error::Index { msg, .. }) if msg.contains("index 9 at position 1") => Ok(()),
        other => Err(format!("index_select with index 9 of 3 gave {:?}", other.map(|_| ()))),
    }
}

fn concat<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(9);
    for shape in [&[7usize][..], &[33, 65], &[2, 3, 37]] {
        for axis in 0..shape.len() {
            let mut parts = vec![];
            for (p, len) in [shape[axis], 0, 1, shape[axis] + 2].into_iter().enumerate() {
                let mut s = shape.to_vec();
                s[axis] = len;
                let mut vs = views(&s);
                let (label, n, l) = vs.swap_remove(p % vs.len()); // cycle through the view kinds
                let data: Vec<T> = rand_vec(&mut g, n, -3.0, 3.0);
                let (d, c) = upload(dev, &data)?;
                parts.push((label, d, c, l));
            }
            let dparts: Vec<_> = parts.iter().map(|(_, d, _, l)| (d, l)).collect();
            let cparts: Vec<_> = parts.iter().map(|(_, _, c, l)| (c, l)).collect();
            let want = ok("cpu concat", CpuBackend.concat(&cparts, axis))?;
            let got = ok("concat", dev.concat(&dparts, axis))?;
            compare(&format!("concat {shape:?} axis {axis}"), &download(dev, &got, want.len())?, &want, 0.0)?;
        }
    }
    Ok(())
}

// -------------------------------------------------------------------------------- random
fn random<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(10);
    for n in [0, 1, 3, 4, 5, 1001] {
        let st = g.take(n);
        let got = download(dev, &ok("uniform", dev.uniform(n, st, T::of(-2.0), T::of(3.0)))?, n)?;
        compare(
            &format!("uniform n={n}"),
            &got,
            &ok("cpu", CpuBackend.uniform(n, st, T::of(-2.0), T::of(3.0)))?,
            tol::<T>(false),
        )?;
        let got = download(dev, &ok("normal", dev.normal(n, st, T::of(0.5), T::of(2.0)))?, n)?;
        compare(
            &format!("normal n={n}"),
            &got,
            &ok("cpu", CpuBackend.normal(n, st, T::of(0.5), T::of(2.0)))?,
            tol::<T>(false),
        )?;
        for keep in [0.1, 0.9, 1.0] {
            let got = download(dev, &ok("dropout_mask", dev.dropout_mask::<T>(n, st, keep))?, n)?;
            compare(
                &format!("dropout keep={keep} n={n}"),
                &got,
                &ok("cpu", CpuBackend.dropout_mask::<T>(n, st, keep))?,
                0.0,
            )?;
        }
    }
    let st = Philox::with_stream(11, 5).take(8);
    if dev.dropout_mask::<T>(8, st, 0.0).is_ok() {
        return Err("dropout with keep = 0 must be an error".into());
    }
    Ok(())
}

// -------------------------------------------------------------------------------- sparse
/// A random `n_rows × n_cols` pattern with about `density` of the entries stored; row 3 is
/// empty (rows with no entries must give 0).
fn random_pattern(g: &mut Philox, n_rows: usize, n_cols: usize, density: f64) -> CsrPattern {
    let (mut row_ptr, mut col) = (vec![0u32], vec![]);
    for i in 0..n_rows {
        for j in 0..n_cols {
            if i != 3 && g.uniform() < density {
                col.push(j as u32);
            }
        }
        row_ptr.push(col.len() as u32);
    }
    CsrPattern::from_parts(n_rows, n_cols, row_ptr, col).expect("a valid pattern")
}

fn sparse<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(12);
    for (n_rows, n_cols, density) in [(70, 45, 0.1), (5, 300, 0.5), (40, 1, 0.5)] {
        let p = random_pattern(&mut g, n_rows, n_cols, density);
        let dp = ok("csr", dev.csr(&p))?;
        for (width, heads) in [(1, 1), (33, 1), (64, 4), (6, 3)] {
            let what = format!("[{n_rows}, {n_cols}] nnz {} width {width} heads {heads}", p.nnz());
            let x: Vec<T> = rand_vec(&mut g, n_cols * width, -1.0, 1.0);
            let v: Vec<T> = rand_vec(&mut g, p.nnz() * heads, -1.0, 1.0);
            let ((dx, _), (dv, _)) = (upload(dev, &x)?, upload(dev, &v)?);
            for mean in [false, true] {
                for with_vals in [false, true] {
                    let mut want = vec![T::zero(); n_rows * width];
                    let ev = if with_vals { EdgeValues::heads(&v, heads) } else { EdgeValues::Ones };
                    let r = if mean {
                        spmm_mean(&p, ev, &x, width, &mut want)
                    } else {
                        spmm_sum(&p, ev, &x, width, &mut want)
                    };
                    ok("cpu spmm", r)?;
                    let got = ok("spmm", dev.spmm(&dp, with_vals.then_some((&dv, heads)), &dx, width, mean))?;
                    compare(
                        &format!("spmm mean={mean} values={with_vals} {what}"),
                        &download(dev, &got, want.len())?,
                        &want,
                        tol::<T>(true),
                    )?;
                }
            }
            for with_vals in [false, true] {
                let (mut want, mut want_arg) = (vec![T::zero(); n_rows * width], vec![0u32; n_rows * width]);
                let ev = if with_vals { EdgeValues::heads(&v, heads) } else { EdgeValues::Ones };
                ok("cpu spmm_max", spmm_max(&p, ev, &x, width, &mut want, &mut want_arg))?;
                let (got, arg) =
                    ok("spmm_max", dev.spmm_max(&dp, with_vals.then_some((&dv, heads)), &dx, width))?;
                compare(
                    &format!("spmm_max values={with_vals} {what}"),
                    &download(dev, &got, want.len())?,
                    &want,
                    0.0,
                )?;
                if ok("argmax", dev.idx_to_vec(&arg))? != want_arg {
                    return Err(format!("spmm_max argmax values={with_vals} {what}"));
                }
            }
            let a: Vec<T> = rand_vec(&mut g, n_rows * width, -1.0, 1.0);
            let da = upload(dev, &a)?.0;
            let mut want = vec![T::zero(); p.nnz() * heads];
            ok("cpu sddmm", sddmm_dot(&p, &a, &x, width, heads, &mut want))?;
            let got = ok("sddmm_dot", dev.sddmm_dot(&dp, &da, &dx, width, heads))?;
            compare(&format!("sddmm_dot {what}"), &download(dev, &got, want.len())?, &want, tol::<T>(true))?;
            let scores: Vec<T> = rand_vec(&mut g, p.nnz() * heads, -5.0, 5.0);
            let ds = upload(dev, &scores)?.0;
            let mut want = vec![T::zero(); p.nnz() * heads];
            ok("cpu edge_softmax", edge_softmax(&p, &scores, heads, &mut want))?;
            let got = ok("edge_softmax", dev.edge_softmax(&dp, &ds, heads))?;
            compare(
                &format!("edge_softmax {what}"),
                &download(dev, &got, want.len())?,
                &want,
                tol::<T>(true),
            )?;
            let dy: Vec<T> = rand_vec(&mut g, p.nnz() * heads, -1.0, 1.0);
            let ddy = upload(dev, &dy)?.0;
            let mut want_dx = vec![T::zero(); p.nnz() * heads];
            ok("cpu edge_softmax_backward", edge_softmax_backward(&p, &want, &dy, heads, &mut want_dx))?;
            let dx = ok("edge_softmax_backward", dev.edge_softmax_backward(&dp, &got, &ddy, heads))?;
            let what_dx = format!("edge_softmax_backward {what}");
            compare(&what_dx, &download(dev, &dx, want_dx.len())?, &want_dx, tol::<T>(true))?;
        }
        // a row of all -inf scores is a numerical error naming the row
        if p.nnz() > 0 {
            let mut scores = vec![T::zero(); p.nnz()];
            let r = (0..n_rows).find(|&i| p.row_ptr()[i + 1] > p.row_ptr()[i]).unwrap_or(0);
            for e in p.row_ptr()[r]..p.row_ptr()[r + 1] {
                scores[e as usize] = T::neg_infinity();
            }
            match dev.edge_softmax(&dp, &upload(dev, &scores)?.0, 1) {
                Err(Error::Numerical { msg, .. }) if msg.contains(&format!("row {r}, head 0")) => {}
                other => return Err(format!("edge_softmax of a -inf row gave {:?}", other.map(|_| ()))),
            }
        }
    }
    // segment sums and means, with empty segments
    for width in [1, 7, 40] {
        let offsets = [0u32, 3, 3, 10, 11, 50];
        let x: Vec<T> = rand_vec(&mut g, 50 * width, -1.0, 1.0);
        let seg = ok("segments", dev.segments(&offsets, 50))?;
        let dx = upload(dev, &x)?.0;
        for mean in [false, true] {
            let mut want = vec![T::zero(); 5 * width];
            let r = if mean {
                segment_mean(&offsets, &x, width, &mut want)
            } else {
                segment_sum(&offsets, &x, width, &mut want)
            };
            ok("cpu segment", r)?;
            let got = ok("segment_reduce", dev.segment_reduce(&seg, &dx, width, mean))?;
            compare(
                &format!("segment mean={mean} width {width}"),
                &download(dev, &got, want.len())?,
                &want,
                tol::<T>(true),
            )?;
        }
        let (mut want, mut want_arg) = (vec![T::zero(); 5 * width], vec![0u32; 5 * width]);
        ok("cpu segment_max", segment_max(&offsets, &x, width, &mut want, &mut want_arg))?;
        let (got, arg) = ok("segment_max", dev.segment_max(&seg, &dx, width))?;
        compare(&format!("segment_max width {width}"), &download(dev, &got, want.len())?, &want, 0.0)?;
        if ok("argmax", dev.idx_to_vec(&arg))? != want_arg {
            return Err(format!("segment_max argmax width {width}"));
        }
    }
    if dev.segments(&[0, 5, 3], 5).is_ok() {
        return Err("decreasing segment offsets must be refused".into());
    }
    Ok(())
}

// --------------------------------------------------------------------------- model steps
/// Loss and weight gradients of a two-layer MLP with softmax cross-entropy (one-hot labels
/// `y`), written once with `Backend` primitives: `[loss, dW1..., dW2...]`, then one SGD step
/// of the weights: `[W1'..., W2'...]`.
#[allow(clippy::too_many_arguments)]
fn mlp_step<T: Element, B: Backend>(
    b: &B,
    x: &B::Buf<T>,
    y: &B::Buf<T>,
    w1: &B::Buf<T>,
    w2: &B::Buf<T>,
    (n, d, h, c): (usize, usize, usize, usize),
) -> weft_ops::Result<(Vec<T>, Vec<T>)> {
    let (lx, lw1, lw2) =
        (Layout::contiguous(&[n, d]), Layout::contiguous(&[d, h]), Layout::contiguous(&[h, c]));
    let (lnh, lnc) = (Layout::contiguous(&[n, h]), Layout::contiguous(&[n, c]));
    let z1 = b.matmul(x, &lx, w1, &lw1)?;
    let a1 = b.unary(UnaryOp::Relu, &z1, &lnh)?;
    let z2 = b.matmul(&a1, &lnh, w2, &lw2)?;
    let logp = b.softmax(&z2, &lnc, 1, true)?;
    let picked = b.binary(BinaryOp::Mul, &logp, &lnc, y, &lnc)?;
    let total = b.reduce(ReduceOp::Sum, &picked, &Layout::contiguous(&[n * c]), 0)?;
    let loss = b.affine(&total, &Layout::contiguous(&[1]), T::of(-1.0 / n as f64), T::zero())?;
    // backward
    let p = b.softmax(&z2, &lnc, 1, false)?;
    let diff = b.binary(BinaryOp::Sub, &p, &lnc, y, &lnc)?;
    let dz2 = b.affine(&diff, &lnc, T::of(1.0 / n as f64), T::zero())?;
    let dw2 = b.matmul(&a1, &lnh.transpose(0, 1)?, &dz2, &lnc)?;
    let da1 = b.matmul(&dz2, &lnc, w2, &lw2.transpose(0, 1)?)?;
    let mask = b.unary(UnaryOp::Step, &z1, &lnh)?;
    let dz1 = b.binary(BinaryOp::Mul, &da1, &lnh, &mask, &lnh)?;
    let dw1 = b.matmul(x, &lx.transpose(0, 1)?, &dz1, &lnh)?;
    // SGD step, lr 0.5
    let upd = |w: &B::Buf<T>, g: &B::Buf<T>, l: &Layout| -> weft_ops::Result<Vec<T>> {
        let s = b.affine(g, l, T::of(-0.5), T::zero())?;
        b.to_vec(&b.binary(BinaryOp::Add, w, l, &s, l)?, l)
    };
    let mut grads = b.to_vec(&loss, &Layout::contiguous(&[1]))?;
    grads.extend(b.to_vec(&dw1, &lw1)?);
    grads.extend(b.to_vec(&dw2, &lw2)?);
    let mut stepped = upd(w1, &dw1, &lw1)?;
    stepped.extend(upd(w2, &dw2, &lw2)?);
    Ok((grads, stepped))
}

fn model_steps<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(13);
    // MLP: sizes not multiples of the warp or block size
    let (n, d, h, c) = (37, 13, 33, 5);
    let x: Vec<T> = rand_vec(&mut g, n * d, -1.0, 1.0);
    let mut y = vec![T::zero(); n * c];
    for i in 0..n {
        y[i * c + g.below(c as u64) as usize] = T::one();
    }
    let w1: Vec<T> = rand_vec(&mut g, d * h, -0.5, 0.5);
    let w2: Vec<T> = rand_vec(&mut g, h * c, -0.5, 0.5);
    let (dx, cx) = upload(dev, &x)?;
    let (dy, cy) = upload(dev, &y)?;
    let (dw1, cw1) = upload(dev, &w1)?;
    let (dw2, cw2) = upload(dev, &w2)?;
    let (got, got_w) = ok("mlp step", mlp_step(dev, &dx, &dy, &dw1, &dw2, (n, d, h, c)))?;
    let (want, want_w) = ok("cpu mlp step", mlp_step(&CpuBackend, &cx, &cy, &cw1, &cw2, (n, d, h, c)))?;
    compare("mlp loss and gradients", &got, &want, tol::<T>(true))?;
    compare("mlp weights after an SGD step", &got_w, &want_w, tol::<T>(true))?;

    // GCN layer: Z = Â (X W) with Â = D^-1/2 (A + I) D^-1/2; loss = <Z, G>;
    // dW = Xᵀ (Âᵀ G) and Âᵀ = Â (symmetric graph)
    let (nodes, feat, out) = (60, 9, 7);
    let p = ok("graph", weft_ops::sparse::random::erdos_renyi(nodes, 150, true, 5))?;
    let a_hat = ok("sym_norm", weft_ops::sparse::sym_norm_values::<T>(&p, None))?;
    let x: Vec<T> = rand_vec(&mut g, nodes * feat, -1.0, 1.0);
    let w: Vec<T> = rand_vec(&mut g, feat * out, -1.0, 1.0);
    let gz: Vec<T> = rand_vec(&mut g, nodes * out, -1.0, 1.0);
    let (lx, lw, lz) = (
        Layout::contiguous(&[nodes, feat]),
        Layout::contiguous(&[feat, out]),
        Layout::contiguous(&[nodes, out]),
    );
    // CPU
    let cxw = ok("cpu matmul", CpuBackend.matmul(&x, &lx, &w, &lw))?;
    let mut cz = vec![T::zero(); nodes * out];
    ok("cpu spmm", spmm_sum(&p, EdgeValues::per_edge(&a_hat), &cxw, out, &mut cz))?;
    let mut cag = vec![T::zero(); nodes * out];
    ok("cpu spmm", spmm_sum(&p, EdgeValues::per_edge(&a_hat), &gz, out, &mut cag))?;
    let cdw =
        ok("cpu matmul", CpuBackend.matmul(&x, &lx.transpose(0, 1).map_err(|e| e.to_string())?, &cag, &lz))?;
    // device
    let da = ok("csr", dev.csr(&p))?;
    let dv = upload(dev, &a_hat)?.0;
    let (dxx, dww, dgz) = (upload(dev, &x)?.0, upload(dev, &w)?.0, upload(dev, &gz)?.0);
    let dxw = ok("matmul", dev.matmul(&dxx, &lx, &dww, &lw))?;
    let dz = ok("spmm", dev.spmm(&da, Some((&dv, 1)), &dxw, out, false))?;
    let dag = ok("spmm", dev.spmm(&da, Some((&dv, 1)), &dgz, out, false))?;
    let ddw = ok("matmul", dev.matmul(&dxx, &lx.transpose(0, 1).map_err(|e| e.to_string())?, &dag, &lz))?;
    compare("gcn forward", &download(dev, &dz, nodes * out)?, &cz, tol::<T>(true))?;
    compare("gcn weight gradient", &download(dev, &ddw, feat * out)?, &cdw, tol::<T>(true))?;

    // GAT-style attention step, 4 heads: scores e = <h_i, h_j> per head (SDDMM), weights
    // α = edge_softmax(e), output o = Σ_j α_ij h_j (SpMM with per-head values); backward from
    // a gradient G of o: dα = <G_i, h_j> per head (SDDMM), de = edge_softmax_backward(α, dα)
    let (heads, width) = (4, 8 * 4);
    let hv: Vec<T> = rand_vec(&mut g, nodes * width, -1.0, 1.0);
    let gv: Vec<T> = rand_vec(&mut g, nodes * width, -1.0, 1.0);
    let nnz = p.nnz();
    let mut ce = vec![T::zero(); nnz * heads];
    ok("cpu sddmm", sddmm_dot(&p, &hv, &hv, width, heads, &mut ce))?;
    let mut calpha = vec![T::zero(); nnz * heads];
    ok("cpu edge_softmax", edge_softmax(&p, &ce, heads, &mut calpha))?;
    let mut co = vec![T::zero(); nodes * width];
    ok("cpu spmm", spmm_sum(&p, EdgeValues::heads(&calpha, heads), &hv, width, &mut co))?;
    let mut cdalpha = vec![T::zero(); nnz * heads];
    ok("cpu sddmm", sddmm_dot(&p, &gv, &hv, width, heads, &mut cdalpha))?;
    let mut cde = vec![T::zero(); nnz * heads];
    ok("cpu edge_softmax_backward", edge_softmax_backward(&p, &calpha, &cdalpha, heads, &mut cde))?;
    let (dh, dg) = (upload(dev, &hv)?.0, upload(dev, &gv)?.0);
    let de = ok("sddmm", dev.sddmm_dot(&da, &dh, &dh, width, heads))?;
    let dalpha = ok("edge_softmax", dev.edge_softmax(&da, &de, heads))?;
    let dout = ok("spmm", dev.spmm(&da, Some((&dalpha, heads)), &dh, width, false))?;
    let ddalpha = ok("sddmm", dev.sddmm_dot(&da, &dg, &dh, width, heads))?;
    let dde = ok("edge_softmax_backward", dev.edge_softmax_backward(&da, &dalpha, &ddalpha, heads))?;
    compare("gat attention output", &download(dev, &dout, nodes * width)?, &co, tol::<T>(true))?;
    compare("gat score gradient", &download(dev, &dde, nnz * heads)?, &cde, tol::<T>(true))
}

// ------------------------------------------------------------------------------- threads
/// The same backend used from several threads at once (the real device must make its context
/// current in each of them).
fn threads(dev: &CudaBackend) -> Check {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                s.spawn(move || -> Check {
                    let mut g = Philox::new(100 + t);
                    for _ in 0..5 {
                        let a: Vec<f64> = rand_vec(&mut g, 37 * 29, -1.0, 1.0);
                        let (da, ca) = upload(dev, &a)?;
                        let (la, lt) = (
                            Layout::contiguous(&[37, 29]),
                            Layout::contiguous(&[29, 37]).transpose(0, 1).map_err(|e| e.to_string())?,
                        );
                        let dm = ok(
                            "matmul",
                            dev.matmul(&da, &la, &da, &la.transpose(0, 1).map_err(|e| e.to_string())?),
                        )?;
                        let cm = ok(
                            "cpu matmul",
                            CpuBackend.matmul(&ca, &la, &ca, &la.transpose(0, 1).map_err(|e| e.to_string())?),
                        )?;
                        compare(
                            &format!("thread {t} matmul"),
                            &download(dev, &dm, 37 * 37)?,
                            &cm,
                            tol::<f64>(true),
                        )?;
                        let ds = ok("reduce", dev.reduce(ReduceOp::Sum, &da, &lt, 0))?;
                        let cs = ok("cpu reduce", CpuBackend.reduce(ReduceOp::Sum, &ca, &lt, 0))?;
                        compare(
                            &format!("thread {t} reduce"),
                            &download(dev, &ds, 29)?,
                            &cs,
                            tol::<f64>(true),
                        )?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| "a worker thread panicked".to_string())?)
    })
}

// -------------------------------------------------------------------------------- errors
fn out_of_memory(dev: &CudaBackend) -> Check {
    match dev.zeros::<f32>(1 << 48) {
        Err(Error::Cuda { msg, .. }) if msg.contains("OUT_OF_MEMORY") => Ok(()),
        other => Err(format!("allocating 1 PiB gave {:?}", other.map(|_| ()))),
    }
}

macro_rules! both {
    ($name:literal, $f:ident) => {
        [(concat!($name, "_f32"), $f::<f32> as TestFn), (concat!($name, "_f64"), $f::<f64> as TestFn)]
    };
}

fn tests() -> Vec<(&'static str, TestFn)> {
    let mut v: Vec<(&'static str, TestFn)> = vec![("out_of_memory", out_of_memory), ("threads", threads)];
    for pair in [
        both!("memory", memory),
        both!("unary", unary),
        both!("binary", binary),
        both!("compare_select_affine", compare_select_affine),
        both!("reductions", reductions),
        both!("matmul", matmul),
        both!("cholesky_and_solve", cholesky_and_solve),
        both!("indexing", indexing),
        both!("concat", concat),
        both!("random", random),
        both!("sparse", sparse),
        both!("sparse_trait", sparse_trait),
        both!("optimizers", optimizers),
        both!("model_steps", model_steps),
    ] {
        v.extend(pair);
    }
    v
}

/// The device under test, or why there is none.
fn device() -> std::result::Result<(CudaBackend, Option<std::sync::Arc<dyn Coverage>>), String> {
    #[cfg(feature = "cuda")]
    {
        CudaBackend::for_device(weft_ops::Device::Cuda(0)).map(|d| (d, None)).map_err(|e| e.to_string())
    }
    #[cfg(all(feature = "emulated", not(feature = "cuda")))]
    {
        let dev = std::sync::Arc::new(weft_cuda::emulated::EmulatedDevice::new());
        Ok((CudaBackend::from_api(dev.clone()), Some(dev as std::sync::Arc<dyn Coverage>)))
    }
    #[cfg(not(any(feature = "cuda", feature = "emulated")))]
    {
        Err("weft-cuda built without the `cuda` and `emulated` features".into())
    }
}

/// Which kernels were launched (emulated device only).
trait Coverage {
    fn unlaunched(&self) -> Vec<String>;
}

#[cfg(feature = "emulated")]
impl Coverage for weft_cuda::emulated::EmulatedDevice {
    fn unlaunched(&self) -> Vec<String> {
        let launched = self.launched_kernels();
        weft_cuda::emulated::registered_kernels()
            .into_iter()
            .filter(|k| !k.starts_with("fault_") && !launched.contains(k))
            .collect()
    }
}

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let tests: Vec<_> = tests()
        .into_iter()
        .filter(|(n, _)| filters.is_empty() || filters.iter().any(|f| n.contains(f.as_str())))
        .collect();
    let (dev, coverage) = match device() {
        Ok(d) => d,
        Err(why) => {
            println!("no CUDA device present ({why}): skipping the {} GPU parity tests", tests.len());
            println!("parity: 0 passed, 0 failed, {} skipped", tests.len());
            return;
        }
    };
    println!("GPU parity suite on {}", dev.api().name());
    let (mut passed, mut failed) = (0, 0);
    for (name, f) in &tests {
        let r = catch_unwind(AssertUnwindSafe(|| f(&dev))).unwrap_or_else(|p| {
            Err(format!(
                "panicked: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ))
        });
        let r = r.and_then(|()| dev.synchronize().map_err(|e| format!("after the test: {e}")));
        match r {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Err(msg) => {
                failed += 1;
                println!("test {name} ... FAILED\n    {msg}");
            }
        }
    }
    if let (Some(cov), true) = (coverage, filters.is_empty()) {
        let missing = cov.unlaunched();
        if missing.is_empty() {
            passed += 1;
            println!("test every_kernel_launched ... ok");
        } else {
            failed += 1;
            println!("test every_kernel_launched ... FAILED\n    never launched: {missing:?}");
        }
    }
    println!("parity: {passed} passed, {failed} failed, 0 skipped");
    if failed > 0 {
        std::process::exit(1);
    }
}
