//! Dense kernels: GEMM (throughput in FLOP/s: criterion's "elem/s" with 2n³ elements),
//! broadcast add and softmax on 1M elements.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device};

fn random<T: Float>(shape: &[usize], seed: u64) -> Tensor<T> {
    Tensor::randn(shape, 0.0, 1.0, &mut Philox::new(seed), Device::Cpu).expect("random tensor")
}

fn matmul<T: Float>(c: &mut Criterion, name: &str) {
    let mut group = c.benchmark_group(format!("matmul_{name}"));
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for n in [64usize, 256, 512, 1024, 2048] {
        let (a, b) = (random::<T>(&[n, n], 1), random::<T>(&[n, n], 2));
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, _| {
            bench.iter(|| a.matmul(&b).expect("matmul"))
        });
    }
    group.finish();
}

fn matmul_f32(c: &mut Criterion) {
    matmul::<f32>(c, "f32");
}

fn matmul_f64(c: &mut Criterion) {
    matmul::<f64>(c, "f64");
}

fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise_1M_f32");
    group.sample_size(30).measurement_time(Duration::from_secs(2));
    let x = random::<f32>(&[1000, 1000], 3);
    let row = random::<f32>(&[1000], 4);
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("broadcast_add", |b| b.iter(|| x.add(&row).expect("add")));
    group.bench_function("softmax_rows", |b| b.iter(|| x.softmax(1).expect("softmax")));
    group.finish();
}

/// f64 `exp` and `tanh` over 1M elements: weft's vectorisable versions (on rayon's pool: set
/// `RAYON_NUM_THREADS=1` to compare per core) against a plain loop over libm's.
fn transcendental_f64(c: &mut Criterion) {
    let mut group = c.benchmark_group("transcendental_1M_f64");
    group.sample_size(30).measurement_time(Duration::from_secs(2));
    let x = random::<f64>(&[1000, 1000], 5);
    let host = x.to_vec().expect("host copy");
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("weft_exp", |b| b.iter(|| x.exp().expect("exp")));
    group.bench_function("libm_exp_loop", |b| b.iter(|| host.iter().map(|v| v.exp()).collect::<Vec<f64>>()));
    group.bench_function("weft_tanh", |b| b.iter(|| x.tanh().expect("tanh")));
    group
        .bench_function("libm_tanh_loop", |b| b.iter(|| host.iter().map(|v| v.tanh()).collect::<Vec<f64>>()));
    group.bench_function("weft_softmax_rows", |b| b.iter(|| x.softmax(1).expect("softmax")));
    group.finish();
}

criterion_group!(benches, matmul_f32, matmul_f64, elementwise, transcendental_f64);
criterion_main!(benches);
