//! Every sparse autograd op on the CUDA device against the CPU: SpMM (sum / mean / max, with
//! and without edge values, one and two heads, a transposed dense operand), SDDMM (dot and
//! add), edge softmax, segment sum / mean / max and the `SparseTensor` ops, forward values
//! and the gradient of every input, in f64 and f32, on a rectangular pattern with empty rows
//! and a segmentation with an empty segment. Plus the device surface of `CsrMatrix` and the
//! device-mismatch errors. With `cuda-emulated` the device is the emulated CUDA device (CI).
//!
//! Tolerances: as in `cuda_ops.rs`: the two sides evaluate the same formulas in the same
//! rounding type and differ only in summation order and libm (edge softmax's `exp`), a few
//! ulps per op on O(1) values over chains of a handful of ops.

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

mod cuda_common;

use cuda_common::{assert_close, cuda, host_data, output_and_input_grads, tol, Evaluated};
use weft_autograd::sparse::{
    edge_softmax, sddmm, sddmm_add, segment_reduce, spmm, Aggregation, CooOptions, CsrMatrix, SparseTensor,
};
use weft_autograd::{Error, Float, Indices, Tensor};
use weft_ops::{rng::Philox, Device, Idx, Result};

/// Rows of the test pattern (rows 2 and 6 are empty).
const ROWS: usize = 9;
/// Columns of the test pattern.
const COLS: usize = 7;
/// The segment offsets of the segment cases: 11 rows, segment 1 empty.
const OFFSETS: [Idx; 5] = [0, 3, 3, 7, 11];

/// The edge list of the test pattern: about three entries per non-empty row, rows 2 and 6
/// empty, drawn from a fixed seed.
fn edges() -> (Vec<Idx>, Vec<Idx>) {
    let mut rng = Philox::new(5);
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    for r in 0..ROWS as Idx {
        if r == 2 || r == 6 {
            continue;
        }
        for _ in 0..1 + rng.below(4) {
            src.push(r);
            dst.push(rng.below(COLS as u64) as Idx);
        }
    }
    (src, dst)
}

fn pattern(device: Device) -> Result<CsrMatrix> {
    let (src, dst) = edges();
    CsrMatrix::from_edges(ROWS, COLS, &src, &dst, CooOptions::default(), device)
}

type OpFn<T> = Box<dyn Fn(&CsrMatrix, &[Tensor<T>]) -> Result<Tensor<T>>>;

/// One op under test: the shapes of its inputs (`NNZ` stands for the pattern's nnz) and the
/// function of the pattern and the inputs.
struct Case<T: Float> {
    name: &'static str,
    inputs: Vec<Vec<usize>>,
    f: OpFn<T>,
}

/// Placeholder for the pattern's number of stored entries in input shapes.
const NNZ: usize = usize::MAX;

fn case<T: Float>(
    name: &'static str,
    inputs: &[&[usize]],
    f: impl Fn(&CsrMatrix, &[Tensor<T>]) -> Result<Tensor<T>> + 'static,
) -> Case<T> {
    Case { name, inputs: inputs.iter().map(|s| s.to_vec()).collect(), f: Box::new(f) }
}

/// Segment offsets on the device of `x`.
fn offsets_on<T: Float>(x: &Tensor<T>) -> Result<Indices> {
    Indices::new(OFFSETS.to_vec()).to_device(x.device())
}

