//! `CpuBackend` memory and elementwise primitives (unary, binary with broadcasting, compare,
//! select, affine) against naive loops, on random shapes and random strided views.

mod common;

use common::*;
use proptest::prelude::*;
use weft_ops::{Backend, BinaryOp, CmpOp, CpuBackend, Device, Element, Layout, UnaryOp};

const B: CpuBackend = CpuBackend;

/// Every unary op, with the argument values used for the parametrised ones.
const UNARY_OPS: [UnaryOp; 23] = [
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
    UnaryOp::Powf(2.5),
    UnaryOp::Powf(-1.5),
    UnaryOp::Powf(3.0),
    UnaryOp::LeakyRelu(0.1),
    UnaryOp::Elu(1.3),
    UnaryOp::Elu(0.5),
];

/// Maps a raw test value into the domain of `op` (positive for log, sqrt, powf; away from 0
/// for recip; above -1 for log1p).
fn unary_domain(op: UnaryOp, x: f64) -> f64 {
    match op {
        UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::Powf(_) => x.abs() + 0.1,
        UnaryOp::Recip => x.signum() * (x.abs() + 0.1),
        UnaryOp::Log1p => x.abs() - 0.9,
        _ => x,
    }
}

/// The naive f64 reference of `op`.
fn unary_ref(op: UnaryOp, x: f64) -> f64 {
    match op {
        UnaryOp::Neg => -x,
        UnaryOp::Exp => x.exp(),
        UnaryOp::Log => x.ln(),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        UnaryOp::Relu => x.max(0.0),
        UnaryOp::Gelu => {
            0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x)).tanh())
        }
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Square => x * x,
        UnaryOp::Recip => 1.0 / x,
        UnaryOp::Sin => x.sin(),
        UnaryOp::Cos => x.cos(),
        UnaryOp::Softplus => x.exp().ln_1p(),
        UnaryOp::Log1p => x.ln_1p(),
        UnaryOp::Step => {
            if x > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        UnaryOp::Sign => {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        }
        UnaryOp::Powf(p) => x.powf(p),
        UnaryOp::LeakyRelu(s) => {
            if x > 0.0 {
                x
            } else {
                s * x
            }
        }
        UnaryOp::Elu(a) => {
            if x > 0.0 {
                x
            } else {
                a * x.exp_m1()
            }
        }
    }
}

fn check_memory<T: Element>(shape: &[usize], seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    let n = numel(shape);
    assert_eq!(B.device(), Device::Cpu);
    assert!(B.zeros::<T>(n).unwrap().iter().all(|&v| v == T::zero()) && B.zeros::<T>(n).unwrap().len() == n);
    let f = B.fill::<T>(n, T::of(2.5)).unwrap();
    assert!(f.len() == n && f.iter().all(|&v| v == T::of(2.5)));
    let host: Vec<T> = (0..n).map(|_| T::of(mode.draw(&mut rng))).collect();
    assert_eq!(B.from_slice(&host).unwrap(), host);
    let v = random_view::<T>(shape, &mut rng, true, |r| mode.draw(r));
    let want = v.values();
    let got = B.to_vec(&v.buf, &v.layout).unwrap();
    assert_close(&got, &want, 0.0, "to_vec");
    let c = B.copy_contiguous(&v.buf, &v.layout).unwrap();
    assert_close(&B.to_vec(&c, &Layout::contiguous(shape)).unwrap(), &want, 0.0, "copy_contiguous");
    let idx: Vec<u32> = (0..n).map(|_| rng.next_u64() as u32).collect();
    assert_eq!(B.idx_to_vec(&B.idx_from_slice(&idx).unwrap()).unwrap(), idx);
}

fn check_unary<T: Element>(shape: &[usize], seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    for op in UNARY_OPS {
        let v = random_view::<T>(shape, &mut rng, true, |r| unary_domain(op, mode.draw(r)));
        let want: Vec<f64> = v.values().iter().map(|&x| unary_ref(op, x)).collect();
        let got = B.unary(op, &v.buf, &v.layout).unwrap();
        assert_close(&got, &want, elementwise_tol::<T>(), &format!("unary {op:?} on {:?}", v.layout));
    }
}

