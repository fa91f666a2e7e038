//! Accuracy of logits against labels, and the summary statistics of several runs.

use weft_autograd::{Float, Indices, Tensor};
use weft_ops::{Error, Idx, Result};

/// Percentage of the nodes `ids` whose arg-max logit (row of `logits`) equals their label.
pub fn accuracy<T: Float>(logits: &Tensor<T>, labels: &[Idx], ids: &Indices) -> Result<f64> {
    if logits.rank() != 2 || logits.shape()[0] != labels.len() {
        return Err(Error::shape(
            "accuracy",
            format!("logits {:?} for {} labelled nodes", logits.shape(), labels.len()),
        ));
    }
    ids.check_bound("accuracy", labels.len(), "the labelled nodes")?;
    if ids.is_empty() {
        return Ok(0.0);
    }
    let pred = logits.rows(ids)?.argmax(1)?.to_vec()?;
    let correct = ids.to_vec()?.iter().zip(&pred).filter(|(&i, &p)| labels[i as usize] == p).count();
    Ok(100.0 * correct as f64 / ids.len() as f64)
}

/// Mean and population standard deviation.
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}
