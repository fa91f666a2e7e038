//! Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay
//! (PyTorch semantics; the update rule is [`SgdStep`]'s).

use super::fused::{apply, zeros_on, FusedUpdate};
use super::{for_each_update, Optimizer};
use crate::backward::Grads;
use crate::nn::Param;
use crate::storage::Storage;
use crate::Float;
use weft_ops::optim_step::SgdStep;
use weft_ops::{Device, Result};

/// SGD: `d = g + wd·p`; with momentum `b = μ·b + (1 − dampening)·d` (`b = d` on the first
/// step) and `d = b` (or `d + μ·b`, Nesterov); then `p −= lr·d`.
pub struct Sgd<T: Float> {
    params: Vec<Param<T>>,
    hyper: SgdStep,
    /// Per parameter: its momentum buffer, on the parameter's device, once it has one.
    momentum: Vec<Option<Storage<T>>>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(params: Vec<Param<T>>, lr: f64) -> Self {
        let momentum = params.iter().map(|_| None).collect();
        Sgd { params, hyper: SgdStep::new(lr), momentum }
    }
    /// With momentum.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.hyper.momentum = momentum;
        self
    }
    /// With dampening of the gradient in the momentum update (PyTorch's `dampening`).
    pub fn dampening(mut self, dampening: f64) -> Self {
        self.hyper.dampening = dampening;
        self
    }
    /// With Nesterov momentum (needs momentum > 0 and no dampening).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.hyper.nesterov = nesterov;
        self
    }
    /// With L2 weight decay.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.hyper.weight_decay = wd;
        self
    }
    /// The device of every momentum buffer made so far (one per parameter that has had a
    /// step with momentum), in parameter order.
    pub fn state_devices(&self) -> Vec<Device> {
        self.momentum.iter().flatten().map(Storage::device).collect()
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, grads: &Grads<T>) -> Result<()> {
        const OP: &str = "Sgd";
        let hyper = self.hyper;
        hyper.check(OP)?;
        let momentum = &mut self.momentum;
        for_each_update(&self.params, grads, |i, p, g| {
            let buf = &mut momentum[i];
            let first = hyper.has_momentum() && buf.is_none();
            if first {
                *buf = Some(zeros_on(p.device(), p.len())?);
            }
            let r = apply(OP, &FusedUpdate::Sgd(SgdStep { first, ..hyper }), p, g, buf.as_mut_slice());
            if r.is_err() && first {
                *buf = None; // a refused first step leaves no buffer behind
            }
            r
        })
    }
    fn learning_rate(&self) -> f64 {
        self.hyper.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.hyper.lr = lr;
    }
}
