//! Gathers and scatter-adds along an axis with [`Indices`].

use crate::dispatch::{on_device2_idx, on_device_idx};
use crate::index::Indices;
use crate::tensor::{same_device, Tensor};
use crate::Float;
use smallvec::smallvec;
use weft_ops::{error::fmt_shape, Backend, Error, Result};

impl<T: Float> Tensor<T> {
    fn check_idx_axis(&self, op: &'static str, axis: usize, idx: &Indices) -> Result<()> {
        if axis >= self.rank() {
            return Err(Error::index(op, format!("axis {axis} for a tensor of rank {}", self.rank())));
        }
        if idx.device() != self.device() {
            return Err(Error::DeviceMismatch {
                op,
                lhs: self.device().to_string(),
                rhs: idx.device().to_string(),
            });
        }
        idx.check_bound(op, self.shape()[axis], &format!("axis {axis} of {}", fmt_shape(self.shape())))
    }

    /// Gathers the slices `idx[i]` along `axis` (repeats allowed).
    pub fn index_select(&self, axis: usize, idx: &Indices) -> Result<Self> {
        self.check_idx_axis("index_select", axis, idx)?;
        let s = on_device_idx!("index_select", self, idx, |b, x, i| b.index_select(
            x,
            &self.layout,
            axis,
            i,
            idx.len()
        ))?;
        let mut shape = self.shape().to_vec();
        shape[axis] = idx.len();
        let out = Self::from_storage(s, &shape);
        let (full, idx) = (self.shape().to_vec(), idx.clone());
        Ok(out.record(&[self], move |g, _| {
            Ok(smallvec![Some(Tensor::zeros(&full, g.device())?.index_add(axis, &idx, g)?)])
        }))
    }

    /// Gathers rows: `index_select(0, idx)`.
    pub fn rows(&self, idx: &Indices) -> Result<Self> {
        self.index_select(0, idx)
    }

    /// A copy of `self` with slice `i` of `src` along `axis` added into slice `idx[i]`
    /// (scatter-add; repeated indices accumulate).
    pub fn index_add(&self, axis: usize, idx: &Indices, src: &Self) -> Result<Self> {
        self.check_idx_axis("index_add", axis, idx)?;
        same_device("index_add", self, src)?;
        let mut expect = self.shape().to_vec();
        expect[axis] = idx.len();
        if src.shape() != expect.as_slice() {
            return Err(Error::shape(
                "index_add",
                format!(
                    "source {} does not fit {} indices into {} along axis {axis} (expected {})",
                    fmt_shape(src.shape()),
                    idx.len(),
                    fmt_shape(self.shape()),
                    fmt_shape(&expect)
                ),
            ));
        }
        let dst = self.contiguous()?.detach();
        let storage = on_device2_idx!("index_add", dst, src, idx, |b, d, s, i| b.index_add(
            d,
            dst.shape(),
            axis,
            i,
            idx.len(),
            s,
            &src.layout
        ))?;
        let out = Self::from_storage(storage, self.shape());
        let idx = idx.clone();
        Ok(out.record(&[self, src], move |g, need| {
            Ok(smallvec![
                need[0].then(|| g.clone()),
                if need[1] { Some(g.index_select(axis, &idx)?) } else { None }
            ])
        }))
    }
}
