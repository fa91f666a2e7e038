//! Elementwise ops: unary maps, broadcasting binary ops, scalar ops, comparisons, `where`.

use crate::dispatch::{on_device, on_device2, on_device3};
use crate::tensor::{same_device, Tensor};
use crate::Float;
use smallvec::smallvec;
use weft_ops::{broadcast_shapes, Backend, BinaryOp, CmpOp, Result, UnaryOp};

/// Defines a differentiable unary op: `$name(&self)`, with backward `|x, y, g| grad_x`.
macro_rules! unary_op {
    ($(#[$doc:meta])* $name:ident, $op:expr, |$x:ident, $y:ident, $g:ident| $grad:expr) => {
        $(#[$doc])*
        pub fn $name(&self) -> Result<Self> {
            let out = self.map($op)?;
            let ($x, $y) = (self.detach(), out.clone());
            Ok(out.record(&[self], move |$g, _| {
                let _ = (&$x, &$y);
                Ok(smallvec![Some($grad)])
            }))
        }
    };
}

impl<T: Float> Tensor<T> {
    /// `op` applied elementwise, not recorded.
    pub(crate) fn map(&self, op: UnaryOp) -> Result<Self> {
        let s = on_device!(self, |b, x| b.unary(op, x, &self.layout))?;
        Ok(Self::from_storage(s, self.shape()))
    }

    /// Broadcasts two operands to a common shape (views).
    pub(crate) fn broadcast_pair(op: &'static str, a: &Self, b: &Self) -> Result<(Self, Self)> {
        same_device(op, a, b)?;
        if a.shape() == b.shape() {
            return Ok((a.clone(), b.clone()));
        }
        let shape = broadcast_shapes(op, a.shape(), b.shape())?;
        Ok((a.broadcast_to(&shape)?, b.broadcast_to(&shape)?))
    }

    /// `op(a, b)` after broadcasting, not recorded.
    fn zip_raw(&self, op: BinaryOp, other: &Self, name: &'static str) -> Result<Self> {
        let (a, b) = Self::broadcast_pair(name, self, other)?;
        let s = on_device2!(name, a, b, |be, x, y| be.binary(op, x, &a.layout, y, &b.layout))?;
        Ok(Self::from_storage(s, a.shape()))
    }

    unary_op!(/// `-x`.
        neg, UnaryOp::Neg, |x, y, g| g.map(UnaryOp::Neg)?);
    unary_op!(/// `exp(x)`.
        exp, UnaryOp::Exp, |x, y, g| g.mul(&y)?);
    unary_op!(/// Natural logarithm.
        log, UnaryOp::Log, |x, y, g| g.div(&x)?);
    unary_op!(/// Hyperbolic tangent.
        tanh, UnaryOp::Tanh, |x, y, g| g.mul(&y.square_raw()?.affine_raw(-T::one(), T::one())?)?);
    unary_op!(/// Logistic sigmoid.
        sigmoid, UnaryOp::Sigmoid, |x, y, g| g.mul(&y.mul(&y.affine_raw(-T::one(), T::one())?)?)?);
    unary_op!(/// `max(x, 0)`.
        relu, UnaryOp::Relu, |x, y, g| g.mul(&x.map(UnaryOp::Step)?)?);
    unary_op!(/// GELU (tanh approximation).
        gelu, UnaryOp::Gelu, |x, y, g| g.mul(&gelu_grad(&x)?)?);
    unary_op!(/// Square root.
        sqrt, UnaryOp::Sqrt, |x, y, g| g.div(&y.affine_raw(T::of(2.0), T::zero())?)?);
    unary_op!(/// Absolute value (gradient `sign(x)`).
        abs, UnaryOp::Abs, |x, y, g| g.mul(&x.map(UnaryOp::Sign)?)?);
    unary_op!(/// `x * x`.
        square, UnaryOp::Square, |x, y, g| g.mul(&x.affine_raw(T::of(2.0), T::zero())?)?);
    unary_op!(/// `1 / x`.
        recip, UnaryOp::Recip, |x, y, g| g.mul(&y.square_raw()?)?.map(UnaryOp::Neg)?);
    unary_op!(/// Sine.
        sin, UnaryOp::Sin, |x, y, g| g.mul(&x.map(UnaryOp::Cos)?)?);
    unary_op!(/// Cosine.
        cos, UnaryOp::Cos, |x, y, g| g.mul(&x.map(UnaryOp::Sin)?)?.map(UnaryOp::Neg)?);
    unary_op!(/// `log(1 + exp(x))`, stable.
        softplus, UnaryOp::Softplus, |x, y, g| g.mul(&x.map(UnaryOp::Sigmoid)?)?);
    unary_op!(/// `log(1 + x)`.
        log1p, UnaryOp::Log1p, |x, y, g| g.div(&x.affine_raw(T::one(), T::one())?)?);

    /// `x^p` for a constant exponent.
    pub fn powf(&self, p: f64) -> Result<Self> {
        let out = self.map(UnaryOp::Powf(p))?;
        let x = self.detach();
        Ok(out.record(&[self], move |g, _| {
            // x^0 is constant: its gradient is 0 everywhere (0 * x^-1 would be NaN at x = 0).
            if p == 0.0 {
                return Ok(smallvec![Some(g.zeros_like()?)]);
            }
            Ok(smallvec![Some(g.mul(&x.map(UnaryOp::Powf(p - 1.0))?.affine_raw(T::of(p), T::zero())?)?)])
        }))
    }

    /// `x` where positive, else `slope * x`.
    pub fn leaky_relu(&self, slope: f64) -> Result<Self> {
        let out = self.map(UnaryOp::LeakyRelu(slope))?;
        let x = self.detach();
        Ok(out.record(&[self], move |g, _| {
            let d = x.map(UnaryOp::Step)?.affine_raw(T::of(1.0 - slope), T::of(slope))?;
            Ok(smallvec![Some(g.mul(&d)?)])
        }))
    }

    /// ELU: `x` where positive, else `alpha * (exp(x) - 1)`.
    pub fn elu(&self, alpha: f64) -> Result<Self> {
        let out = self.map(UnaryOp::Elu(alpha))?;
        let (x, y) = (self.detach(), out.clone());
        Ok(out.record(&[self], move |g, _| {
            let pos = x.map(UnaryOp::Step)?;
            let neg = y.affine_raw(T::one(), T::of(alpha))?;
            Ok(smallvec![Some(g.mul(&pos.where_raw(&g.ones_like()?, &neg)?)?)])
        }))
    }

    /// `x * x`, not recorded.
    pub(crate) fn square_raw(&self) -> Result<Self> {
        self.map(UnaryOp::Square)
    }

    /// `x * mul + add`, not recorded.
    pub(crate) fn affine_raw(&self, mul: T, add: T) -> Result<Self> {
        let s = on_device!(self, |b, x| b.affine(x, &self.layout, mul, add))?;
        Ok(Self::from_storage(s, self.shape()))
    }

    /// `x * mul + add` with constants.
    pub fn affine(&self, mul: f64, add: f64) -> Result<Self> {
        let out = self.affine_raw(T::of(mul), T::of(add))?;
        Ok(out.record(&[self], move |g, _| Ok(smallvec![Some(g.affine_raw(T::of(mul), T::zero())?)])))
    }

    /// `x + c`.
    pub fn add_scalar(&self, c: f64) -> Result<Self> {
        self.affine(1.0, c)
    }
    /// `x * c`.
    pub fn mul_scalar(&self, c: f64) -> Result<Self> {
        self.affine(c, 0.0)
    }

    /// `a + b` with broadcasting.
    pub fn add(&self, other: &Self) -> Result<Self> {
        let out = self.zip_raw(BinaryOp::Add, other, "add")?;
        let (sa, sb) = (self.shape().to_vec(), other.shape().to_vec());
        Ok(out.record(&[self, other], move |g, need| {
            Ok(smallvec![
                if need[0] { Some(g.sum_to(&sa)?) } else { None },
                if need[1] { Some(g.sum_to(&sb)?) } else { None }
            ])
        }))
    }

    /// `a - b` with broadcasting.
    pub fn sub(&self, other: &Self) -> Result<Self> {
        let out = self.zip_raw(BinaryOp::Sub, other, "sub")?;
        let (sa, sb) = (self.shape().to_vec(), other.shape().to_vec());
        Ok(out.record(&[self, other], move |g, need| {
            Ok(smallvec![
                if need[0] { Some(g.sum_to(&sa)?) } else { None },
                if need[1] { Some(g.map(UnaryOp::Neg)?.sum_to(&sb)?) } else { None }
            ])
        }))
    }

    /// `a * b` with broadcasting.
    pub fn mul(&self, other: &Self) -> Result<Self> {
        let out = self.zip_raw(BinaryOp::Mul, other, "mul")?;
        let (a, b) = (self.detach(), other.detach());
        Ok(out.record(&[self, other], move |g, need| {
            Ok(smallvec![
                if need[0] { Some(g.mul(&b)?.sum_to(a.shape())?) } else { None },
                if need[1] { Some(g.mul(&a)?.sum_to(b.shape())?) } else { None }
            ])
        }))
    }

    /// `a / b` with broadcasting.
    pub fn div(&self, other: &Self) -> Result<Self> {
        let out = self.zip_raw(BinaryOp::Div, other, "div")?;
        let (a, b, y) = (self.detach(), other.detach(), out.clone());
        Ok(out.record(&[self, other], move |g, need| {
            let ga = g.div(&b)?;
            Ok(smallvec![
                if need[0] { Some(ga.sum_to(a.shape())?) } else { None },
                if need[1] { Some(ga.mul(&y)?.map(UnaryOp::Neg)?.sum_to(b.shape())?) } else { None }
            ])
        }))
    }

    /// Elementwise maximum with broadcasting (gradient to `a` where `a >= b`).
    pub fn maximum(&self, other: &Self) -> Result<Self> {
        self.pairwise_extremum(other, BinaryOp::Max, CmpOp::Ge, "maximum")
    }

    /// Elementwise minimum with broadcasting (gradient to `a` where `a <= b`).
    pub fn minimum(&self, other: &Self) -> Result<Self> {
        self.pairwise_extremum(other, BinaryOp::Min, CmpOp::Le, "minimum")
    }

    fn pairwise_extremum(
        &self,
        other: &Self,
        op: BinaryOp,
        pick_a: CmpOp,
        name: &'static str,
    ) -> Result<Self> {
        let out = self.zip_raw(op, other, name)?;
        let (a, b) = (self.detach(), other.detach());
        Ok(out.record(&[self, other], move |g, need| {
            let mask = a.compare(pick_a, &b)?;
            let zero = g.zeros_like()?;
            Ok(smallvec![
                if need[0] { Some(mask.where_raw(g, &zero)?.sum_to(a.shape())?) } else { None },
                if need[1] { Some(mask.where_raw(&zero, g)?.sum_to(b.shape())?) } else { None }
            ])
        }))
    }

    /// `a ^ b` elementwise with broadcasting (`a > 0` for a gradient in `b`; at `a = 0` the
    /// gradient in `b` is taken as 0, and where `b = 0` the gradient in `a` is 0).
    pub fn pow(&self, other: &Self) -> Result<Self> {
        let out = self.zip_raw(BinaryOp::Pow, other, "pow")?;
        let (a, b, y) = (self.detach(), other.detach(), out.clone());
        Ok(out.record(&[self, other], move |g, need| {
            let zero = Tensor::zeros(&[], g.device())?;
            Ok(smallvec![
                if need[0] {
                    // b * a^(b-1), except 0 where b = 0 (a^0 is constant; avoids 0 * inf at a = 0).
                    let bm1 = b.affine_raw(T::one(), -T::one())?;
                    let d = b.mul(&a.pow(&bm1)?)?;
                    let d = b.compare(CmpOp::Eq, &zero)?.where_raw(&zero, &d)?;
                    Some(g.mul(&d)?.sum_to(a.shape())?)
                } else {
                    None
                },
                if need[1] {
                    // a^b * log(a), with log(a) taken as 0 at a = 0 (avoids 0 * -inf).
                    let log_a = a.compare(CmpOp::Eq, &zero)?.where_raw(&zero, &a.log()?)?;
                    Some(g.mul(&y)?.mul(&log_a)?.sum_to(b.shape())?)
                } else {
                    None
                }
            ])
        }))
    }

    /// `a op b` as 1/0 with broadcasting (not differentiable).
    pub fn compare(&self, op: CmpOp, other: &Self) -> Result<Self> {
        let (a, b) = Self::broadcast_pair("compare", self, other)?;
        let s = on_device2!("compare", a, b, |be, x, y| be.compare(op, x, &a.layout, y, &b.layout))?;
        Ok(Self::from_storage(s, a.shape()))
    }

    /// `self != 0 ? a : b` with broadcasting of all three, not recorded.
    pub(crate) fn where_raw(&self, a: &Self, b: &Self) -> Result<Self> {
        let shape =
            broadcast_shapes("where", self.shape(), &broadcast_shapes("where", a.shape(), b.shape())?)?;
        same_device("where", self, a)?;
        same_device("where", self, b)?;
        let (c, a, b) = (self.broadcast_to(&shape)?, a.broadcast_to(&shape)?, b.broadcast_to(&shape)?);
        let s =
            on_device3!("where", c, a, b, |be, x, y, z| be.select(x, &c.layout, y, &a.layout, z, &b.layout))?;
        Ok(Self::from_storage(s, &shape))
    }

    /// `cond != 0 ? a : b` elementwise with broadcasting; differentiable in `a` and `b`.
    pub fn where_cond(cond: &Self, a: &Self, b: &Self) -> Result<Self> {
        let out = cond.detach().where_raw(a, b)?;
        let (c, sa, sb) = (cond.detach(), a.shape().to_vec(), b.shape().to_vec());
        Ok(out.record(&[a, b], move |g, need| {
            let zero = g.zeros_like()?;
            Ok(smallvec![
                if need[0] { Some(c.where_raw(g, &zero)?.sum_to(&sa)?) } else { None },
                if need[1] { Some(c.where_raw(&zero, g)?.sum_to(&sb)?) } else { None }
            ])
        }))
    }
}

/// Derivative of the tanh-approximated GELU.
fn gelu_grad<T: Float>(x: &Tensor<T>) -> Result<Tensor<T>> {
    let c = 0.797_884_560_802_865_4;
    let k = 0.044715;
    let x2 = x.square_raw()?;
    let inner = x.mul(&x2.affine_raw(T::of(k), T::one())?)?.affine_raw(T::of(c), T::zero())?;
    let t = inner.map(UnaryOp::Tanh)?;
    let sech2 = t.square_raw()?.affine_raw(-T::one(), T::one())?;
    let dinner = x2.affine_raw(T::of(3.0 * k * c), T::of(c))?;
    let a = t.affine_raw(T::of(0.5), T::of(0.5))?;
    let b = x.mul(&sech2)?.mul(&dinner)?.affine_raw(T::of(0.5), T::zero())?;
    a.add(&b)
}