fn cases<T: Float>() -> Vec<Case<T>> {
    use Aggregation::{Max, Mean, Sum};
    let (c, r) = (COLS, ROWS);
    let mut v = Vec::new();
    for (agg, name) in [(Sum, "sum"), (Mean, "mean"), (Max, "max")] {
        let names: [&'static str; 4] = match name {
            "sum" => ["spmm sum", "spmm sum, values", "spmm sum, 2 heads", "spmm sum, transposed x"],
            "mean" => ["spmm mean", "spmm mean, values", "spmm mean, 2 heads", "spmm mean, transposed x"],
            _ => ["spmm max", "spmm max, values", "spmm max, 2 heads", "spmm max, transposed x"],
        };
        v.push(case(names[0], &[&[c, 5]], move |a, x| spmm(a, None, &x[0], agg)));
        v.push(case(names[1], &[&[NNZ], &[c, 5]], move |a, x| spmm(a, Some(&x[0]), &x[1], agg)));
        v.push(case(names[2], &[&[NNZ, 2], &[c, 6]], move |a, x| spmm(a, Some(&x[0]), &x[1], agg)));
        v.push(case(names[3], &[&[NNZ], &[4, c]], move |a, x| spmm(a, Some(&x[0]), &x[1].t()?, agg)));
    }
    v.push(case("sddmm, 1 head", &[&[r, 5], &[c, 5]], |a, x| sddmm(a, &x[0], &x[1], 1)));
    v.push(case("sddmm, 2 heads", &[&[r, 6], &[c, 6]], |a, x| sddmm(a, &x[0], &x[1], 2)));
    v.push(case("sddmm_add, 2 heads", &[&[r, 2], &[c, 2]], |a, x| sddmm_add(a, &x[0], &x[1])));
    v.push(case("edge_softmax", &[&[NNZ]], |a, x| edge_softmax(a, &x[0])));
    v.push(case("edge_softmax, 2 heads", &[&[NNZ, 2]], |a, x| edge_softmax(a, &x[0])));
    v.push(case("GAT attention chain", &[&[r, 2], &[c, 2], &[c, 6]], |a, x| {
        let e = sddmm_add(a, &x[0], &x[1])?.leaky_relu(0.2)?;
        spmm(a, Some(&edge_softmax(a, &e)?), &x[2], Sum)
    }));
    for (agg, name) in [(Sum, "segment sum"), (Mean, "segment mean"), (Max, "segment max")] {
        v.push(case(name, &[&[11, 5]], move |_, x| segment_reduce(&offsets_on(&x[0])?, &x[0], agg)));
    }
    v.push(case("segment max, rank 1", &[&[11]], |_, x| segment_reduce(&offsets_on(&x[0])?, &x[0], Max)));
    v.push(case("SparseTensor matmul", &[&[NNZ], &[c, 5]], |a, x| {
        SparseTensor::new(a.clone(), x[0].clone())?.matmul(&x[1])
    }));
    v.push(case("SparseTensor row_normalized", &[&[NNZ], &[c, 5]], |a, x| {
        SparseTensor::new(a.clone(), x[0].exp()?)?.row_normalized()?.matmul(&x[1])
    }));
    v.push(case("transpose and its permutation", &[&[NNZ], &[r, 3]], |a, x| {
        let (t, perm) = a.transpose_with_perm()?;
        assert_eq!((t.device(), perm.device()), (a.device(), a.device()), "transpose on the device");
        spmm(&t, Some(&x[0].index_select(0, &perm)?), &x[1], Sum)
    }));
    v.push(case("normalisation values and ids", &[&[c, 3]], |a, x| {
        let w = a.row_norm_values::<T>()?;
        let rows = a.row_ids()?;
        let cols = a.col_ids()?;
        for d in [w.device(), rows.device(), cols.device(), a.row_ptr()?.device()] {
            assert_eq!(d, a.device(), "cached pattern data on the pattern's device");
        }
        // sum over entries of w[e] * x[col e] scattered to row e: a mean SpMM by hand
        let msg = x[0].index_select(0, &cols)?.mul(&w.reshape(&[a.nnz(), 1])?)?;
        Tensor::zeros(&[a.n_rows(), 3], a.device())?.index_add(0, &rows, &msg)
    }));
    v
}

/// The output (host values, shape) and the gradient of every input of `case` on `device`,
/// with the loss `sum(y * w)` for fixed weights `w` (so every output element matters).
fn evaluate<T: Float>(
    case: &Case<T>,
    inputs: &[(Vec<usize>, Vec<T>)],
    device: Device,
) -> Result<Evaluated<T>> {
    let a = pattern(device)?;
    assert_eq!(a.device(), device);
    let xs = inputs
        .iter()
        .map(|(shape, v)| Ok(Tensor::from_slice_on(v, shape, device)?.requires_grad()))
        .collect::<Result<Vec<_>>>()?;
    let y = (case.f)(&a, &xs)?;
    output_and_input_grads(case.name, &y, &xs, device)
}

fn run_cases<T: Float>(seed: u64) {
    let Some(dev) = cuda() else { return };
    let nnz = pattern(Device::Cpu).expect("test pattern").nnz();
    let mut rng = Philox::new(seed);
    for case in &cases::<T>() {
        let inputs: Vec<(Vec<usize>, Vec<T>)> = case
            .inputs
            .iter()
            .map(|shape| {
                let shape: Vec<usize> = shape.iter().map(|&d| if d == NNZ { nnz } else { d }).collect();
                let data = host_data(shape.iter().product(), -1.0, 1.0, &mut rng);
                (shape, data)
            })
            .collect();
        let ((want, want_shape), want_grads) =
            evaluate(case, &inputs, Device::Cpu).unwrap_or_else(|e| panic!("{} on the CPU: {e}", case.name));
        let ((got, got_shape), got_grads) =
            evaluate(case, &inputs, dev).unwrap_or_else(|e| panic!("{} on {dev}: {e}", case.name));
        assert_eq!(got_shape, want_shape, "{}: output shape", case.name);
        let name = format!("{} ({})", case.name, T::DTYPE.name());
        assert_close(&got, &want, tol::<T>(), &format!("{name}: forward"));
        for (i, (g, w)) in got_grads.iter().zip(&want_grads).enumerate() {
            assert_close(g, w, tol::<T>(), &format!("{name}: gradient of input {i}"));
        }
    }
}

