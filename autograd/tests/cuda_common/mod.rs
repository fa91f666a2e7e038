//! Shared helpers of the `cuda_*` tests: the device under test, random host data, and the
//! comparison with the CPU.

#![allow(dead_code)]

use weft_autograd::{Float, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// The CUDA device under test (`Device::Cuda(0)`: the emulated device with feature
/// `cuda-emulated`, the GPU with `cuda`), or `None` after saying so when the build has a real
/// device in mind but the machine has none.
pub fn cuda() -> Option<Device> {
    let dev = weft_autograd::cuda_device().expect("opening cuda:0");
    dev.or_else(|| {
        eprintln!("no CUDA device present: skipping");
        None
    })
}

/// `n` uniform values in `(lo, hi)` from `rng`.
pub fn host_data<T: Float>(n: usize, lo: f64, hi: f64, rng: &mut Philox) -> Vec<T> {
    (0..n).map(|_| T::of(lo + (hi - lo) * rng.uniform())).collect()
}

/// The comparison tolerance for `T`, relative to the largest magnitude compared (see the
/// header of `cuda_ops.rs`).
pub fn tol<T: Float>() -> f64 {
    match T::DTYPE.name() {
        "f64" => 1e-12,
        _ => 1e-4,
    }
}

/// Asserts `max |got - want| <= tol * max(1, max |want|)`, NaN only where `want` has NaN.
pub fn assert_close<T: Float>(got: &[T], want: &[T], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().map(|w| w.f64().abs()).filter(|w| w.is_finite()).fold(1.0, f64::max);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.f64(), w.f64());
        if w.is_nan() && g.is_nan() {
            continue;
        }
        assert!(
            (g - w).abs() <= tol * scale || g == w,
            "{what}[{i}]: got {g}, want {w} (tolerance {tol} x {scale})"
        );
    }
}

/// An output on the host (values, shape) and the gradients of the inputs, on the host.
pub type Evaluated<T> = ((Vec<T>, Vec<usize>), Vec<Vec<T>>);

/// `y` and the gradient of the loss `sum(y * w)` (fixed weights `w`, so every output element
/// matters) with respect to each of `xs`, checking that all of them live on `device`.
pub fn output_and_input_grads<T: Float>(
    name: &str,
    y: &Tensor<T>,
    xs: &[Tensor<T>],
    device: Device,
) -> Result<Evaluated<T>> {
    assert_eq!(y.device(), device, "{name}: output device");
    let w: Vec<T> = (0..y.numel()).map(|i| T::of(((i * 37) % 11) as f64 / 5.0 - 0.9)).collect();
    let w = Tensor::from_slice_on(&w, y.shape(), device)?;
    let grads = y.mul(&w)?.sum_all()?.backward()?;
    let mut gs = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        let g = grads.get(x).unwrap_or_else(|| panic!("{name}: no gradient for input {i}"));
        assert_eq!(g.device(), device, "{name}: device of the gradient of input {i}");
        assert_eq!(g.shape(), x.shape(), "{name}: shape of the gradient of input {i}");
        gs.push(g.to_vec()?);
    }
    Ok(((y.to_vec()?, y.shape().to_vec()), gs))
}
