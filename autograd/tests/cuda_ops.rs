//! Every differentiable op family on the CUDA device against the CPU: the forward value and the
//! gradient of every input, on small random inputs (sizes that are not multiples of the warp
//! or block size, transposed and broadcast views), in f64 and f32. With the feature
//! `cuda-emulated` the device is the emulated CUDA device (CI); with `cuda`, the GPU.
//!
//! Tolerances: both devices evaluate the same formulas with the same rounding type; they
//! differ only in summation order (reductions, GEMM) and the libm of each side, i.e. a few
//! ulps per operation. Chains of up to ~20 operations on O(1) values keep the difference well
//! under 1e-12 (f64) and 1e-4 (f32) of the largest magnitude compared.

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

mod cuda_common;

use cuda_common::{assert_close, cuda, host_data, output_and_input_grads, tol, Evaluated};
use weft_autograd::nn::loss;
use weft_autograd::{Float, Indices, Tensor};
use weft_ops::{rng::Philox, CmpOp, Device, Result};

/// Where an input's random values lie.
#[derive(Clone, Copy)]
enum Domain {
    /// `(-1, 1)`.
    Any,
    /// `(0.5, 2)`: for logarithms, roots, reciprocals, powers.
    Positive,
}

type OpFn<T> = Box<dyn Fn(&[Tensor<T>]) -> Result<Tensor<T>>>;

/// One op under test: its inputs and the function of them.
struct Case<T: Float> {
    name: &'static str,
    inputs: Vec<(Vec<usize>, Domain)>,
    f: OpFn<T>,
}

fn case<T: Float>(
    name: &'static str,
    inputs: &[(&[usize], Domain)],
    f: impl Fn(&[Tensor<T>]) -> Result<Tensor<T>> + 'static,
) -> Case<T> {
    Case { name, inputs: inputs.iter().map(|(s, d)| (s.to_vec(), *d)).collect(), f: Box::new(f) }
}

use Domain::{Any, Positive as Pos};

/// Indices on the device of `x`.
fn idx_on<T: Float>(v: &[u32], x: &Tensor<T>) -> Result<Indices> {
    Indices::new(v.to_vec()).to_device(x.device())
}

/// A well-conditioned matrix: `a + 4 I` on the device of `a`.
fn shifted<T: Float>(a: &Tensor<T>) -> Result<Tensor<T>> {
    a.add(&Tensor::eye(a.shape()[0], a.device())?.mul_scalar(4.0)?)
}

fn unary_cases<T: Float>() -> Vec<Case<T>> {
    let s: &[usize] = &[3, 37];
    vec![
        case("neg", &[(s, Any)], |x| x[0].neg()),
        case("exp", &[(s, Any)], |x| x[0].exp()),
        case("log", &[(s, Pos)], |x| x[0].log()),
        case("tanh", &[(s, Any)], |x| x[0].tanh()),
        case("sigmoid", &[(s, Any)], |x| x[0].sigmoid()),
        case("relu", &[(s, Any)], |x| x[0].relu()),
        case("gelu", &[(s, Any)], |x| x[0].gelu()),
        case("sqrt", &[(s, Pos)], |x| x[0].sqrt()),
        case("abs", &[(s, Any)], |x| x[0].abs()),
        case("square", &[(s, Any)], |x| x[0].square()),
        case("recip", &[(s, Pos)], |x| x[0].recip()),
        case("sin", &[(s, Any)], |x| x[0].sin()),
        case("cos", &[(s, Any)], |x| x[0].cos()),
        case("softplus", &[(s, Any)], |x| x[0].softplus()),
        case("log1p", &[(s, Pos)], |x| x[0].log1p()),
        case("powf", &[(s, Pos)], |x| x[0].powf(2.5)),
        case("leaky_relu", &[(s, Any)], |x| x[0].leaky_relu(0.1)),
        case("elu", &[(s, Any)], |x| x[0].elu(1.3)),
        case("affine", &[(s, Any)], |x| x[0].affine(2.0, -1.0)),
        case("add_scalar", &[(s, Any)], |x| x[0].add_scalar(0.7)),
        case("mul_scalar", &[(s, Any)], |x| x[0].mul_scalar(-3.0)),
        case("exp of a transposed view", &[(s, Any)], |x| x[0].t()?.exp()),
        case("tanh of a narrowed view", &[(s, Any)], |x| x[0].narrow(1, 3, 30)?.tanh()),
    ]
}

