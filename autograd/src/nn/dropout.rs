//! [`Dropout`] and the train/eval [`Mode`].

use crate::tensor::Tensor;
use crate::Float;
use std::sync::Mutex;
use weft_ops::{rng::Philox, Error, Result};

/// Whether a forward pass is for training (dropout active) or evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout and other stochastic layers are active.
    Train,
    /// Evaluation: deterministic.
    Eval,
}

/// Inverted dropout with its own seeded generator, so a model's forward pass needs no RNG
/// argument and runs are reproducible.
pub struct Dropout {
    p: f64,
    rng: Mutex<Philox>,
}

impl Dropout {
    /// Dropout with drop probability `p` in `[0, 1)`, seeded by `seed`.
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::invalid("Dropout", format!("probability {p} is not in [0, 1)")));
        }
        Ok(Dropout { p, rng: Mutex::new(Philox::new(seed)) })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Applies dropout in [`Mode::Train`], the identity in [`Mode::Eval`].
    pub fn forward<T: Float>(&self, x: &Tensor<T>, mode: Mode) -> Result<Tensor<T>> {
        if mode == Mode::Eval || self.p == 0.0 {
            return Ok(x.clone());
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        x.dropout(self.p, &mut rng)
    }

    /// A fresh generator state for callers that drop something other than a dense tensor
    /// (e.g. the stored values of a sparse matrix).
    pub fn with_rng<R>(&self, f: impl FnOnce(&mut Philox) -> R) -> R {
        f(&mut self.rng.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
