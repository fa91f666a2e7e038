//! Stochastic gradient descent with momentum and weight decay (PyTorch semantics).

use super::{for_each_update, Optimizer};
use crate::backward::Grads;
use crate::nn::Param;
use crate::Float;
use weft_ops::Result;

/// SGD: `v = momentum * v + (g + wd * p)`, `p -= lr * v`.
pub struct Sgd<T: Float> {
    params: Vec<Param<T>>,
    lr: f64,
    momentum: f64,
    weight_decay: f64,
    velocity: Vec<Vec<T>>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(params: Vec<Param<T>>, lr: f64) -> Self {
        let velocity = params.iter().map(|_| Vec::new()).collect();
        Sgd { params, lr, momentum: 0.0, weight_decay: 0.0, velocity }
    }
    /// With momentum.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// With L2 weight decay.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, grads: &Grads<T>) -> Result<()> {
        super::check_lr("Sgd", self.lr)?;
        super::check_hyper("Sgd", "momentum", self.momentum, 0.0, None)?;
        super::check_hyper("Sgd", "weight decay", self.weight_decay, 0.0, None)?;
        let (lr, mom, wd) = (T::of(self.lr), T::of(self.momentum), T::of(self.weight_decay));
        let velocity = &mut self.velocity;
        for_each_update(&self.params, grads, |i, p, g| {
            let v = &mut velocity[i];
            if v.len() != p.len() {
                *v = vec![T::zero(); p.len()];
            }
            for ((p, &g), v) in p.iter_mut().zip(g).zip(v.iter_mut()) {
                let d = g + wd * *p;
                *v = mom * *v + d;
                *p = *p - lr * *v;
            }
        })
    }
    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}
