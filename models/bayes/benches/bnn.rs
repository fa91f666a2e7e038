//! The Bayesian crate's workload: the 1-50-1 tanh BNN on 100 points (y = sin(3x) + noise,
//! N(0, 1) priors, known noise 0.1). One log density + gradient evaluation through the tape
//! in f32 and f64, and one NUTS transition at a step size and metric adapted by a short
//! warm-up.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use weft_autograd::Float;
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

criterion_group!(benches, grad_f32, grad_f64, nuts_transition);
criterion_main!(benches);
