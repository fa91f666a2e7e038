//! Autograd overhead: a tiny op (100 elements) with and without recording on the tape, and
//! forward plus backward of the 1-50-1 tanh MLP log density (HMC workload), f32 and f64.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use weft_autograd::{clear_tape, no_grad, Float, Tensor};
use weft_bench::workloads::TanhMlpDensity;

fn tiny_op(c: &mut Criterion) {
    let mut group = c.benchmark_group("tiny_op_100_f32");
    group.measurement_time(Duration::from_secs(2));
    let a = Tensor::<f32>::from_vec((0..100).map(|i| i as f32).collect(), &[100]).expect("tensor");
    let b = a.clone();
    group.bench_function("add_untracked", |bench| bench.iter(|| no_grad(|| a.add(&b).expect("add"))));
    let w = a.requires_grad();
    group.bench_function("add_recorded", |bench| {
        let mut n = 0u32;
        bench.iter(|| {
            let y = w.add(&b).expect("add");
            n += 1;
            if n.is_multiple_of(4096) {
                clear_tape::<f32>(); // keep the tape from growing without bound
            }
            y
        })
    });
    group.finish();
}

fn mlp_density<T: Float>(c: &mut Criterion, name: &str) {
    let d = TanhMlpDensity::<T>::new(0).expect("workload");
    c.bench_function(&format!("tanh_mlp_1_50_1_logp_grad_{name}"), |b| {
        b.iter(|| d.log_density_and_grad().expect("logp"))
    });
}

fn mlp_f32(c: &mut Criterion) {
    mlp_density::<f32>(c, "f32");
}

fn mlp_f64(c: &mut Criterion) {
    mlp_density::<f64>(c, "f64");
}

criterion_group!(benches, tiny_op, mlp_f32, mlp_f64);
criterion_main!(benches);