/// Two operands of `out` shape that broadcast (size-1 axes, dropped leading axes, stride 0).
fn broadcast_pair<T: Element>(
    out: &[usize],
    rng: &mut DataRng,
    draw_a: impl FnMut(&mut DataRng) -> f64,
    draw_b: impl FnMut(&mut DataRng) -> f64,
) -> (View<T>, View<T>) {
    let operand = |rng: &mut DataRng, draw: &mut dyn FnMut(&mut DataRng) -> f64| {
        // The operand's own shape: a suffix of `out` with some axes set to 1.
        let lead = if rng.coin() { rng.below(out.len() + 1) } else { 0 };
        let own: Vec<usize> = out[lead..].iter().map(|&d| if rng.below(3) == 0 { 1 } else { d }).collect();
        let v = random_view::<T>(&own, rng, true, draw);
        let layout = v.layout.broadcast_to(out).unwrap();
        View { buf: v.buf, layout }
    };
    let (mut da, mut db) = (draw_a, draw_b);
    let a = operand(rng, &mut da);
    let b = operand(rng, &mut db);
    (a, b)
}

fn binary_ref(op: BinaryOp, a: f64, b: f64) -> f64 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Max => a.max(b),
        BinaryOp::Min => a.min(b),
        BinaryOp::Pow => a.powf(b),
    }
}

fn check_binary<T: Element>(shape: &[usize], seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
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
        let (a, b) = broadcast_pair::<T>(
            shape,
            &mut rng,
            |r| if op == BinaryOp::Pow { mode.draw(r).abs() + 0.1 } else { mode.draw(r) },
            |r| {
                let x = mode.draw(r);
                if op == BinaryOp::Div {
                    x.signum() * (x.abs() + 0.1)
                } else {
                    x
                }
            },
        );
        let want: Vec<f64> = a.values().iter().zip(b.values()).map(|(&x, y)| binary_ref(op, x, y)).collect();
        let got = B.binary(op, &a.buf, &a.layout, &b.buf, &b.layout).unwrap();
        assert_close(
            &got,
            &want,
            elementwise_tol::<T>(),
            &format!("binary {op:?} {:?} {:?}", a.layout, b.layout),
        );
    }
}

