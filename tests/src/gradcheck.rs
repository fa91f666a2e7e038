//! Finite-difference gradient checker.
//!
//! For a function `f` of several `f64` tensors, the checker forms the scalar
//! `F(x) = sum(f(x) * w)` with fixed random weights `w` (so a non-scalar output is tested
//! against a random cotangent, not only against ones), takes the reverse-mode gradient of `F`
//! with respect to every input leaf, and compares each element with the central difference
//! `(F(x + h e_j) - F(x - h e_j)) / 2h`.
//!
//! Inputs may be presented to `f` as non-contiguous views of their leaf ([`View`]), so the
//! backward rules are exercised on strided operands and the view ops' own backward rules are
//! checked on the way. A leaf element that `f` never reads (the padding of a narrowed view)
//! must get a zero gradient, which is checked like every other element.

use std::fmt;
use weft_autograd::{clear_tape, no_grad, Tensor};
use weft_ops::{error::fmt_shape, rng::Philox, Error, Result};

/// How an input's leaf is stored and turned into the tensor `f` receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// `f` receives the leaf itself (contiguous, row-major).
    Contiguous,
    /// The leaf is stored with its last two axes swapped and `f` receives `leaf.t()`
    /// (rank >= 2; otherwise treated as `Contiguous`).
    Transposed,
    /// The leaf has one extra element before and one after along its last axis and `f`
    /// receives `leaf.narrow(last, 1, len)` (rank >= 1; otherwise `Contiguous`).
    Narrowed,
}

/// Value of the narrowed-away padding elements (never read by `f`).
const PAD: f64 = 0.75;

/// One input of the function under test: the shape and row-major values `f` sees, and
/// how the leaf behind them is laid out.
#[derive(Clone, Debug)]
pub struct Input {
    /// The shape `f` receives.
    pub shape: Vec<usize>,
    /// The values `f` receives, row-major.
    pub values: Vec<f64>,
    /// How the leaf is stored.
    pub view: View,
}

impl Input {
    /// A contiguous input.
    pub fn new(shape: &[usize], values: Vec<f64>) -> Self {
        Input { shape: shape.to_vec(), values, view: View::Contiguous }
    }

    /// The same input presented through `view` (falls back to `Contiguous` when the rank
    /// does not allow that view).
    pub fn with_view(mut self, view: View) -> Self {
        self.view = match view {
            View::Transposed if self.shape.len() < 2 => View::Contiguous,
            View::Narrowed if self.shape.is_empty() => View::Contiguous,
            v => v,
        };
        self
    }

    /// Shape of the stored leaf.
    pub fn leaf_shape(&self) -> Vec<usize> {
        let mut s = self.shape.clone();
        let r = s.len();
        match self.view {
            View::Contiguous => {}
            View::Transposed => s.swap(r - 2, r - 1),
            View::Narrowed => s[r - 1] += 2,
        }
        s
    }

    /// Row-major values of the stored leaf.
    pub fn leaf_values(&self) -> Vec<f64> {
        let r = self.shape.len();
        match self.view {
            View::Contiguous => self.values.clone(),
            View::Transposed => {
                let (m, n) = (self.shape[r - 2], self.shape[r - 1]);
                let mut out = vec![0.0; self.values.len()];
                for (b, block) in self.values.chunks(m * n).enumerate() {
                    for i in 0..m {
                        for j in 0..n {
                            out[b * m * n + j * m + i] = block[i * n + j];
                        }
                    }
                }
                out
            }
            View::Narrowed => {
                let n = self.shape[r - 1];
                let rows = self.values.len() / n.max(1);
                let mut out = Vec::with_capacity(rows * (n + 2));
                for row in 0..rows {
                    out.push(PAD);
                    out.extend_from_slice(&self.values[row * n..(row + 1) * n]);
                    out.push(PAD);
                }
                out
            }
        }
    }

    /// The tensor `f` receives, as a view of `leaf`.
    fn present(&self, leaf: &Tensor<f64>) -> Result<Tensor<f64>> {
        let r = self.shape.len();
        match self.view {
            View::Contiguous => Ok(leaf.clone()),
            View::Transposed => leaf.t(),
            View::Narrowed => leaf.narrow(r - 1, 1, self.shape[r - 1]),
        }
    }

    fn check(&self, k: usize) -> Result<()> {
        let n: usize = self.shape.iter().product();
        if n != self.values.len() {
            return Err(Error::shape(
                "check_gradients",
                format!("input {k}: {} values for shape {}", self.values.len(), fmt_shape(&self.shape)),
            ));
        }
        Ok(())
    }
}

