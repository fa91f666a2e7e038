//! Reductions along an axis, softmax / log-softmax, argmax, and `sum_to` (the adjoint of
//! broadcasting).

use crate::dispatch::on_device;
use crate::index::Indices;
use crate::tensor::Tensor;
use crate::Float;
use smallvec::smallvec;
use std::sync::Arc;
use weft_ops::{error::fmt_shape, Backend, CmpOp, Error, ReduceOp, Result};

impl<T: Float> Tensor<T> {
    fn check_reduce_axis(&self, op: &'static str, axis: usize, nonempty: bool) -> Result<()> {
        if axis >= self.rank() {
            return Err(Error::index(
                op,
                format!(
                    "axis {axis} for a tensor of rank {} (shape {})",
                    self.rank(),
                    fmt_shape(self.shape())
                ),
            ));
        }
        if nonempty && self.shape()[axis] == 0 {
            return Err(Error::shape(op, format!("axis {axis} of {} is empty", fmt_shape(self.shape()))));
        }
        Ok(())
    }

    fn reduce_raw(&self, op: ReduceOp, axis: usize) -> Result<Self> {
        let s = on_device!(self, |b, x| b.reduce(op, x, &self.layout, axis))?;
        let mut shape = self.shape().to_vec();
        shape.remove(axis);
        Ok(Self::from_storage(s, &shape))
    }

    /// `g` (reduced over `axis`) expanded back to this tensor's shape, as a view.
    fn expand_back(&self, g: &Self, axis: usize) -> Result<Self> {
        g.unsqueeze(axis)?.broadcast_to(self.shape())
    }

    /// Sum over `axis` (removed from the shape).
    pub fn sum(&self, axis: usize) -> Result<Self> {
        self.check_reduce_axis("sum", axis, false)?;
        let out = self.reduce_raw(ReduceOp::Sum, axis)?;
        let x = self.detach();
        Ok(out.record(&[self], move |g, _| Ok(smallvec![Some(x.expand_back(g, axis)?)])))
    }

    /// Mean over `axis` (removed from the shape).
    pub fn mean(&self, axis: usize) -> Result<Self> {
        self.check_reduce_axis("mean", axis, true)?;
        let out = self.reduce_raw(ReduceOp::Mean, axis)?;
        let x = self.detach();
        let inv = T::of(1.0 / self.shape()[axis] as f64);
        Ok(out.record(&[self], move |g, _| {
            Ok(smallvec![Some(x.expand_back(&g.affine_raw(inv, T::zero())?, axis)?)])
        }))
    }

    /// Maximum over `axis` (the gradient is split evenly among tied maximal elements, so it
    /// stays a valid subgradient).
    pub fn max(&self, axis: usize) -> Result<Self> {
        self.axis_extremum(axis, ReduceOp::Max, "max")
    }

    /// Minimum over `axis` (the gradient is split evenly among tied minimal elements).
    pub fn min(&self, axis: usize) -> Result<Self> {
        self.axis_extremum(axis, ReduceOp::Min, "min")
    }

    fn axis_extremum(&self, axis: usize, op: ReduceOp, name: &'static str) -> Result<Self> {
        self.check_reduce_axis(name, axis, true)?;
        let out = self.reduce_raw(op, axis)?;
        let (x, y) = (self.detach(), out.clone());
        Ok(out.record(&[self], move |g, _| {
            let mask = x.compare(CmpOp::Eq, &x.expand_back(&y, axis)?)?;
            let share = g.div(&mask.sum(axis)?)?;
            Ok(smallvec![Some(mask.mul(&x.expand_back(&share, axis)?)?)])
        }))
    }

    /// `log(sum(exp(x)))` over `axis`, stable.
    pub fn logsumexp(&self, axis: usize) -> Result<Self> {
        self.check_reduce_axis("logsumexp", axis, false)?;
        let out = self.reduce_raw(ReduceOp::LogSumExp, axis)?;
        let (x, y) = (self.detach(), out.clone());
        Ok(out.record(&[self], move |g, _| {
            let p = x.sub(&x.expand_back(&y, axis)?)?.exp()?;
            Ok(smallvec![Some(p.mul(&x.expand_back(g, axis)?)?)])
        }))
    }

    /// Sum over `axis`, keeping it with length 1.
    pub fn sum_keepdim(&self, axis: usize) -> Result<Self> {
        self.sum(axis)?.unsqueeze(axis)
    }

    /// Mean over `axis`, keeping it with length 1.
    pub fn mean_keepdim(&self, axis: usize) -> Result<Self> {
        self.mean(axis)?.unsqueeze(axis)
    }

    /// Sum of all elements (a 0-d tensor).
    pub fn sum_all(&self) -> Result<Self> {
        self.reshape(&[self.numel()])?.sum(0)
    }

    /// Mean of all elements (a 0-d tensor).
    pub fn mean_all(&self) -> Result<Self> {
        self.reshape(&[self.numel()])?.mean(0)
    }

    /// Index of the first maximum along `axis` (not differentiable), on this tensor's device.
    pub fn argmax(&self, axis: usize) -> Result<Indices> {
        self.check_reduce_axis("argmax", axis, true)?;
        let idx = self.storage.argmax(&self.layout, axis)?;
        Ok(Indices::from_storage(Arc::new(idx)))
    }

    /// Softmax along `axis`.
    pub fn softmax(&self, axis: usize) -> Result<Self> {
        self.check_reduce_axis("softmax", axis, false)?;
        let s = on_device!(self, |b, x| b.softmax(x, &self.layout, axis, false))?;
        let out = Self::from_storage(s, self.shape());
        let y = out.clone();
        Ok(out.record(&[self], move |g, _| {
            let dot = g.mul(&y)?.sum_keepdim(axis)?;
            Ok(smallvec![Some(y.mul(&g.sub(&dot)?)?)])
        }))
    }

    /// Log-softmax along `axis`.
    pub fn log_softmax(&self, axis: usize) -> Result<Self> {
        self.check_reduce_axis("log_softmax", axis, false)?;
        let s = on_device!(self, |b, x| b.softmax(x, &self.layout, axis, true))?;
        let out = Self::from_storage(s, self.shape());
        let y = out.clone();
        Ok(out.record(&[self], move |g, _| {
            let total = g.sum_keepdim(axis)?;
            Ok(smallvec![Some(g.sub(&y.exp()?.mul(&total)?)?)])
        }))
    }

    /// Sums broadcast dimensions away so the result has `shape` (the adjoint of
    /// `broadcast_to(shape)`).
    pub fn sum_to(&self, shape: &[usize]) -> Result<Self> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        if shape.len() > self.rank() {
            return Err(Error::shape(
                "sum_to",
                format!("cannot sum {} to higher rank {}", fmt_shape(self.shape()), fmt_shape(shape)),
            ));
        }
        let mut t = self.clone();
        for _ in 0..self.rank() - shape.len() {
            t = t.sum(0)?;
        }
        for (i, &d) in shape.iter().enumerate() {
            if d == 1 && t.shape()[i] != 1 {
                t = t.sum_keepdim(i)?;
            } else if d != t.shape()[i] {
                return Err(Error::shape(
                    "sum_to",
                    format!("cannot sum {} to {}", fmt_shape(self.shape()), fmt_shape(shape)),
                ));
            }
        }
        Ok(t)
    }
}