fn check_compare_select_affine<T: Element>(shape: &[usize], seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    let ops = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];
    for op in ops {
        let (a, b) = broadcast_pair::<T>(shape, &mut rng, |r| mode.draw(r), |r| mode.draw(r));
        let want: Vec<f64> = a
            .values()
            .iter()
            .zip(b.values())
            .map(|(&x, y)| {
                let c = match op {
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                };
                if c {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let got = B.compare(op, &a.buf, &a.layout, &b.buf, &b.layout).unwrap();
        assert_close(&got, &want, 0.0, &format!("compare {op:?}"));
    }

    let cond_values = [0.0, 1.0, -1.0, 0.5];
    let (c, a) = broadcast_pair::<T>(shape, &mut rng, |r| cond_values[r.below(4)], |r| mode.draw(r));
    let (b, _) = broadcast_pair::<T>(shape, &mut rng, |r| mode.draw(r), |r| mode.draw(r));
    let (cv, av, bv) = (c.values(), a.values(), b.values());
    let want: Vec<f64> = (0..numel(shape)).map(|i| if cv[i] != 0.0 { av[i] } else { bv[i] }).collect();
    let got = B.select(&c.buf, &c.layout, &a.buf, &a.layout, &b.buf, &b.layout).unwrap();
    assert_close(&got, &want, 0.0, "select");

    let (mul, add) = (T::of(rng.uniform(-3.0, 3.0)), T::of(rng.uniform(-3.0, 3.0)));
    let x = random_view::<T>(shape, &mut rng, true, |r| mode.draw(r));
    let want: Vec<f64> = x.values().iter().map(|&v| v * mul.f64() + add.f64()).collect();
    let got = B.affine(&x.buf, &x.layout, mul, add).unwrap();
    // |x * mul| may be far above |result| after cancellation: scale by the terms.
    let scale: Vec<f64> = x.values().iter().map(|&v| (v * mul.f64()).abs() + add.f64().abs() + 1.0).collect();
    assert_close_scaled(&got, &want, &scale, elementwise_tol::<T>(), "affine");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn memory_ops_match_naive(shape in shape(4), seed in any::<u64>()) {
        check_memory::<f32>(&shape, seed);
        check_memory::<f64>(&shape, seed);
    }

    #[test]
    fn unary_ops_match_naive(shape in shape(4), seed in any::<u64>()) {
        check_unary::<f32>(&shape, seed);
        check_unary::<f64>(&shape, seed);
    }

    #[test]
    fn binary_ops_broadcast_and_match_naive(shape in shape(4), seed in any::<u64>()) {
        check_binary::<f32>(&shape, seed);
        check_binary::<f64>(&shape, seed);
    }

    #[test]
    fn compare_select_affine_match_naive(shape in shape(4), seed in any::<u64>()) {
        check_compare_select_affine::<f32>(&shape, seed);
        check_compare_select_affine::<f64>(&shape, seed);
    }
}

/// Tensors above the parallel threshold (contiguous and strided) take the rayon paths.
#[test]
fn large_elementwise_takes_the_parallel_paths() {
    for seed in 0..2 {
        let shape = [70, 3, 200];
        check_unary::<f32>(&shape, seed);
        check_binary::<f64>(&shape, seed);
        check_compare_select_affine::<f32>(&shape, seed);
    }
    // Contiguous operands on both sides (the chunked fast path).
    let mut rng = DataRng::new(9);
    let n = 100_003;
    let a: Vec<f64> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let b: Vec<f64> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let l = Layout::contiguous(&[n]);
    let got = B.binary(BinaryOp::Mul, &a, &l, &b, &l).unwrap();
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    assert_close(&got, &want, 1e-15, "contiguous mul");
    let got = B.unary(UnaryOp::Tanh, &a, &l).unwrap();
    let want: Vec<f64> = a.iter().map(|x| x.tanh()).collect();
    assert_close(&got, &want, 1e-15, "contiguous tanh");
}

/// Max and Min propagate NaN from either side (as `torch.maximum`).
#[test]
fn max_min_propagate_nan() {
    for op in [BinaryOp::Max, BinaryOp::Min] {
        let a = vec![f64::NAN, 1.0, 2.0];
        let b = vec![1.0, f64::NAN, 3.0];
        let l = Layout::contiguous(&[3]);
        let got = B.binary(op, &a, &l, &b, &l).unwrap();
        assert!(got[0].is_nan() && got[1].is_nan(), "{op:?}: {got:?}");
        assert_eq!(got[2], if op == BinaryOp::Max { 3.0 } else { 2.0 });
    }
}

/// The view generator behind every test here really produces the layouts it promises:
/// non-contiguous, permuted, offset, broadcast (stride 0), and contiguous ones.
#[test]
fn random_views_cover_every_kind_of_layout() {
    let mut rng = DataRng::new(1);
    let (mut contiguous, mut strided, mut permuted, mut offset, mut stride0) = (0, 0, 0, 0, 0);
    for _ in 0..500 {
        let v = random_view::<f64>(&[3, 4, 5], &mut rng, true, |r| r.uniform(-1.0, 1.0));
        let l = &v.layout;
        assert!(l.max_offset() <= v.buf.len(), "view past its buffer: {l:?}");
        assert!(v.values().iter().all(|x| x.is_finite()), "view reads an unwritten slot: {l:?}");
        contiguous += l.is_contiguous() as usize;
        strided += (!l.is_contiguous()) as usize;
        permuted += l.strides().windows(2).any(|w| w[0] != 0 && w[1] != 0 && w[0] < w[1]) as usize;
        offset += (l.offset() > 0) as usize;
        stride0 += l.strides().contains(&0) as usize;
    }
    for (what, count) in [
        ("contiguous", contiguous),
        ("strided", strided),
        ("permuted", permuted),
        ("offset", offset),
        ("stride 0", stride0),
    ] {
        assert!(count >= 25, "only {count} of 500 random views are {what}");
    }
}