/// Settings of the checker.
#[derive(Clone, Copy, Debug)]
pub struct GradCheck {
    /// Finite-difference step `h`.
    pub step: f64,
    /// Relative tolerance (times `max(|analytic|, |numeric|)`).
    pub rtol: f64,
    /// Absolute tolerance; covers the `O(h^2)` truncation error of the central difference.
    pub atol: f64,
    /// Seed of the random cotangent weights.
    pub seed: u64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck { step: 1e-6, rtol: 1e-6, atol: 1e-6, seed: 0x5eed }
    }
}

impl GradCheck {
    /// Allowed `|analytic - numeric|` for one element. Besides `atol` and `rtol`, it allows
    /// the rounding error of the difference quotient: each evaluation of `F` is accurate to
    /// a few ulps of `magnitude = sum |w_k f_k|`, and the quotient divides that by `2h`.
    pub fn allowed(&self, analytic: f64, numeric: f64, magnitude: f64) -> f64 {
        let rounding = 16.0 * f64::EPSILON * (1.0 + magnitude) / self.step;
        self.atol + self.rtol * analytic.abs().max(numeric.abs()) + rounding
    }
}

/// One gradient element that disagrees with its finite difference.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Which input.
    pub input: usize,
    /// Row-major position in that input's leaf.
    pub index: usize,
    /// Reverse-mode gradient.
    pub analytic: f64,
    /// Central finite difference.
    pub numeric: f64,
    /// The tolerance it exceeded.
    pub allowed: f64,
}

/// Outcome of a gradient check.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Number of gradient elements compared.
    pub checked: usize,
    /// Elements outside tolerance.
    pub mismatches: Vec<Mismatch>,
    /// Structural problems: a gradient of the wrong shape, a non-finite value.
    pub problems: Vec<String>,
    /// Largest `|analytic - numeric|` seen.
    pub max_abs_error: f64,
}

impl Report {
    /// True when every element agreed and no problem was found.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.problems.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} elements checked, {} mismatches, max |error| {:e}",
            self.checked,
            self.mismatches.len(),
            self.max_abs_error
        )?;
        for p in &self.problems {
            write!(f, "\n  problem: {p}")?;
        }
        for m in self.mismatches.iter().take(8) {
            write!(
                f,
                "\n  input {} [{}]: analytic {:.10e} vs numeric {:.10e} (allowed {:.1e})",
                m.input, m.index, m.analytic, m.numeric, m.allowed
            )?;
        }
        Ok(())
    }
}

/// Fixed random cotangent weights for an output of `shape`.
fn cotangent(shape: &[usize], seed: u64) -> Result<Tensor<f64>> {
    let mut rng = Philox::new(seed);
    let n: usize = shape.iter().product();
    Tensor::from_vec((0..n).map(|_| rng.normal()).collect(), shape)
}

/// `sum(f(views) * w)` and `sum |f(views) * w|`, not recorded.
fn weighted_value<F>(f: &F, inputs: &[Input], leaves: &[Tensor<f64>], w: &Tensor<f64>) -> Result<(f64, f64)>
where
    F: Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
{
    no_grad(|| {
        let views = inputs.iter().zip(leaves).map(|(i, l)| i.present(l)).collect::<Result<Vec<_>>>()?;
        let y = f(&views)?.mul(w)?.to_vec()?;
        Ok((y.iter().sum(), y.iter().map(|v| v.abs()).sum()))
    })
}

