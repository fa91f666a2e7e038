//! Elementwise kernels: unary maps, broadcasting binary ops, comparisons, select, affine.

use super::math;
use super::strided::{map1, map1_runs, map2, map3};
use crate::backend::{BinaryOp, CmpOp, UnaryOp};
use crate::element::Element;
use crate::layout::Layout;

/// `sqrt(2 / pi)`, for the tanh approximation of GELU.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// Numerically stable `log(1 + exp(x))`.
#[inline(always)]
pub fn softplus<T: Element>(x: T) -> T {
    if x > T::zero() {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Numerically stable logistic sigmoid.
#[inline(always)]
pub fn sigmoid<T: Element>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// GELU with the tanh approximation.
#[inline(always)]
pub fn gelu<T: Element>(x: T) -> T {
    let half = T::of(0.5);
    let c = T::of(SQRT_2_OVER_PI);
    half * x * (T::one() + (c * (x + T::of(0.044715) * x * x * x)).tanh())
}

/// Applies `op` to every element of the view.
pub fn unary<T: Element>(op: UnaryOp, x: &[T], l: &Layout) -> Vec<T> {
    let zero = T::zero();
    let one = T::one();
    match op {
        UnaryOp::Neg => map1(x, l, |v: T| -v),
        UnaryOp::Exp => map1_runs(x, l, math::exp, math::exp_run),
        UnaryOp::Log => map1(x, l, |v: T| v.ln()),
        UnaryOp::Tanh => map1_runs(x, l, math::tanh, math::tanh_run),
        UnaryOp::Sigmoid => map1(x, l, sigmoid),
        UnaryOp::Relu => map1(x, l, |v: T| if v > zero { v } else { zero }),
        UnaryOp::Gelu => map1(x, l, gelu),
        UnaryOp::Sqrt => map1(x, l, |v: T| v.sqrt()),
        UnaryOp::Abs => map1(x, l, |v: T| v.abs()),
        UnaryOp::Square => map1(x, l, |v: T| v * v),
        UnaryOp::Recip => map1(x, l, |v: T| one / v),
        UnaryOp::Sin => map1(x, l, |v: T| v.sin()),
        UnaryOp::Cos => map1(x, l, |v: T| v.cos()),
        UnaryOp::Softplus => map1(x, l, softplus),
        UnaryOp::Log1p => map1(x, l, |v: T| v.ln_1p()),
        UnaryOp::Step => map1(x, l, |v: T| if v > zero { one } else { zero }),
        UnaryOp::Sign => map1(x, l, |v: T| {
            if v > zero {
                one
            } else if v < zero {
                -one
            } else {
                zero
            }
        }),
        UnaryOp::Powf(p) => {
            let p = T::of(p);
            map1(x, l, move |v: T| v.powf(p))
        }
        UnaryOp::LeakyRelu(s) => {
            let s = T::of(s);
            map1(x, l, move |v: T| if v > zero { v } else { s * v })
        }
        UnaryOp::Elu(a) => {
            let a = T::of(a);
            map1(x, l, move |v: T| if v > zero { v } else { a * v.exp_m1() })
        }
    }
}

/// `op(a, b)` over two same-shape views.
pub fn binary<T: Element>(op: BinaryOp, a: &[T], la: &Layout, b: &[T], lb: &Layout) -> Vec<T> {
    match op {
        BinaryOp::Add => map2(a, la, b, lb, |u: T, v: T| u + v),
        BinaryOp::Sub => map2(a, la, b, lb, |u: T, v: T| u - v),
        BinaryOp::Mul => map2(a, la, b, lb, |u: T, v: T| u * v),
        BinaryOp::Div => map2(a, la, b, lb, |u: T, v: T| u / v),
        // NaN-propagating max/min, as torch.maximum.
        BinaryOp::Max => map2(a, la, b, lb, |u: T, v: T| if u.is_nan() || u > v { u } else { v }),
        BinaryOp::Min => map2(a, la, b, lb, |u: T, v: T| if u.is_nan() || u < v { u } else { v }),
        BinaryOp::Pow => map2(a, la, b, lb, |u: T, v: T| u.powf(v)),
    }
}

/// `a op b` as 1/0.
pub fn compare<T: Element>(op: CmpOp, a: &[T], la: &Layout, b: &[T], lb: &Layout) -> Vec<T> {
    let f = |c: bool| if c { T::one() } else { T::zero() };
    match op {
        CmpOp::Eq => map2(a, la, b, lb, |u: T, v: T| f(u == v)),
        CmpOp::Ne => map2(a, la, b, lb, |u: T, v: T| f(u != v)),
        CmpOp::Lt => map2(a, la, b, lb, |u: T, v: T| f(u < v)),
        CmpOp::Le => map2(a, la, b, lb, |u: T, v: T| f(u <= v)),
        CmpOp::Gt => map2(a, la, b, lb, |u: T, v: T| f(u > v)),
        CmpOp::Ge => map2(a, la, b, lb, |u: T, v: T| f(u >= v)),
    }
}

/// `cond != 0 ? a : b`.
pub fn select<T: Element>(c: &[T], lc: &Layout, a: &[T], la: &Layout, b: &[T], lb: &Layout) -> Vec<T> {
    map3(c, lc, a, la, b, lb, |c: T, u: T, v: T| if c != T::zero() { u } else { v })
}

/// `x * mul + add`.
pub fn affine<T: Element>(x: &[T], l: &Layout, mul: T, add: T) -> Vec<T> {
    map1(x, l, move |v: T| v * mul + add)
}
