//! Optimiser update rules, defined once: the hyper-parameters of one step ([`SgdStep`],
//! [`AdamStep`]), their validation, and the per-element formula every backend applies
//! ([`SgdScalars::update`], [`AdamScalars::update`]; the CUDA kernels in
//! `cuda/kernels/optim.cu` follow the same arithmetic, operation for operation).
//!
//! PyTorch semantics (`torch.optim.SGD`, `Adam`, `AdamW`), with `d` the gradient after weight
//! decay:
//! - SGD: `d = g + wd·p`; with momentum `μ`: `b = d` on the first step, else
//!   `b = μ·b + (1 − dampening)·d`, and `d = d + μ·b` (Nesterov) or `d = b`; then `p −= lr·d`.
//! - Adam: `d = g + wd·p` (coupled L2) or, for AdamW, `p *= 1 − lr·wd` and `d = g`; then
//!   `m = β₁·m + (1 − β₁)·d`, `v = β₂·v + (1 − β₂)·d²`,
//!   `p −= (lr / c₁) · m / (√v / √c₂ + ε)` with `cₖ = 1 − βₖ^step`.

use crate::element::Element;
use crate::error::{Error, Result};

/// Errors unless `value` is finite and in `[lo, hi)` (`hi = None`: no upper bound).
fn check_range(op: &'static str, name: &str, value: f64, lo: f64, hi: Option<f64>) -> Result<()> {
    if value.is_finite() && value >= lo && hi.is_none_or(|h| value < h) {
        return Ok(());
    }
    let range = match hi {
        Some(h) => format!("[{lo}, {h})"),
        None => format!("[{lo}, inf)"),
    };
    Err(Error::invalid(op, format!("{name} {value} is not in {range}")))
}

/// Errors unless the learning rate is positive and finite.
fn check_lr(op: &'static str, lr: f64) -> Result<()> {
    if !(lr > 0.0 && lr.is_finite()) {
        return Err(Error::invalid(op, format!("learning rate {lr} must be positive and finite")));
    }
    Ok(())
}

/// Checks the lengths of a fused update's operands: a parameter of `n` elements, a gradient
/// view of `g` elements and state buffers `(name, length)` of `n` elements each.
fn check_update_lengths(op: &'static str, n: usize, g: usize, state: &[(&str, usize)]) -> Result<()> {
    if g != n {
        return Err(Error::shape(op, format!("gradient of {g} elements for a parameter of {n}")));
    }
    if let Some((name, len)) = state.iter().find(|(_, len)| *len != n) {
        return Err(Error::shape(op, format!("{name} state of {len} elements for a parameter of {n}")));
    }
    Ok(())
}

/// One SGD step's hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdStep {
    /// Learning rate (positive).
    pub lr: f64,
    /// Momentum `μ` (0: plain SGD, no momentum buffer).
    pub momentum: f64,
    /// Dampening of the gradient in the momentum update (PyTorch's `dampening`, in `[0, 1]`).
    pub dampening: f64,
    /// L2 weight decay added to the gradient.
    pub weight_decay: f64,
    /// Nesterov momentum (needs momentum > 0 and no dampening, as in PyTorch).
    pub nesterov: bool,
    /// The parameter's first momentum step: the buffer is set to `d`, not decayed.
    pub first: bool,
}

