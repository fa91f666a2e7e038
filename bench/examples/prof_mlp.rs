use std::time::Instant;
use weft_autograd::{no_grad, Tensor};
use weft_bench::workloads::TanhMlpDensity;
use weft_ops::{rng::Philox, Device};
fn time<R>(name: &str, n: usize, mut f: impl FnMut() -> R) {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    println!("{name:30} {:8.2} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
fn main() {
    let d = TanhMlpDensity::<f32>::new(0).unwrap();
    time("logp+grad", 2000, || d.log_density_and_grad().unwrap());
    let mut rng = Philox::new(1);
    let x = Tensor::<f32>::randn(&[100, 1], 0.0, 1.0, &mut rng, Device::Cpu).unwrap();
    let w = Tensor::<f32>::randn(&[1, 50], 0.0, 1.0, &mut rng, Device::Cpu).unwrap();
    let h = Tensor::<f32>::randn(&[100, 50], 0.0, 1.0, &mut rng, Device::Cpu).unwrap();
    let w2 = Tensor::<f32>::randn(&[50, 1], 0.0, 1.0, &mut rng, Device::Cpu).unwrap();
    let b = Tensor::<f32>::randn(&[50], 0.0, 1.0, &mut rng, Device::Cpu).unwrap();
    let small = Tensor::<f32>::randn(&[100], 0.0, 1.0, &mut rng, Device::Cpu).unwrap();
    no_grad(|| {
        time("matmul 100x1x50", 20000, || x.matmul(&w).unwrap());
        time("matmul 100x50x1", 20000, || h.matmul(&w2).unwrap());
        time("matmul 50x100x1 (hT g)", 20000, || h.t().unwrap().matmul(&x).unwrap());
        time("add bcast 100x50 + 50", 20000, || h.add(&b).unwrap());
        time("tanh 5000", 20000, || h.tanh().unwrap());
        time("square 5000", 20000, || h.square().unwrap());
        time("sum_all 5000", 20000, || h.sum_all().unwrap());
        time("sum axis0 100x50", 20000, || h.sum(0).unwrap());
        time("add 100", 200000, || small.add(&small).unwrap());
        time("ones_like 100", 200000, || small.ones_like().unwrap());
    });
}
