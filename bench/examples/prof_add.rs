use weft_autograd::{no_grad, Tensor};
fn main() {
    let small = Tensor::<f32>::from_vec((0..100).map(|i| i as f32).collect(), &[100]).unwrap();
    no_grad(|| {
        for _ in 0..3_000_000 {
            std::hint::black_box(small.add(&small).unwrap());
        }
    });
}