/// Checks the reverse-mode gradient of `f` at `inputs` against central finite differences,
/// for every element of every input leaf.
///
/// Errors come from `f` itself (or from building the inputs); disagreements are returned in
/// the [`Report`].
pub fn check_gradients<F>(f: F, inputs: &[Input], cfg: &GradCheck) -> Result<Report>
where
    F: Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
{
    inputs.iter().enumerate().try_for_each(|(k, i)| i.check(k))?;
    clear_tape::<f64>();
    let leaves = inputs
        .iter()
        .map(|i| Tensor::from_vec(i.leaf_values(), &i.leaf_shape()))
        .collect::<Result<Vec<_>>>()?;

    // Reverse mode.
    let watched: Vec<Tensor<f64>> = leaves.iter().map(Tensor::requires_grad).collect();
    let views = inputs.iter().zip(&watched).map(|(i, l)| i.present(l)).collect::<Result<Vec<_>>>()?;
    let y = f(&views)?;
    let w = cotangent(y.shape(), cfg.seed)?;
    let total = y.mul(&w)?.sum_all()?;
    let mut report = Report::default();
    let grads = if total.is_tracked() { Some(total.backward()?) } else { None };
    let mut analytic = Vec::with_capacity(inputs.len());
    for (k, (input, leaf)) in inputs.iter().zip(&watched).enumerate() {
        let shape = input.leaf_shape();
        let n = shape.iter().product();
        match grads.as_ref().and_then(|g| g.get(leaf)) {
            Some(g) if g.shape() != shape.as_slice() => {
                report.problems.push(format!(
                    "input {k}: gradient has shape {}, leaf has {}",
                    fmt_shape(g.shape()),
                    fmt_shape(&shape)
                ));
                analytic.push(vec![f64::NAN; n]);
            }
            Some(g) => analytic.push(g.to_vec()?),
            None => analytic.push(vec![0.0; n]),
        }
    }

    // Central differences.
    let (_, magnitude) = weighted_value(&f, inputs, &leaves, &w)?;
    let mut perturbed = leaves.clone();
    for (k, input) in inputs.iter().enumerate() {
        let base = input.leaf_values();
        let shape = input.leaf_shape();
        for j in 0..base.len() {
            let mut eval = |delta: f64| -> Result<f64> {
                let mut v = base.clone();
                v[j] += delta;
                perturbed[k] = Tensor::from_vec(v, &shape)?;
                Ok(weighted_value(&f, inputs, &perturbed, &w)?.0)
            };
            let numeric = (eval(cfg.step)? - eval(-cfg.step)?) / (2.0 * cfg.step);
            let a = analytic[k][j];
            report.checked += 1;
            if !numeric.is_finite() {
                report.problems.push(format!("input {k} [{j}]: finite difference is {numeric}"));
                continue;
            }
            let err = (a - numeric).abs();
            report.max_abs_error = report.max_abs_error.max(if err.is_nan() { f64::INFINITY } else { err });
            let allowed = cfg.allowed(a, numeric, magnitude);
            if err.is_nan() || err > allowed {
                report.mismatches.push(Mismatch { input: k, index: j, analytic: a, numeric, allowed });
            }
        }
        perturbed[k] = leaves[k].clone();
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input::new(&[2, 3], vec![0.5, -1.0, 1.5, 2.0, -0.25, 0.75])
    }

    #[test]
    fn a_correct_gradient_passes_and_every_leaf_element_is_checked() {
        for (view, leaf_len) in [(View::Contiguous, 6), (View::Transposed, 6), (View::Narrowed, 10)] {
            let x = input().with_view(view);
            assert_eq!(x.leaf_values().len(), leaf_len);
            let r = check_gradients(|xs| xs[0].square()?.sin(), &[x], &GradCheck::default()).unwrap();
            assert!(r.passed(), "{view:?}: {r}");
            assert_eq!(r.checked, leaf_len);
        }
    }

    #[test]
    fn a_wrong_gradient_is_reported() {
        // The detached factor hides half of d(x^2)/dx from reverse mode.
        let r = check_gradients(|xs| xs[0].detach().mul(&xs[0]), &[input()], &GradCheck::default()).unwrap();
        assert_eq!(r.mismatches.len(), 6, "{r}");
        let m = &r.mismatches[0];
        assert!((m.analytic - m.numeric / 2.0).abs() < 1e-6, "{r}");
    }

    #[test]
    fn a_missing_gradient_is_reported() {
        let r = check_gradients(|xs| xs[0].detach().exp(), &[input()], &GradCheck::default()).unwrap();
        assert_eq!(r.mismatches.len(), 6, "{r}");
        assert!(r.mismatches.iter().all(|m| m.analytic == 0.0));
    }

    #[test]
    fn views_present_the_given_values() {
        for view in [View::Contiguous, View::Transposed, View::Narrowed] {
            let x = input().with_view(view);
            let leaf = Tensor::from_vec(x.leaf_values(), &x.leaf_shape()).unwrap();
            let seen = x.present(&leaf).unwrap();
            assert_eq!(seen.shape(), &[2, 3]);
            assert_eq!(seen.to_vec().unwrap(), x.values, "{view:?}");
            assert_eq!(seen.layout().is_contiguous(), view == View::Contiguous, "{view:?}");
        }
    }
}