impl SgdStep {
    /// Plain SGD at learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        SgdStep { lr, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false, first: true }
    }

    /// Checks the hyper-parameters (`op` names the optimiser in the error).
    pub fn check(&self, op: &'static str) -> Result<()> {
        check_lr(op, self.lr)?;
        check_range(op, "momentum", self.momentum, 0.0, None)?;
        if !(0.0..=1.0).contains(&self.dampening) {
            return Err(Error::invalid(op, format!("dampening {} is not in [0, 1]", self.dampening)));
        }
        check_range(op, "weight decay", self.weight_decay, 0.0, None)?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::invalid(op, "Nesterov momentum needs momentum > 0 and zero dampening"));
        }
        Ok(())
    }

    /// Whether the step keeps a momentum buffer.
    pub fn has_momentum(&self) -> bool {
        self.momentum != 0.0
    }

    /// Checks a fused update's operands: the hyper-parameters, a parameter of `n` elements, a
    /// gradient of `g` elements and the momentum buffer's length if one was given (required
    /// when the step has momentum). Returns whether the buffer takes part in the update.
    pub fn check_operands(
        &self,
        op: &'static str,
        n: usize,
        g: usize,
        momentum: Option<usize>,
    ) -> Result<bool> {
        self.check(op)?;
        match (self.has_momentum(), momentum) {
            (false, _) => check_update_lengths(op, n, g, &[]).map(|()| false),
            (true, Some(b)) => check_update_lengths(op, n, g, &[("momentum", b)]).map(|()| true),
            (true, None) => Err(Error::invalid(op, "a step with momentum needs its momentum buffer")),
        }
    }

    /// The step's constants in `T`.
    pub fn scalars<T: Element>(&self) -> SgdScalars<T> {
        SgdScalars {
            lr: T::of(self.lr),
            momentum: T::of(self.momentum),
            keep: T::of(1.0 - self.dampening),
            weight_decay: T::of(self.weight_decay),
            decay: self.weight_decay != 0.0,
            nesterov: self.nesterov,
            first: self.first,
        }
    }
}

/// [`SgdStep`]'s constants in the element type, ready for the per-element update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdScalars<T> {
    /// Learning rate.
    pub lr: T,
    /// Momentum.
    pub momentum: T,
    /// `1 − dampening`.
    pub keep: T,
    /// Weight decay.
    pub weight_decay: T,
    /// Whether weight decay is on (PyTorch skips the term when it is 0).
    pub decay: bool,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// First momentum step.
    pub first: bool,
}

impl<T: Element> SgdScalars<T> {
    /// The update of one element: `p` from gradient `g`, with its momentum buffer element
    /// when the step has momentum.
    #[inline(always)]
    pub fn update(&self, p: &mut T, g: T, buf: Option<&mut T>) {
        let mut d = if self.decay { g + self.weight_decay * *p } else { g };
        if let Some(b) = buf {
            *b = if self.first { d } else { self.momentum * *b + self.keep * d };
            d = if self.nesterov { d + self.momentum * *b } else { *b };
        }
        *p = *p - self.lr * d;
    }
}

/// One Adam / AdamW step's hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    /// Learning rate (positive).
    pub lr: f64,
    /// Decay of the first moment, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second moment, in `[0, 1)`.
    pub beta2: f64,
    /// The denominator's epsilon.
    pub eps: f64,
    /// Weight decay: coupled L2 (Adam) or decoupled (AdamW).
    pub weight_decay: f64,
    /// AdamW's decoupled weight decay.
    pub decoupled: bool,
    /// This parameter's update count including this one (1 on its first step): the
    /// bias-correction exponent.
    pub step: i32,
}

impl AdamStep {
    /// Adam at learning rate `lr` with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no
    /// weight decay, first step.
    pub fn new(lr: f64) -> Self {
        AdamStep { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, decoupled: false, step: 1 }
    }

    /// Checks the hyper-parameters (`op` names the optimiser in the error).
    pub fn check(&self, op: &'static str) -> Result<()> {
        check_lr(op, self.lr)?;
        check_range(op, "beta1", self.beta1, 0.0, Some(1.0))?;
        check_range(op, "beta2", self.beta2, 0.0, Some(1.0))?;
        check_range(op, "eps", self.eps, 0.0, None)?;
        check_range(op, "weight decay", self.weight_decay, 0.0, None)?;
        if self.step < 1 {
            return Err(Error::invalid(op, format!("step {} (the first step is 1)", self.step)));
        }
        Ok(())
    }

    /// Checks a fused update's operands: the hyper-parameters, a parameter of `n` elements, a
    /// gradient of `g` elements and moments of `m` and `v` elements.
    pub fn check_operands(&self, op: &'static str, n: usize, g: usize, m: usize, v: usize) -> Result<()> {
        self.check(op)?;
        check_update_lengths(op, n, g, &[("m", m), ("v", v)])
    }

