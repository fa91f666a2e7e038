//! Likelihood heads of a Bayesian neural network: `log p(y | f)` of the network outputs `f`
//! and its gradient `d log p / d f`, in closed form and accumulated in `f64` (also when the
//! network runs in `f32`). The tape back-propagates `d log p / d f` through the network.

use crate::prior::Prior;
use weft_ops::{Element, Error, Result};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The observation model of a BNN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Likelihood {
    /// `y ~ N(f, noise^2)` with a known noise standard deviation (one output).
    Gaussian {
        /// Noise standard deviation, > 0.
        noise: f64,
    },
    /// `y ~ N(f, sigma^2)` with `sigma` learned: one extra parameter `log sigma` (the `Exp`
    /// bijection, with its log-Jacobian) and `prior` on `sigma` (one output).
    GaussianLearned {
        /// Prior on `sigma` (e.g. `Prior::half_cauchy(1.0)`, `Prior::log_normal(..)`).
        prior: Prior,
    },
    /// `y ~ Bernoulli(sigmoid(f))`, `y` in `{0, 1}` (one output: the logit).
    Bernoulli,
    /// `y ~ Categorical(softmax(f))`, `y` a class index in `0..outputs`.
    Categorical,
}

impl Likelihood {
    /// A Gaussian with known noise; errors unless `noise` is finite and > 0.
    pub fn gaussian(noise: f64) -> Result<Self> {
        if !(noise > 0.0 && noise.is_finite()) {
            return Err(Error::invalid(
                "Likelihood::gaussian",
                format!("noise {noise} must be finite and > 0"),
            ));
        }
        Ok(Likelihood::Gaussian { noise })
    }

    /// Whether the likelihood adds the `log sigma` parameter.
    pub fn has_noise_param(&self) -> bool {
        matches!(self, Likelihood::GaussianLearned { .. })
    }

    /// Checks the network's output width and the targets: one output for the Gaussian and
    /// Bernoulli heads, `y` finite, in `{0, 1}` for Bernoulli, an integer class index in
    /// `0..outputs` for categorical.
    pub fn check_targets(&self, outputs: usize, y: &[f64]) -> Result<()> {
        let op = "Likelihood::check_targets";
        let single = !matches!(self, Likelihood::Categorical);
        if single && outputs != 1 {
            return Err(Error::shape(op, format!("{self:?} needs a network with 1 output, got {outputs}")));
        }
        if !single && outputs < 2 {
            return Err(Error::shape(op, format!("categorical needs >= 2 outputs (classes), got {outputs}")));
        }
        for (i, &v) in y.iter().enumerate() {
            let ok = match self {
                Likelihood::Gaussian { .. } | Likelihood::GaussianLearned { .. } => v.is_finite(),
                Likelihood::Bernoulli => v == 0.0 || v == 1.0,
                Likelihood::Categorical => {
                    v.is_finite() && v >= 0.0 && v.fract() == 0.0 && (v as usize) < outputs
                }
            };
            if !ok {
                return Err(Error::invalid(
                    op,
                    format!("target {i} is {v}: not valid for {self:?} with {outputs} outputs"),
                ));
            }
        }
        Ok(())
    }

    /// `sum_i log p(y_i | f_i)` for outputs `f` (`n x outputs`, row-major); writes
    /// `d log p / d f` into `df` (same length) and returns `(log p, d log p / d sigma)`, the
    /// second being 0 unless the noise is learned (then `sigma` is its value).
    pub fn log_lik_and_grad<T: Element>(&self, f: &[T], y: &[f64], sigma: f64, df: &mut [f64]) -> (f64, f64) {
        match *self {
            Likelihood::Gaussian { noise } => {
                let (lp, _) = gaussian(f, y, noise, df);
                (lp, 0.0)
            }
            Likelihood::GaussianLearned { .. } => gaussian(f, y, sigma, df),
            Likelihood::Bernoulli => {
                let mut lp = 0.0;
                for ((fi, &yi), d) in f.iter().zip(y).zip(df.iter_mut()) {
                    let fi = fi.f64();
                    // log sigmoid(f) = -softplus(-f); y f - softplus(f) for both classes.
                    lp += yi * fi - softplus(fi);
                    *d = yi - sigmoid(fi);
                }
                (lp, 0.0)
            }
            Likelihood::Categorical => {
                let k = f.len() / y.len().max(1);
                let mut lp = 0.0;
                let mut row = vec![0.0; k];
                for (i, &yi) in y.iter().enumerate() {
                    for (r, v) in row.iter_mut().zip(&f[i * k..(i + 1) * k]) {
                        *r = v.f64();
                    }
                    let lse = log_sum_exp_slice(&row);
                    let c = yi as usize;
                    lp += row[c] - lse;
                    for (j, d) in df[i * k..(i + 1) * k].iter_mut().enumerate() {
                        *d = -(row[j] - lse).exp() + if j == c { 1.0 } else { 0.0 };
                    }
                }
                (lp, 0.0)
            }
        }
    }

    /// The predicted mean response from outputs `f` (`n x outputs`): `f` for the Gaussian
    /// heads, `sigmoid(f)` for Bernoulli, the softmax probabilities for categorical.
    pub fn mean_response(&self, f: &[f64], outputs: usize, out: &mut [f64]) {
        match self {
            Likelihood::Gaussian { .. } | Likelihood::GaussianLearned { .. } => out.copy_from_slice(f),
            Likelihood::Bernoulli => {
                for (o, &v) in out.iter_mut().zip(f) {
                    *o = sigmoid(v);
                }
            }
            Likelihood::Categorical => {
                for (row_out, row) in out.chunks_mut(outputs).zip(f.chunks(outputs)) {
                    let lse = log_sum_exp_slice(row);
                    for (o, &v) in row_out.iter_mut().zip(row) {
                        *o = (v - lse).exp();
                    }
                }
            }
        }
    }
}

/// Gaussian log likelihood with normalising constant; `df = (y - f) / sigma^2`; returns
/// `(log p, d log p / d sigma)`.
fn gaussian<T: Element>(f: &[T], y: &[f64], sigma: f64, df: &mut [f64]) -> (f64, f64) {
    let inv_var = 1.0 / (sigma * sigma);
    let mut ss = 0.0;
    for ((fi, &yi), d) in f.iter().zip(y).zip(df.iter_mut()) {
        let r = yi - fi.f64();
        ss += r * r;
        *d = r * inv_var;
    }
    let n = y.len() as f64;
    let lp = -0.5 * ss * inv_var - n * sigma.ln() - 0.5 * n * LN_2PI;
    (lp, ss * inv_var / sigma - n / sigma)
}

/// `log(sum(exp(row)))`, stable (`-inf` for an empty row).
pub fn log_sum_exp_slice(row: &[f64]) -> f64 {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// `log(1 + exp(x))`, stable for large `|x|`.
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `1 / (1 + exp(-x))`, stable for large `|x|`.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}