fn binary_cases<T: Float>() -> Vec<Case<T>> {
    vec![
        case("add broadcast", &[(&[4, 37], Any), (&[37], Any)], |x| x[0].add(&x[1])),
        case("sub outer broadcast", &[(&[4, 1], Any), (&[1, 37], Any)], |x| x[0].sub(&x[1])),
        case("mul 3-d broadcast", &[(&[2, 3, 5], Any), (&[3, 1], Any)], |x| x[0].mul(&x[1])),
        case("div", &[(&[3, 5], Any), (&[5], Pos)], |x| x[0].div(&x[1])),
        case("maximum", &[(&[3, 5], Any), (&[3, 5], Any)], |x| x[0].maximum(&x[1])),
        case("minimum broadcast", &[(&[3, 5], Any), (&[5], Any)], |x| x[0].minimum(&x[1])),
        case("pow", &[(&[3, 5], Pos), (&[3, 5], Any)], |x| x[0].pow(&x[1])),
        case("mul of transposed views", &[(&[5, 3], Any), (&[3, 5], Any)], |x| x[0].t()?.mul(&x[1])),
        case("where", &[(&[3, 33], Any), (&[3, 33], Any)], |x| {
            Tensor::where_cond(&x[0].compare(CmpOp::Gt, &x[1])?, &x[0], &x[1].mul_scalar(2.0)?)
        }),
    ]
}

fn reduce_cases<T: Float>() -> Vec<Case<T>> {
    let s: &[usize] = &[5, 37];
    vec![
        case("sum axis 0", &[(s, Any)], |x| x[0].sum(0)),
        case("sum axis 1", &[(s, Any)], |x| x[0].sum(1)),
        case("mean", &[(s, Any)], |x| x[0].mean(1)),
        case("max", &[(s, Any)], |x| x[0].max(1)),
        case("min axis 0", &[(s, Any)], |x| x[0].min(0)),
        case("logsumexp", &[(s, Any)], |x| x[0].logsumexp(1)),
        case("sum_all", &[(&[300], Any)], |x| x[0].sum_all()),
        case("mean_all", &[(s, Any)], |x| x[0].mean_all()),
        case("sum_keepdim", &[(s, Any)], |x| x[0].sum_keepdim(0)),
        case("sum_to", &[(&[2, 5, 7], Any)], |x| x[0].sum_to(&[5, 1])),
        case("softmax", &[(s, Any)], |x| x[0].softmax(1)),
        case("softmax axis 0", &[(s, Any)], |x| x[0].softmax(0)),
        case("log_softmax", &[(s, Any)], |x| x[0].log_softmax(1)),
        case("softmax of a transposed view", &[(s, Any)], |x| x[0].t()?.softmax(1)),
        case("sum over a long row", &[(&[2, 700], Any)], |x| x[0].sum(1)),
    ]
}

fn shape_cases<T: Float>() -> Vec<Case<T>> {
    vec![
        case("reshape (copy of a transposed view)", &[(&[4, 6], Any)], |x| x[0].t()?.reshape(&[3, 8])),
        case("reshape (view)", &[(&[4, 6], Any)], |x| x[0].reshape(&[2, 12])),
        case("permute", &[(&[2, 3, 4], Any)], |x| x[0].permute(&[2, 0, 1])?.exp()),
        case("narrow", &[(&[4, 9], Any)], |x| x[0].narrow(1, 2, 5)),
        case("broadcast_to", &[(&[3, 1], Any)], |x| x[0].broadcast_to(&[2, 3, 4])),
        case("unsqueeze / squeeze", &[(&[3, 4], Any)], |x| x[0].unsqueeze(1)?.exp()?.squeeze(1)),
        case("contiguous", &[(&[5, 3], Any)], |x| x[0].t()?.contiguous()),
        case("flatten", &[(&[3, 4], Any)], |x| x[0].t()?.flatten()),
        case("concat", &[(&[2, 3], Any), (&[2, 5], Any), (&[2, 1], Any)], |x| {
            Tensor::concat(&[&x[0], &x[1].square()?, &x[2]], 1)
        }),
        case("concat of views", &[(&[3, 2], Any), (&[4, 3], Any)], |x| {
            Tensor::concat(&[&x[0].t()?, &x[1].narrow(0, 1, 2)?], 0)
        }),
        case("stack", &[(&[3, 4], Any), (&[3, 4], Any)], |x| Tensor::stack(&[&x[0], &x[1]], 1)),
    ]
}