    /// The step's constants in `T` (bias corrections folded in).
    pub fn scalars<T: Element>(&self) -> AdamScalars<T> {
        let c1 = 1.0 - self.beta1.powi(self.step);
        let c2 = 1.0 - self.beta2.powi(self.step);
        AdamScalars {
            beta1: T::of(self.beta1),
            one_minus_beta1: T::of(1.0 - self.beta1),
            beta2: T::of(self.beta2),
            one_minus_beta2: T::of(1.0 - self.beta2),
            eps: T::of(self.eps),
            weight_decay: T::of(self.weight_decay),
            shrink: T::of(1.0 - self.lr * self.weight_decay),
            step_size: T::of(self.lr / c1),
            inv_sqrt_c2: T::of(1.0 / c2.sqrt()),
            decay: self.weight_decay != 0.0,
            decoupled: self.decoupled,
        }
    }
}

/// [`AdamStep`]'s constants in the element type, ready for the per-element update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamScalars<T> {
    /// `β₁`.
    pub beta1: T,
    /// `1 − β₁`.
    pub one_minus_beta1: T,
    /// `β₂`.
    pub beta2: T,
    /// `1 − β₂`.
    pub one_minus_beta2: T,
    /// `ε`.
    pub eps: T,
    /// Coupled weight decay.
    pub weight_decay: T,
    /// AdamW's factor `1 − lr·wd`.
    pub shrink: T,
    /// `lr / c₁`.
    pub step_size: T,
    /// `1 / √c₂`.
    pub inv_sqrt_c2: T,
    /// Whether weight decay is on.
    pub decay: bool,
    /// Decoupled (AdamW) weight decay.
    pub decoupled: bool,
}

impl<T: Element> AdamScalars<T> {
    /// The update of one element `p` from gradient `g`, with its moments `m` and `v`.
    #[inline(always)]
    pub fn update(&self, p: &mut T, g: T, m: &mut T, v: &mut T) {
        let d = match (self.decay, self.decoupled) {
            (false, _) => g,
            (true, true) => {
                *p = *p * self.shrink;
                g
            }
            (true, false) => g + self.weight_decay * *p,
        };
        *m = self.beta1 * *m + self.one_minus_beta1 * d;
        *v = self.beta2 * *v + self.one_minus_beta2 * d * d;
        *p = *p - self.step_size * *m / (v.sqrt() * self.inv_sqrt_c2 + self.eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_momentum_matches_the_recurrence() {
        let mut h = SgdStep { momentum: 0.9, dampening: 0.5, weight_decay: 0.1, ..SgdStep::new(0.1) };
        let (mut p, mut b) = (1.0f64, 0.0);
        let mut p_ref = 1.0f64;
        let mut b_ref = 0.0;
        for k in 0..3 {
            h.first = k == 0;
            let g = 0.5 - k as f64;
            h.scalars::<f64>().update(&mut p, g, Some(&mut b));
            let d = g + 0.1 * p_ref;
            b_ref = if k == 0 { d } else { 0.9 * b_ref + 0.5 * d };
            p_ref -= 0.1 * b_ref;
            assert!((p - p_ref).abs() < 1e-15 && (b - b_ref).abs() < 1e-15, "step {k}: {p} vs {p_ref}");
        }
    }

    #[test]
    fn adam_first_step_moves_by_lr() {
        // With bias correction the first step is lr * g / (|g| + eps') in every coordinate.
        let h = AdamStep::new(0.01);
        let (mut p, mut m, mut v) = (2.0f64, 0.0, 0.0);
        h.scalars::<f64>().update(&mut p, -3.0, &mut m, &mut v);
        assert!((p - (2.0 + 0.01 * 3.0 / (3.0 + 1e-8))).abs() < 1e-12, "{p}");
    }

    #[test]
    fn bad_hyper_parameters_are_refused() {
        assert!(SgdStep::new(0.0).check("Sgd").is_err());
        assert!(SgdStep { nesterov: true, ..SgdStep::new(0.1) }.check("Sgd").is_err());
        assert!(SgdStep { dampening: 2.0, ..SgdStep::new(0.1) }.check("Sgd").is_err());
        let h = AdamStep { beta1: 1.0, ..AdamStep::new(0.1) };
        assert!(h.check("Adam").is_err());
        assert!(AdamStep { beta1: 0.9, step: 0, ..h }.check("Adam").is_err());
        assert!(AdamStep { beta1: 0.9, ..h }.check("Adam").is_ok());
    }
}