#[test]
fn sparse_ops_and_gradients_match_the_cpu_f64() {
    run_cases::<f64>(100);
}

#[test]
fn sparse_ops_and_gradients_match_the_cpu_f32() {
    run_cases::<f32>(101);
}

#[test]
fn the_test_pattern_has_empty_rows() {
    let a = pattern(Device::Cpu).unwrap();
    let deg = a.degrees();
    assert_eq!((deg[2], deg[6]), (0, 0));
    assert!(deg.iter().filter(|&&d| d > 0).count() >= 6);
}

fn assert_mismatch(err: Error, op: &str, devices: [&str; 2]) {
    match &err {
        Error::DeviceMismatch { op: o, lhs, rhs } => {
            assert!(o.starts_with(op), "{err}: op");
            let mut got = [lhs.as_str(), rhs.as_str()];
            got.sort_unstable();
            let mut want = devices;
            want.sort_unstable();
            assert_eq!(got, want, "{err}: devices");
        }
        e => panic!("expected a device mismatch from {op}, got {e}"),
    }
}

#[test]
fn operands_on_different_devices_are_mismatches_naming_both() {
    let Some(dev) = cuda() else { return };
    let names = ["cpu", "cuda:0"];
    let (a_gpu, a_cpu) = (pattern(dev).unwrap(), pattern(Device::Cpu).unwrap());
    let x_cpu = Tensor::<f64>::ones(&[COLS, 4], Device::Cpu).unwrap();
    let x_gpu = x_cpu.to_device(dev).unwrap();
    assert_mismatch(spmm(&a_gpu, None, &x_cpu, Aggregation::Sum).unwrap_err(), "spmm", names);
    assert_mismatch(spmm(&a_cpu, None, &x_gpu, Aggregation::Max).unwrap_err(), "spmm", names);
    let v_cpu = Tensor::<f64>::ones(&[a_gpu.nnz()], Device::Cpu).unwrap();
    assert_mismatch(spmm(&a_gpu, Some(&v_cpu), &x_gpu, Aggregation::Sum).unwrap_err(), "spmm", names);
    assert_mismatch(edge_softmax(&a_gpu, &v_cpu).unwrap_err(), "edge_softmax", names);
    let s = Tensor::<f64>::ones(&[ROWS, 1], dev).unwrap();
    let t = Tensor::<f64>::ones(&[COLS, 1], Device::Cpu).unwrap();
    assert_mismatch(sddmm_add(&a_gpu, &s, &t).unwrap_err(), "sddmm_add", names);
    assert_mismatch(SparseTensor::new(a_gpu.clone(), v_cpu).unwrap_err(), "SparseTensor", names);
    let off_cpu = Indices::new(OFFSETS.to_vec());
    let rows = Tensor::<f64>::ones(&[11, 2], dev).unwrap();
    assert_mismatch(segment_reduce(&off_cpu, &rows, Aggregation::Sum).unwrap_err(), "segment_reduce", names);
}

#[test]
fn patterns_move_between_devices() {
    let Some(dev) = cuda() else { return };
    let a = pattern(Device::Cpu).unwrap();
    let g = a.to_device(dev).unwrap();
    assert_eq!(g.device(), dev);
    assert_eq!((g.n_rows(), g.n_cols(), g.nnz()), (a.n_rows(), a.n_cols(), a.nnz()));
    assert!(g.to_device(dev).unwrap().same_as(&g), "moving to its own device is a clone");
    let back = g.to_device(Device::Cpu).unwrap();
    assert_eq!(back.row_ids().unwrap().to_vec().unwrap(), a.row_ids().unwrap().to_vec().unwrap());
    assert_eq!(g.col_ids().unwrap().to_vec().unwrap(), a.col_ids().unwrap().to_vec().unwrap());
    assert_eq!(g.row_ptr().unwrap().to_vec().unwrap(), a.pattern().row_ptr().to_vec());
    let x = Tensor::<f64>::ones(&[COLS, 3], Device::Cpu).unwrap();
    let want = spmm(&a, None, &x, Aggregation::Sum).unwrap().to_vec().unwrap();
    let got = spmm(&g, None, &x.to_device(dev).unwrap(), Aggregation::Sum).unwrap().to_vec().unwrap();
    assert_eq!(got, want, "a 0/1 sum is exact on both devices");
    let vals: Vec<f64> = (0..a.nnz()).map(|e| e as f64 + 1.0).collect();
    let dense = |p: &CsrMatrix| {
        let v = Tensor::from_slice_on(&vals, &[p.nnz()], p.device())?;
        let d = SparseTensor::new(p.clone(), v)?.to_dense()?;
        assert_eq!(d.device(), p.device(), "to_dense stays on the pattern's device");
        d.to_vec()
    };
    assert_eq!(dense(&g).unwrap(), dense(&a).unwrap(), "to_dense");
}
