//! Profiling driver: repeated log density + gradient of the 1-50-1 tanh MLP (f32).
use weft_bench::workloads::TanhMlpDensity;
fn main() {
    let d = TanhMlpDensity::<f32>::new(0).unwrap();
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20000);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(d.log_density_and_grad().unwrap());
    }
    println!("{:.2} us per evaluation", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
