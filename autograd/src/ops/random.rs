//! Random tensors and dropout from the seeded, counter-based Philox generator: the same seed
//! gives the same numbers on every backend and for any thread count.

use crate::dispatch::on_new_device;
use crate::tensor::Tensor;
use crate::Float;
use smallvec::smallvec;
use weft_ops::{rng::Philox, rng::PhiloxState, Backend, Device, Error, Result};

/// `n = shape.numel()` samples drawn on `device` by `$draw` (a backend call with the backend
/// `b` and `n` in scope): Philox runs on the device, giving the CPU's numbers for the same
/// state.
macro_rules! generate {
    ($shape:expr, $device:expr, |$b:ident, $n:ident| $draw:expr) => {{
        let $n: usize = $shape.iter().product();
        let storage = on_new_device!($device, |$b| $draw)?;
        Ok::<_, Error>(Tensor::from_storage(storage, $shape))
    }};
}

impl<T: Float> Tensor<T> {
    /// Uniform samples in `(lo, hi)`.
    pub fn rand_uniform(shape: &[usize], lo: f64, hi: f64, rng: &mut Philox, device: Device) -> Result<Self> {
        if !lo.is_finite() || !hi.is_finite() || lo >= hi {
            return Err(Error::invalid(
                "rand_uniform",
                format!("bounds ({lo}, {hi}) are not a finite interval"),
            ));
        }
        let st = rng.take(shape.iter().product());
        generate!(shape, device, |b, n| b.uniform(n, st, T::of(lo), T::of(hi)))
    }

    /// Normal samples with the given mean and standard deviation.
    pub fn randn(shape: &[usize], mean: f64, std: f64, rng: &mut Philox, device: Device) -> Result<Self> {
        if !mean.is_finite() || !std.is_finite() || std < 0.0 {
            return Err(Error::invalid(
                "randn",
                format!("mean {mean} and std {std} must be finite, std >= 0"),
            ));
        }
        let st = rng.take(shape.iter().product());
        generate!(shape, device, |b, n| b.normal(n, st, T::of(mean), T::of(std)))
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by
    /// `1 / (1 - p)`. Use only in training; `p = 0` returns `self`.
    pub fn dropout(&self, p: f64, rng: &mut Philox) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::invalid("dropout", format!("probability {p} is not in [0, 1)")));
        }
        if p == 0.0 {
            return Ok(self.clone());
        }
        let st: PhiloxState = rng.take(self.numel());
        let mask: Tensor<T> = generate!(self.shape(), self.device(), |b, n| b.dropout_mask(n, st, 1.0 - p))?;
        let out = self.detach().mul(&mask)?;
        Ok(out.record(&[self], move |g, _| Ok(smallvec![Some(g.mul(&mask)?)])))
    }
}