fn linalg_cases<T: Float>() -> Vec<Case<T>> {
    vec![
        case("matmul", &[(&[3, 5], Any), (&[5, 4], Any)], |x| x[0].matmul(&x[1])),
        case("matmul 37x33x35", &[(&[37, 33], Any), (&[33, 35], Any)], |x| x[0].matmul(&x[1])),
        case("matmul transposed rhs", &[(&[3, 5], Any), (&[4, 5], Any)], |x| x[0].matmul(&x[1].t()?)),
        case("matmul batched, broadcast rhs", &[(&[2, 3, 5], Any), (&[5, 4], Any)], |x| x[0].matmul(&x[1])),
        case("matmul batched both", &[(&[2, 3, 5], Any), (&[2, 5, 2], Any)], |x| x[0].matmul(&x[1])),
        case("cholesky", &[(&[5, 5], Any)], |x| {
            let a = &x[0];
            a.matmul(&a.t()?)?.add(&Tensor::eye(5, a.device())?)?.cholesky()
        }),
        case("solve lower", &[(&[4, 4], Any), (&[4, 3], Any)], |x| {
            x[1].solve_triangular(&shifted(&x[0])?, true, false)
        }),
        case("solve lower transposed", &[(&[4, 4], Any), (&[4, 3], Any)], |x| {
            x[1].solve_triangular(&shifted(&x[0])?, true, true)
        }),
        case("solve upper", &[(&[4, 4], Any), (&[4, 2], Any)], |x| {
            x[1].solve_triangular(&shifted(&x[0])?, false, false)
        }),
        case("solve upper transposed", &[(&[4, 4], Any), (&[4, 2], Any)], |x| {
            x[1].solve_triangular(&shifted(&x[0])?, false, true)
        }),
    ]
}

fn gather_cases<T: Float>() -> Vec<Case<T>> {
    vec![
        case("index_select axis 0 (repeats)", &[(&[5, 6], Any)], |x| {
            x[0].index_select(0, &idx_on(&[0, 2, 2, 1, 4, 2], &x[0])?)
        }),
        case("index_select axis 1", &[(&[3, 7], Any)], |x| x[0].index_select(1, &idx_on(&[6, 0, 3], &x[0])?)),
        case("rows of a transposed view", &[(&[4, 5], Any)], |x| x[0].t()?.rows(&idx_on(&[4, 4, 0], &x[0])?)),
        case("index_add", &[(&[5, 6], Any), (&[4, 6], Any)], |x| {
            x[0].index_add(0, &idx_on(&[1, 1, 3, 0], &x[0])?, &x[1])
        }),
        case("index_add axis 1", &[(&[3, 4], Any), (&[3, 5], Any)], |x| {
            x[0].index_add(1, &idx_on(&[3, 0, 3, 3, 2], &x[0])?, &x[1])
        }),
    ]
}

