//! Elementwise primitives: unary maps, binary ops, comparisons, select, affine.

use super::{check_same_shape, check_view, grid_for, kernel_name, CudaBackend, BLOCK};
use crate::api::Arg;
use crate::buffer::CudaBuf;
use crate::strided::StridedArg;
use weft_ops::backend::{BinaryOp, CmpOp, UnaryOp};
use weft_ops::{Element, Layout, Result};

/// Kernel base name and parameter of a unary op.
fn unary_kernel(op: UnaryOp) -> (&'static str, f64) {
    match op {
        UnaryOp::Neg => ("unary_neg", 0.0),
        UnaryOp::Exp => ("unary_exp", 0.0),
        UnaryOp::Log => ("unary_log", 0.0),
        UnaryOp::Tanh => ("unary_tanh", 0.0),
        UnaryOp::Sigmoid => ("unary_sigmoid", 0.0),
        UnaryOp::Relu => ("unary_relu", 0.0),
        UnaryOp::Gelu => ("unary_gelu", 0.0),
        UnaryOp::Sqrt => ("unary_sqrt", 0.0),
        UnaryOp::Abs => ("unary_abs", 0.0),
        UnaryOp::Square => ("unary_square", 0.0),
        UnaryOp::Recip => ("unary_recip", 0.0),
        UnaryOp::Sin => ("unary_sin", 0.0),
        UnaryOp::Cos => ("unary_cos", 0.0),
        UnaryOp::Softplus => ("unary_softplus", 0.0),
        UnaryOp::Log1p => ("unary_log1p", 0.0),
        UnaryOp::Step => ("unary_step", 0.0),
        UnaryOp::Sign => ("unary_sign", 0.0),
        UnaryOp::Powf(p) => ("unary_powf", p),
        UnaryOp::LeakyRelu(s) => ("unary_leaky_relu", s),
        UnaryOp::Elu(a) => ("unary_elu", a),
    }
}

fn binary_kernel(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "binary_add",
        BinaryOp::Sub => "binary_sub",
        BinaryOp::Mul => "binary_mul",
        BinaryOp::Div => "binary_div",
        BinaryOp::Max => "binary_max",
        BinaryOp::Min => "binary_min",
        BinaryOp::Pow => "binary_pow",
    }
}

fn compare_kernel(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "compare_eq",
        CmpOp::Ne => "compare_ne",
        CmpOp::Lt => "compare_lt",
        CmpOp::Le => "compare_le",
        CmpOp::Gt => "compare_gt",
        CmpOp::Ge => "compare_ge",
    }
}

impl CudaBackend {
    pub(crate) fn unary_impl<T: Element>(
        &self,
        op: UnaryOp,
        x: &CudaBuf<T>,
        l: &Layout,
    ) -> Result<CudaBuf<T>> {
        check_view("unary", "x", l, x.len())?;
        let (name, p) = unary_kernel(op);
        let n = l.numel();
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("unary", l)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(n as i64),
                Arg::scalar(T::of(p)),
            ];
            // SAFETY: unary_OP_T(const T* x, Strided lx, T* out, i64 n, T p): the view is
            // inside x (check_view), out holds n elements.
            unsafe { self.launch(&kernel_name::<T>(name), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    /// A kernel `(const T* a, Strided la, const T* b, Strided lb, T* out, i64 n)`.
    fn two_operand<T: Element>(
        &self,
        op: &'static str,
        base: &str,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        check_same_shape(op, la, lb)?;
        check_view(op, "lhs", la, a.len())?;
        check_view(op, "rhs", lb, b.len())?;
        let n = la.numel();
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(a.device_ptr()),
                Arg::Strided(StridedArg::new(op, la)?),
                Arg::Ptr(b.device_ptr()),
                Arg::Strided(StridedArg::new(op, lb)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(n as i64),
            ];
            // SAFETY: both views are inside their buffers (check_view) and have n elements;
            // out holds n elements.
            unsafe { self.launch(&kernel_name::<T>(base), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn binary_impl<T: Element>(
        &self,
        op: BinaryOp,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.two_operand("binary", binary_kernel(op), a, la, b, lb)
    }

    pub(crate) fn compare_impl<T: Element>(
        &self,
        op: CmpOp,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        self.two_operand("compare", compare_kernel(op), a, la, b, lb)
    }

    pub(crate) fn select_impl<T: Element>(
        &self,
        c: &CudaBuf<T>,
        lc: &Layout,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        check_same_shape("select", lc, la)?;
        check_same_shape("select", lc, lb)?;
        check_view("select", "cond", lc, c.len())?;
        check_view("select", "a", la, a.len())?;
        check_view("select", "b", lb, b.len())?;
        let n = lc.numel();
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(c.device_ptr()),
                Arg::Strided(StridedArg::new("select", lc)?),
                Arg::Ptr(a.device_ptr()),
                Arg::Strided(StridedArg::new("select", la)?),
                Arg::Ptr(b.device_ptr()),
                Arg::Strided(StridedArg::new("select", lb)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(n as i64),
            ];
            // SAFETY: the three views are inside their buffers and have n elements; out holds n.
            unsafe { self.launch(&kernel_name::<T>("select"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }

    pub(crate) fn affine_impl<T: Element>(
        &self,
        x: &CudaBuf<T>,
        l: &Layout,
        mul: T,
        add: T,
    ) -> Result<CudaBuf<T>> {
        check_view("affine", "x", l, x.len())?;
        let n = l.numel();
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = [
                Arg::Ptr(x.device_ptr()),
                Arg::Strided(StridedArg::new("affine", l)?),
                Arg::Ptr(out.device_ptr()),
                Arg::I64(n as i64),
                Arg::scalar(mul),
                Arg::scalar(add),
            ];
            // SAFETY: affine_T(const T* x, Strided lx, T* out, i64 n, T mul, T add): the view
            // is inside x, out holds n elements.
            unsafe { self.launch(&kernel_name::<T>("affine"), grid_for(n, BLOCK), &mut args)? };
        }
        Ok(out)
    }
}
