//! Adam (Kingma & Ba 2015) with coupled L2 weight decay, and AdamW (Loshchilov & Hutter
//! 2019) with decoupled weight decay — PyTorch semantics for both; the update rule is
//! [`AdamStep`]'s.

use super::fused::{apply, zeros_on, FusedUpdate};
use super::{for_each_update, Optimizer};
use crate::backward::Grads;
use crate::nn::Param;
use crate::storage::Storage;
use crate::Float;
use weft_ops::optim_step::AdamStep;
use weft_ops::{Device, Result};

/// Adam / AdamW.
pub struct Adam<T: Float> {
    params: Vec<Param<T>>,
    hyper: AdamStep,
    /// Per parameter: the number of updates it has received (its bias-correction step, as
    /// PyTorch keeps per parameter), and its first and second moment estimates on its device.
    moments: Vec<(i32, Vec<Storage<T>>)>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr`, betas (0.9, 0.999), eps 1e-8, no weight decay.
    pub fn new(params: Vec<Param<T>>, lr: f64) -> Self {
        let moments = params.iter().map(|_| (0, Vec::new())).collect();
        Adam { params, hyper: AdamStep::new(lr), moments }
    }

    /// AdamW: weight decay `wd` applied directly to the weights (default 0.01 in PyTorch).
    pub fn decoupled(params: Vec<Param<T>>, lr: f64, wd: f64) -> Self {
        let mut a = Self::new(params, lr);
        a.hyper.weight_decay = wd;
        a.hyper.decoupled = true;
        a
    }

    /// L2 weight decay added to the gradient (Adam) or decoupled (AdamW).
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.hyper.weight_decay = wd;
        self
    }

    /// Exponential decay rates of the moment estimates.
    pub fn betas(mut self, b1: f64, b2: f64) -> Self {
        (self.hyper.beta1, self.hyper.beta2) = (b1, b2);
        self
    }

    /// The denominator's epsilon.
    pub fn eps(mut self, eps: f64) -> Self {
        self.hyper.eps = eps;
        self
    }

    /// The device of every moment buffer made so far (two per parameter that has had a step),
    /// in parameter order.
    pub fn state_devices(&self) -> Vec<Device> {
        self.moments.iter().flat_map(|(_, mv)| mv.iter().map(Storage::device)).collect()
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, grads: &Grads<T>) -> Result<()> {
        const OP: &str = "Adam";
        let hyper = self.hyper;
        hyper.check(OP)?;
        let moments = &mut self.moments;
        for_each_update(&self.params, grads, |i, p, g| {
            let (step, mv) = &mut moments[i];
            if mv.is_empty() {
                *mv = vec![zeros_on(p.device(), p.len())?, zeros_on(p.device(), p.len())?];
            }
            // Bias correction counts this parameter's own updates (a parameter that got no
            // gradient in some steps is corrected as PyTorch does). A refused update does not
            // count.
            let h = AdamStep { step: *step + 1, ..hyper };
            apply(OP, &FusedUpdate::Adam(h), p, g, mv)?;
            *step += 1;
            Ok(())
        })
    }
    fn learning_rate(&self) -> f64 {
        self.hyper.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.hyper.lr = lr;
    }
}
