//! [`BnnDensity`]: the posterior of a [`Bnn`] on a data set, with the network's forward and
//! backward passes on weft's tape in `f32` or `f64`.
//!
//! One evaluation: the priors (and the noise's prior and log-Jacobian) in `f64` on the flat
//! vector; the weights and biases copied into small leaf tensors; the forward pass on the
//! tape (the first layer as one product of the ones-augmented inputs with the `[in + 1, out]`
//! matrix `[w1; b1]`; the output layer's bias is added on the host, where its gradient is a
//! column sum); the likelihood head and `d log p / d f` in closed form, accumulated in
//! `f64`; then one `backward` of `sum(f * d log p / d f)`, which gives every leaf its
//! gradient, converted back into the flat `f64` gradient.

use super::Bnn;
use crate::density::LogDensity;
use crate::sghmc::MinibatchDensity;
use weft_autograd::{clear_tape, Float, Tensor};
use weft_ops::rng::Philox;
use weft_ops::{Device, Error, Result};

/// The unnormalised log posterior of a [`Bnn`] given inputs `x` and targets `y`.
pub struct BnnDensity<T: Float> {
    net: Bnn,
    device: Device,
    /// Inputs augmented with a column of ones, `[n, in + 1]`.
    x_aug: Tensor<T>,
    /// Host copy of `x_aug` (row-major), for minibatches.
    x_aug_host: Vec<T>,
    y: Vec<f64>,
    /// Minibatch size for [`MinibatchDensity`] (`None`: the full data).
    batch: Option<usize>,
    /// Reused buffers: the outputs `f`, `d log p / d f` and the minibatch targets.
    f: Vec<f64>,
    df: Vec<f64>,
    batch_y: Vec<f64>,
}

