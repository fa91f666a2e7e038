//! BNN densities on the CUDA device (the emulated device in CI) against the same densities on
//! the CPU: log posterior and gradient for every likelihood head and both activations, in f64
//! and f32, and a short seeded NUTS run that gives the same draws on both devices.
//!
//! Tolerances: the device and the host run the same sequence of operations but may round
//! differently (fused multiply-adds, reduction order), so values agree to a few ulps of the
//! largest magnitude involved: 1e-10 relative in f64, 1e-3 in f32 (sums of ~100 products).

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

use weft_autograd::Float;
use weft_bayes::bnn::{Activation, Bnn, BnnDensity, Likelihood};
use weft_bayes::{sample_chains, LogDensity, SamplerConfig};
use weft_ops::rng::Philox;
use weft_ops::Device;

/// `Device::Cuda(0)`, or `None` after saying so when the build targets a real GPU and the
/// machine has none.
fn cuda() -> Option<Device> {
    let dev = weft_autograd::cuda_device().expect("opening cuda:0");
    dev.or_else(|| {
        eprintln!("no CUDA device present: skipping");
        None
    })
}

/// `n` points with two inputs each, and targets for every head: real values, 0/1 labels and
/// three classes.
fn data(n: usize) -> (Vec<f64>, [Vec<f64>; 3]) {
    let mut rng = Philox::new(11);
    let x: Vec<f64> = (0..2 * n).map(|_| 4.0 * rng.uniform() - 2.0).collect();
    let y: Vec<f64> = x.chunks(2).map(|p| (2.0 * p[0]).sin() + 0.3 * p[1] + 0.1 * rng.normal()).collect();
    let labels = y.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    let classes = y.iter().map(|&v| ((v + 1.0) * 1.5).floor().clamp(0.0, 2.0)).collect();
    (x, [y, labels, classes])
}

fn nets() -> Vec<(Bnn, usize)> {
    let mk = |sizes: &[usize], act, lik| Bnn::new(sizes, act, lik).unwrap();
    vec![
        (mk(&[2, 16, 1], Activation::Tanh, Likelihood::gaussian(0.3).unwrap()), 0),
        (
            mk(
                &[2, 8, 8, 1],
                Activation::Relu,
                Likelihood::GaussianLearned { prior: weft_bayes::Prior::half_cauchy(1.0).unwrap() },
            ),
            0,
        ),
        (mk(&[2, 10, 1], Activation::Tanh, Likelihood::Bernoulli), 1),
        (mk(&[2, 12, 3], Activation::Relu, Likelihood::Categorical), 2),
    ]
}

fn check_density<T: Float>(dev: Device, tol: f64) {
    let (x, ys) = data(40);
    for (net, head) in nets() {
        let mut cpu = BnnDensity::<T>::new(&net, &x, &ys[head], Device::Cpu).unwrap();
        let mut gpu = BnnDensity::<T>::new(&net, &x, &ys[head], dev).unwrap();
        let mut rng = Philox::new(5);
        for _ in 0..3 {
            let theta: Vec<f64> = (0..net.dim()).map(|_| 0.5 * rng.normal()).collect();
            let (mut gc, mut gg) = (vec![0.0; net.dim()], vec![0.0; net.dim()]);
            let lc = cpu.log_density_and_grad(&theta, &mut gc).unwrap();
            let lg = gpu.log_density_and_grad(&theta, &mut gg).unwrap();
            assert!(lc.is_finite(), "{net:?}: log density {lc}");
            assert!(
                (lc - lg).abs() <= tol * lc.abs().max(1.0),
                "{net:?}: log density {lg} on {dev}, {lc} on the CPU"
            );
            let scale = gc.iter().fold(1.0f64, |m, g| m.max(g.abs()));
            for (i, (c, g)) in gc.iter().zip(&gg).enumerate() {
                assert!((c - g).abs() <= tol * scale, "{net:?}: gradient[{i}] {g} on {dev}, {c} on the CPU");
            }
        }
    }
}

#[test]
fn density_and_gradient_match_the_cpu_in_f64() {
    if let Some(dev) = cuda() {
        check_density::<f64>(dev, 1e-10);
    }
}

#[test]
fn density_and_gradient_match_the_cpu_in_f32() {
    if let Some(dev) = cuda() {
        check_density::<f32>(dev, 1e-3);
    }
}

#[test]
fn seeded_nuts_gives_the_same_draws_on_both_devices() {
    let Some(dev) = cuda() else { return };
    let (x, ys) = data(20);
    let net = Bnn::new(&[2, 4, 1], Activation::Tanh, Likelihood::gaussian(0.3).unwrap()).unwrap();
    let config = SamplerConfig::nuts().iterations(20, 10).max_depth(5);
    let inits = net.inits(1, 0.5, 0.1, 4);
    let run = |device: Device| {
        let make = |_c: usize| BnnDensity::<f64>::new(&net, &x, &ys[0], device);
        sample_chains(make, &inits, &config, 3, None, None).unwrap()
    };
    let (cpu, gpu) = (run(Device::Cpu), run(dev));
    let (dc, dg) = (&cpu.chains()[0].draws, &gpu.chains()[0].draws);
    assert_eq!(dc.len(), 10 * net.dim());
    assert_eq!(dc.len(), dg.len());
    // Trajectories amplify rounding differences slowly; over 30 short iterations of a
    // smooth density they stay far below the step size.
    for (a, b) in dc.iter().zip(dg) {
        assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "draw {b} on {dev}, {a} on the CPU");
    }
}
