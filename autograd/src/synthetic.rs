//! Small generated datasets for examples and tests.

use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, rng::Philox, Error, Result};

/// Two interleaved spirals in the plane: `2 * n_per_class` points `[2n, 2]` and their class
/// ids (0 or 1). `noise` is the standard deviation of Gaussian jitter added to each point.
///
/// ```
/// use weft_autograd::synthetic::two_spirals;
/// let (x, y) = two_spirals::<f32>(100, 0.05, &mut weft_ops::rng::Philox::new(0))?;
/// assert_eq!(x.shape(), &[200, 2]);
/// assert_eq!(y.len(), 200);
/// # Ok::<(), weft_ops::Error>(())
/// ```
pub fn two_spirals<T: Float>(
    n_per_class: usize,
    noise: f64,
    rng: &mut Philox,
) -> Result<(Tensor<T>, Indices)> {
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(Error::invalid("two_spirals", format!("noise {noise} must be finite and >= 0")));
    }
    let mut xs = Vec::with_capacity(4 * n_per_class);
    let mut ys = Vec::with_capacity(2 * n_per_class);
    for class in 0..2u32 {
        for i in 0..n_per_class {
            let t = 0.25 + 2.75 * std::f64::consts::PI * i as f64 / n_per_class as f64;
            let r = t / (3.0 * std::f64::consts::PI);
            let sign = if class == 0 { 1.0 } else { -1.0 };
            xs.push(T::of(sign * r * t.cos() + noise * rng.normal()));
            xs.push(T::of(sign * r * t.sin() + noise * rng.normal()));
            ys.push(class);
        }
    }
    Ok((Tensor::from_vec(xs, &[2 * n_per_class, 2])?, Indices::new(ys)))
}

/// Fraction of rows of `logits` `[n, classes]` whose argmax equals the label (errors unless
/// there is one label per row).
pub fn accuracy<T: Float>(logits: &Tensor<T>, labels: &Indices) -> Result<f64> {
    if logits.rank() != 2 || logits.shape()[0] != labels.len() {
        return Err(Error::shape(
            "accuracy",
            format!(
                "logits {} and {} labels: need [n, classes] with n = labels",
                fmt_shape(logits.shape()),
                labels.len()
            ),
        ));
    }
    let pred = logits.argmax(1)?.to_vec()?;
    let truth = labels.to_vec()?;
    let hits = pred.iter().zip(&truth).filter(|(a, b)| a == b).count();
    Ok(hits as f64 / truth.len().max(1) as f64)
}