impl<T: Float> BnnDensity<T> {
    /// The posterior of `net` given `x` (`n x inputs`, row-major) and `y` (`n` targets: real
    /// values, 0/1 labels or class indices, as the likelihood requires), computed on `device`.
    pub fn new(net: &Bnn, x: &[f64], y: &[f64], device: Device) -> Result<Self> {
        let op = "BnnDensity::new";
        let d_in = net.inputs();
        let n = y.len();
        if x.len() != n * d_in || n == 0 {
            return Err(Error::shape(
                op,
                format!(
                    "x has {} values and y {} targets: need n * {d_in} inputs for n >= 1 targets",
                    x.len(),
                    n
                ),
            ));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(op, format!("input value {i} is {}", x[i])));
        }
        net.likelihood().check_targets(net.outputs(), y)?;
        let x_aug_host: Vec<T> =
            x.chunks(d_in).flat_map(|row| row.iter().map(|&v| T::of(v)).chain([T::one()])).collect();
        let x_aug = Tensor::from_slice(&x_aug_host, &[n, d_in + 1])?.to_device(device)?;
        Ok(BnnDensity {
            net: net.clone(),
            device,
            x_aug,
            x_aug_host,
            y: y.to_vec(),
            batch: None,
            f: Vec::new(),
            df: Vec::new(),
            batch_y: Vec::new(),
        })
    }

    /// Uses minibatches of `size` points (drawn with replacement) when evaluated as a
    /// [`MinibatchDensity`] (SGHMC); `size` in `1..=n`.
    pub fn with_batch_size(mut self, size: usize) -> Result<Self> {
        if size == 0 || size > self.y.len() {
            return Err(Error::invalid(
                "BnnDensity::with_batch_size",
                format!("batch size {size} for {} data points", self.y.len()),
            ));
        }
        self.batch = Some(size);
        Ok(self)
    }

    /// The network.
    pub fn net(&self) -> &Bnn {
        &self.net
    }
    /// Number of data points.
    pub fn n_data(&self) -> usize {
        self.y.len()
    }

    /// A leaf tensor holding `theta[range]` with `shape`.
    fn leaf(&self, theta: &[f64], range: std::ops::Range<usize>, shape: &[usize]) -> Result<Tensor<T>> {
        let v: Vec<T> = theta[range].iter().map(|&t| T::of(t)).collect();
        Ok(Tensor::from_vec(v, shape)?.to_device(self.device)?.requires_grad())
    }

    /// Log posterior at `theta` with the likelihood of (`x_aug`, `y`) scaled by `scale`
    /// (1 for the full data, `N / B` for a minibatch); gradient into `grad`.
    fn evaluate(
        &mut self,
        theta: &[f64],
        grad: &mut [f64],
        x_aug: &Tensor<T>,
        y: &[f64],
        scale: f64,
    ) -> Result<f64> {
        let net = &self.net;
        net.check_theta("BnnDensity::log_density_and_grad", theta, grad)?;
        grad.fill(0.0);
        let mut lp = net.log_prior(theta, grad)?;
        let sigma = net.noise_index().map(|k| theta[k].exp()).unwrap_or(1.0);

        // Forward pass on the tape. The output layer's bias is not on the tape: it is added to
        // the outputs on the host and its gradient is the column sum of d log p / d f.
        let sizes = net.sizes();
        let n_layers = net.n_layers();
        let first = net.weight_range(0).start..net.bias_range(0).end;
        let mut leaves = Vec::with_capacity(2 * n_layers);
        leaves.push((first.clone(), self.leaf(theta, first, &[sizes[0] + 1, sizes[1]])?));
        let mut f = x_aug.matmul(&leaves[0].1)?;
        for l in 1..n_layers {
            let w = self.leaf(theta, net.weight_range(l), &[sizes[l], sizes[l + 1]])?;
            let h = match net.activation() {
                super::Activation::Tanh => f.tanh()?,
                super::Activation::Relu => f.relu()?,
            };
            f = h.matmul(&w)?;
            leaves.push((net.weight_range(l), w));
            if l + 1 < n_layers {
                let b = self.leaf(theta, net.bias_range(l), &[sizes[l + 1]])?;
                f = f.add(&b)?;
                leaves.push((net.bias_range(l), b));
            }
        }
        let out_bias = if n_layers > 1 { &theta[net.bias_range(n_layers - 1)] } else { &[][..] };

        // Likelihood head on the host, in f64.
        let k = net.outputs();
        let (fbuf, df) = (&mut self.f, &mut self.df);
        fbuf.clear();
        f.with_host_data(|fv| {
            fbuf.extend(
                fv.iter().enumerate().map(|(i, v)| v.f64() + out_bias.get(i % k).copied().unwrap_or(0.0)),
            )
        })?;
        df.resize(fbuf.len(), 0.0);
        let (ll, dll_dsigma) = net.likelihood().log_lik_and_grad(fbuf, y, sigma, df);
        if n_layers > 1 {
            let gb = &mut grad[net.bias_range(n_layers - 1)];
            for row in df.chunks(k) {
                for (o, d) in gb.iter_mut().zip(row) {
                    *o += scale * d;
                }
            }
        }
        lp += scale * ll;
        if let (Some(k), super::Likelihood::GaussianLearned { prior }) = (net.noise_index(), net.likelihood())
        {
            // Prior on sigma plus the likelihood's sigma-derivative, pulled back to log sigma.
            let (lps, dlps) = prior.log_density_and_grad(sigma);
            let (lpu, dlpu) = crate::Bijection::Exp.pullback(theta[k], lps, dlps + scale * dll_dsigma);
            lp += lpu;
            grad[k] += dlpu;
        }
        if !lp.is_finite() {
            clear_tape::<T>();
            return Ok(lp);
        }

        // Backward: the vector-Jacobian product with d log p / d f.
        let seed: Vec<T> = self.df.iter().map(|&d| T::of(scale * d)).collect();
        let seed = Tensor::from_vec(seed, f.shape())?.to_device(self.device)?;
        let grads = f.mul(&seed)?.backward()?;
        for (range, leaf) in &leaves {
            let g = grads.get(leaf).ok_or_else(|| {
                Error::autograd(format!("BnnDensity: no gradient for parameters {range:?}"))
            })?;
            g.with_host_data(|gv| {
                for (o, v) in grad[range.clone()].iter_mut().zip(gv) {
                    *o += v.f64();
                }
            })?;
        }
        Ok(lp)
    }
}

impl<T: Float> LogDensity for BnnDensity<T> {
    fn dim(&self) -> usize {
        self.net.dim()
    }
    fn log_density_and_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64> {
        let x_aug = self.x_aug.clone();
        let y = std::mem::take(&mut self.y);
        let out = self.evaluate(theta, grad, &x_aug, &y, 1.0);
        self.y = y;
        out
    }
}

impl<T: Float> MinibatchDensity for BnnDensity<T> {
    fn dim(&self) -> usize {
        self.net.dim()
    }
    fn minibatch_log_density_and_grad(
        &mut self,
        theta: &[f64],
        rng: &mut Philox,
        grad: &mut [f64],
    ) -> Result<f64> {
        let n = self.y.len();
        let Some(b) = self.batch.filter(|&b| b < n) else {
            return self.log_density_and_grad(theta, grad);
        };
        let w = self.net.inputs() + 1;
        let mut xb = Vec::with_capacity(b * w);
        self.batch_y.clear();
        for _ in 0..b {
            let i = rng.below(n as u64) as usize;
            xb.extend_from_slice(&self.x_aug_host[i * w..(i + 1) * w]);
            self.batch_y.push(self.y[i]);
        }
        let xb = Tensor::from_vec(xb, &[b, w])?.to_device(self.device)?;
        let y = std::mem::take(&mut self.batch_y);
        let out = self.evaluate(theta, grad, &xb, &y, n as f64 / b as f64);
        self.batch_y = y;
        out
    }
}
