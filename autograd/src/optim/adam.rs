//! Adam (Kingma & Ba 2015) with coupled L2 weight decay, and AdamW (Loshchilov & Hutter
//! 2019) with decoupled weight decay — PyTorch semantics for both.

use super::{for_each_update, Optimizer};
use crate::backward::Grads;
use crate::nn::Param;
use crate::Float;
use weft_ops::Result;

/// Adam / AdamW.
pub struct Adam<T: Float> {
    params: Vec<Param<T>>,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    /// Per parameter: the number of updates it has received (its bias-correction step, as
    /// PyTorch keeps per parameter), and the first and second moment estimates.
    moments: Vec<(i32, Vec<T>, Vec<T>)>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr`, betas (0.9, 0.999), eps 1e-8, no weight decay.
    pub fn new(params: Vec<Param<T>>, lr: f64) -> Self {
        let moments = params.iter().map(|_| (0, Vec::new(), Vec::new())).collect();
        Adam { params, lr, betas: (0.9, 0.999), eps: 1e-8, weight_decay: 0.0, decoupled: false, moments }
    }

    /// AdamW: weight decay `wd` applied directly to the weights (default 0.01 in PyTorch).
    pub fn decoupled(params: Vec<Param<T>>, lr: f64, wd: f64) -> Self {
        Adam { weight_decay: wd, decoupled: true, ..Self::new(params, lr) }
    }

    /// L2 weight decay added to the gradient (Adam) or decoupled (AdamW).
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }

    /// Exponential decay rates of the moment estimates.
    pub fn betas(mut self, b1: f64, b2: f64) -> Self {
        self.betas = (b1, b2);
        self
    }

    /// The denominator's epsilon.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, grads: &Grads<T>) -> Result<()> {
        super::check_lr("Adam", self.lr)?;
        let (b1, b2) = self.betas;
        super::check_hyper("Adam", "beta1", b1, 0.0, Some(1.0))?;
        super::check_hyper("Adam", "beta2", b2, 0.0, Some(1.0))?;
        super::check_hyper("Adam", "eps", self.eps, 0.0, None)?;
        super::check_hyper("Adam", "weight decay", self.weight_decay, 0.0, None)?;
        let (lr, wd, decoupled) = (self.lr, self.weight_decay, self.decoupled);
        let (b1t, b2t, eps) = (T::of(b1), T::of(b2), T::of(self.eps));
        let (ob1, ob2) = (T::of(1.0 - b1), T::of(1.0 - b2));
        let (wdt, shrink) = (T::of(wd), T::of(1.0 - lr * wd));
        let moments = &mut self.moments;
        for_each_update(&self.params, grads, |i, p, g| {
            let (step, m, v) = &mut moments[i];
            if m.len() != p.len() {
                *m = vec![T::zero(); p.len()];
                *v = vec![T::zero(); p.len()];
            }
            // Bias correction counts this parameter's own updates (a parameter that got no
            // gradient in some steps is corrected as PyTorch does).
            *step += 1;
            let c1 = 1.0 - b1.powi(*step);
            let c2 = 1.0 - b2.powi(*step);
            let step_size = T::of(lr / c1);
            let inv_sqrt_c2 = T::of(1.0 / c2.sqrt());
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = if decoupled {
                    *p = *p * shrink;
                    g
                } else {
                    g + wdt * *p
                };
                *m = b1t * *m + ob1 * g;
                *v = b2t * *v + ob2 * g * g;
                *p = *p - step_size * *m / (v.sqrt() * inv_sqrt_c2 + eps);
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
