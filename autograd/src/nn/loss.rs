//! Loss functions (all return the mean over the batch as a 0-d tensor).

use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, Error, Result};

fn same_shape<T: Float>(op: &'static str, a: &Tensor<T>, b: &Tensor<T>) -> Result<()> {
    if a.shape() != b.shape() {
        return Err(Error::shape(
            op,
            format!("prediction {} and target {} differ", fmt_shape(a.shape()), fmt_shape(b.shape())),
        ));
    }
    Ok(())
}

/// Mean cross-entropy of `logits` `[n, classes]` against class ids `labels` (length `n`).
pub fn cross_entropy<T: Float>(logits: &Tensor<T>, labels: &Indices) -> Result<Tensor<T>> {
    if logits.rank() != 2 || logits.shape()[0] != labels.len() {
        return Err(Error::shape(
            "cross_entropy",
            format!(
                "logits {} and {} labels: need [n, classes] with n = labels",
                fmt_shape(logits.shape()),
                labels.len()
            ),
        ));
    }
    let (n, c) = (logits.shape()[0], logits.shape()[1]);
    labels.check_bound("cross_entropy", c, "the number of classes")?;
    if n == 0 {
        return Err(Error::shape("cross_entropy", "empty batch"));
    }
    let flat: Vec<u32> = labels.to_vec()?.iter().enumerate().map(|(i, &y)| (i * c) as u32 + y).collect();
    let picked = logits.log_softmax(1)?.flatten()?.rows(&Indices::new(flat).to_device(logits.device())?)?;
    picked.mean_all()?.neg()
}

/// Mean squared error.
pub fn mse<T: Float>(pred: &Tensor<T>, target: &Tensor<T>) -> Result<Tensor<T>> {
    same_shape("mse", pred, target)?;
    pred.sub(target)?.square()?.mean_all()
}

/// Mean binary cross-entropy of `logits` against 0/1 `targets`, computed stably as
/// `softplus(x) - x * t`.
pub fn bce_with_logits<T: Float>(logits: &Tensor<T>, targets: &Tensor<T>) -> Result<Tensor<T>> {
    same_shape("bce_with_logits", logits, targets)?;
    logits.softplus()?.sub(&logits.mul(targets)?)?.mean_all()
}

/// Mean Gaussian negative log-likelihood `0.5 * (log var + (t - mean)^2 / var)` (without the
/// constant, as PyTorch's `GaussianNLLLoss`); `var` is clamped below at `eps = 1e-6` outside the
/// graph (its gradient is that of the unclamped variance, as in PyTorch). `var`
/// has the shape of `mean` or one that broadcasts to it (e.g. one shared variance).
pub fn gaussian_nll<T: Float>(mean: &Tensor<T>, var: &Tensor<T>, target: &Tensor<T>) -> Result<Tensor<T>> {
    same_shape("gaussian_nll", mean, target)?;
    if weft_ops::broadcast_shapes("gaussian_nll", var.shape(), mean.shape()).ok().as_deref()
        != Some(mean.shape())
    {
        return Err(Error::shape(
            "gaussian_nll",
            format!(
                "variance {} does not broadcast to the mean's shape {}",
                fmt_shape(var.shape()),
                fmt_shape(mean.shape())
            ),
        ));
    }
    // PyTorch clamps the variance outside the graph: the value is at least eps, and the
    // gradient flows to `var` as if unclamped (a clamped variance is still pushed up).
    let eps = Tensor::full(&[], T::of(1e-6), var.device())?;
    let v = var.add(&var.detach().maximum(&eps)?.sub(&var.detach())?)?;
    let sq = target.sub(mean)?.square()?;
    v.log()?.add(&sq.div(&v)?)?.mean_all()?.mul_scalar(0.5)
}