fn loss_cases<T: Float>() -> Vec<Case<T>> {
    vec![
        case("cross_entropy", &[(&[6, 5], Any)], |x| {
            loss::cross_entropy(&x[0], &idx_on(&[0, 4, 2, 2, 1, 3], &x[0])?)
        }),
        case("mse", &[(&[4, 3], Any), (&[4, 3], Any)], |x| loss::mse(&x[0], &x[1])),
        case("bce_with_logits", &[(&[7], Any), (&[7], Pos)], |x| {
            loss::bce_with_logits(&x[0], &x[1].mul_scalar(0.5)?)
        }),
        case("gaussian_nll", &[(&[6], Any), (&[6], Pos), (&[6], Any)], |x| {
            loss::gaussian_nll(&x[0], &x[1], &x[2])
        }),
        case("dropout (same Philox state)", &[(&[3, 41], Any)], |x| x[0].dropout(0.3, &mut Philox::new(17))),
        case("to_device round trip", &[(&[3, 4], Any)], |x| {
            x[0].to_device(Device::Cpu)?.exp()?.to_device(x[0].device())?.mul(&x[0])
        }),
    ]
}

/// The output (host values, shape) and the gradient of every input of `case` on `device`,
/// with the loss `sum(y * w)` for fixed weights `w` (so every output element matters).
fn evaluate<T: Float>(case: &Case<T>, inputs: &[Vec<T>], device: Device) -> Result<Evaluated<T>> {
    let xs = case
        .inputs
        .iter()
        .zip(inputs)
        .map(|((shape, _), v)| Ok(Tensor::from_slice_on(v, shape, device)?.requires_grad()))
        .collect::<Result<Vec<_>>>()?;
    let y = (case.f)(&xs)?;
    output_and_input_grads(case.name, &y, &xs, device)
}

fn run_cases<T: Float>(cases: Vec<Case<T>>, seed: u64) {
    let Some(dev) = cuda() else { return };
    let mut rng = Philox::new(seed);
    for case in &cases {
        let inputs: Vec<Vec<T>> = case
            .inputs
            .iter()
            .map(|(shape, domain)| {
                let (lo, hi) = match domain {
                    Domain::Any => (-1.0, 1.0),
                    Domain::Positive => (0.5, 2.0),
                };
                host_data(shape.iter().product(), lo, hi, &mut rng)
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

macro_rules! family {
    ($name:ident, $cases:ident, $seed:expr) => {
        #[test]
        fn $name() {
            run_cases($cases::<f64>(), $seed);
            run_cases($cases::<f32>(), $seed + 1);
        }
    };
}

family!(unary_ops_match_the_cpu, unary_cases, 10);
family!(binary_ops_match_the_cpu, binary_cases, 20);
family!(reductions_match_the_cpu, reduce_cases, 30);
family!(shape_ops_match_the_cpu, shape_cases, 40);
family!(linalg_ops_match_the_cpu, linalg_cases, 50);
family!(gathers_and_scatters_match_the_cpu, gather_cases, 60);
family!(losses_dropout_and_moves_match_the_cpu, loss_cases, 70);

#[test]
fn comparisons_and_argmax_match_the_cpu() {
    let Some(dev) = cuda() else { return };
    let mut rng = Philox::new(80);
    let a = host_data::<f64>(3 * 37, -1.0, 1.0, &mut rng);
    let b = host_data::<f64>(37, -1.0, 1.0, &mut rng);
    let on = |d| -> Result<(Tensor<f64>, Tensor<f64>)> {
        Ok((Tensor::from_slice_on(&a, &[3, 37], d)?, Tensor::from_slice_on(&b, &[37], d)?))
    };
    let ((ca, cb), (ga, gb)) = (on(Device::Cpu).unwrap(), on(dev).unwrap());
    for op in [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge] {
        let want = ca.compare(op, &cb).unwrap().to_vec().unwrap();
        let got = ga.compare(op, &gb).unwrap();
        assert_eq!(got.device(), dev);
        assert_eq!(got.to_vec().unwrap(), want, "{op:?}");
    }
    for axis in 0..2 {
        let want = ca.argmax(axis).unwrap();
        let got = ga.argmax(axis).unwrap();
        assert_eq!(got.device(), dev, "argmax({axis}) stays on the device");
        assert_eq!(got.to_vec().unwrap(), want.to_vec().unwrap(), "argmax({axis})");
        assert_eq!((got.len(), got.bound()), (want.len(), want.bound()), "argmax({axis}) length and bound");
    }
}
