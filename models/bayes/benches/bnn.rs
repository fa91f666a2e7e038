//! The Bayesian crate's workload: the 1-50-1 tanh BNN on 100 points (y = sin(3x) + noise,
//! N(0, 1) priors, known noise 0.1). One log density + gradient evaluation through the tape
//! in f32 and f64, and one NUTS transition at a step size and metric adapted by a short
//! warm-up.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use weft_autograd::{clear_tape, no_grad, Float, Tensor};
use weft_bayes::bnn::{Activation, Bnn, BnnDensity, Likelihood};
use weft_bayes::nuts::Nuts;
use weft_bayes::phase::Hamiltonian;
use weft_bayes::{run_chain, LogDensity, SamplerConfig};
use weft_ops::rng::Philox;
use weft_ops::Device;

fn data() -> (Vec<f64>, Vec<f64>) {
    let mut rng = Philox::new(0);
    let x: Vec<f64> = (0..100).map(|i| -2.0 + 4.0 * i as f64 / 99.0).collect();
    let y = x.iter().map(|&v| (3.0 * v).sin() + 0.1 * rng.normal()).collect();
    (x, y)
}

fn density<T: Float>() -> (Bnn, BnnDensity<T>) {
    let net =
        Bnn::new(&[1, 50, 1], Activation::Tanh, Likelihood::gaussian(0.1).expect("noise")).expect("net");
    let (x, y) = data();
    let d = BnnDensity::new(&net, &x, &y, Device::Cpu).expect("density");
    (net, d)
}

fn grad<T: Float>(c: &mut Criterion, name: &str) {
    let (net, mut d) = density::<T>();
    let theta = net.inits(1, 1.0, 0.1, 1).remove(0);
    let mut g = vec![0.0; net.dim()];
    c.bench_function(&format!("bnn_1_50_1_logp_grad_{name}"), |b| {
        b.iter(|| d.log_density_and_grad(&theta, &mut g).expect("logp"))
    });
}

fn grad_f32(c: &mut Criterion) {
    grad::<f32>(c, "f32");
}

fn grad_f64(c: &mut Criterion) {
    grad::<f64>(c, "f64");
}

fn nuts_transition(c: &mut Criterion) {
    let (net, mut d) = density::<f32>();
    let init = net.inits(1, 1.0, 0.1, 1).remove(0);
    let cfg = SamplerConfig::nuts().iterations(150, 1);
    let mut rng = Philox::new(2);
    let warm = run_chain(&mut d, &init, &cfg, &mut rng, &mut |_| {}).expect("warm-up");
    let mut z = weft_bayes::phase::PhasePoint::new(net.dim());
    z.q.copy_from_slice(warm.draw(0));
    z.logp = d.log_density_and_grad(&z.q, &mut z.grad).expect("logp");
    let mut nuts = Nuts::new(net.dim(), 10, 1000.0);
    let mut group = c.benchmark_group("bnn_1_50_1_nuts");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("transition_f32", |b| {
        b.iter(|| {
            let mut ham = Hamiltonian { density: &mut d, metric: &warm.metric, n_grad: 0 };
            nuts.transition(&mut ham, &mut rng, warm.step_size, &mut z).expect("transition")
        })
    });
    group.finish();
}

/// The kernels of one evaluation, each alone and untracked (so the sum, compared with
/// `bnn_1_50_1_logp_grad_f32`, shows the tape's own cost), and the forward pass alone with
/// and without recording.
fn ops<T: Float>(c: &mut Criterion, name: &str) {
    let mut rng = Philox::new(3);
    let t = |shape: &[usize], rng: &mut Philox| {
        Tensor::<T>::randn(shape, 0.0, 1.0, rng, Device::Cpu).expect("randn")
    };
    let (x_aug, w1, h, w2, b2) = (
        t(&[100, 2], &mut rng),
        t(&[2, 50], &mut rng),
        t(&[100, 50], &mut rng),
        t(&[50, 1], &mut rng),
        t(&[1], &mut rng),
    );
    let (f, g) = (t(&[100, 1], &mut rng), t(&[100, 1], &mut rng));
    let theta: Vec<f64> = (0..100).map(|i| i as f64 * 0.01).collect();
    let mut group = c.benchmark_group(format!("bnn_ops_{name}"));
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    no_grad(|| {
        group.bench_function("leaf_from_vec_100", |b| {
            b.iter(|| {
                let v: Vec<T> = theta.iter().map(|&x| T::of(x)).collect();
                Tensor::from_vec(v, &[2, 50]).expect("leaf").requires_grad()
            })
        });
        group.bench_function("fwd_matmul_100x2x50", |b| b.iter(|| x_aug.matmul(&w1).expect("op")));
        group.bench_function("fwd_tanh_5000", |b| b.iter(|| h.tanh().expect("op")));
        group.bench_function("fwd_matmul_100x50x1", |b| b.iter(|| h.matmul(&w2).expect("op")));
        group.bench_function("fwd_add_bcast_100x1+1", |b| b.iter(|| f.add(&b2).expect("op")));
        group.bench_function("fwd_mul_100x1", |b| b.iter(|| f.mul(&g).expect("op")));
        group.bench_function("bwd_ones_like_100x1", |b| b.iter(|| f.ones_like().expect("op")));
        group.bench_function("bwd_sum_to_100x1->1", |b| b.iter(|| f.sum_to(&[1]).expect("op")));
        group.bench_function("bwd_matmul_100x1x50_g_w2T", |b| {
            b.iter(|| g.matmul(&w2.t().expect("t")).expect("op"))
        });
        group.bench_function("bwd_matmul_50x100x1_hT_g", |b| {
            b.iter(|| h.t().expect("t").matmul(&g).expect("op"))
        });
        group.bench_function("bwd_tanh_square_5000", |b| b.iter(|| h.square().expect("op")));
        group.bench_function("bwd_tanh_affine_5000", |b| b.iter(|| h.affine(-1.0, 1.0).expect("op")));
        group.bench_function("bwd_tanh_mul_5000", |b| b.iter(|| h.mul(&h).expect("op")));
        group.bench_function("bwd_matmul_2x100x50_xT_dA", |b| {
            b.iter(|| x_aug.t().expect("t").matmul(&h).expect("op"))
        });
    });
    let w1l = w1.requires_grad();
    let fwd = || {
        let f = x_aug.matmul(&w1l)?.tanh()?.matmul(&w2)?.add(&b2)?;
        f.mul(&g)
    };
    group.bench_function("forward_untracked", |b| b.iter(|| no_grad(fwd).expect("forward")));
    group.bench_function("forward_recorded_then_cleared", |b| {
        b.iter(|| {
            let out = fwd().expect("forward");
            clear_tape::<T>();
            out
        })
    });
    group.bench_function("forward_and_backward", |b| {
        b.iter(|| fwd().expect("forward").backward().expect("backward"))
    });
    group.finish();
}

fn ops_f32(c: &mut Criterion) {
    ops::<f32>(c, "f32");
}

fn ops_f64(c: &mut Criterion) {
    ops::<f64>(c, "f64");
}

criterion_group!(benches, grad_f32, grad_f64, nuts_transition, ops_f32, ops_f64);
criterion_main!(benches);
