//! Views and shape ops: reshape, transpose, permute, narrow, broadcast, (un)squeeze, concat,
//! stack. Views share storage; only `reshape` of non-contiguous data and `concat` copy.

use crate::tensor::{same_device, Tensor};
use crate::Float;
use smallvec::{smallvec, SmallVec};
use weft_ops::{error::fmt_shape, Error, Layout, Result};

impl<T: Float> Tensor<T> {
    fn view(&self, layout: Layout, backward: impl FnOnce(&Tensor<T>) -> Result<Tensor<T>> + 'static) -> Self {
        self.with_layout(layout).record(&[self], move |g, _| Ok(smallvec![Some(backward(g)?)]))
    }

    /// The same elements with a new shape (a view when contiguous, else a copy).
    pub fn reshape(&self, shape: &[usize]) -> Result<Self> {
        let original = self.shape().to_vec();
        let back = move |g: &Tensor<T>| g.reshape(&original);
        match self.layout.reshape(shape)? {
            Some(l) => Ok(self.view(l, back)),
            None => {
                let c = self.contiguous()?;
                let l = c.layout.reshape(shape)?.expect("a contiguous layout reshapes as a view");
                Ok(c.view(l, back))
            }
        }
    }

    /// All elements as one dimension.
    pub fn flatten(&self) -> Result<Self> {
        self.reshape(&[self.numel()])
    }

    /// Swaps axes `a` and `b` (a view).
    pub fn transpose(&self, a: usize, b: usize) -> Result<Self> {
        let l = self.layout.transpose(a, b)?;
        Ok(self.view(l, move |g| g.transpose(a, b)))
    }

    /// Swaps the last two axes (a view); the tensor must have rank >= 2.
    pub fn t(&self) -> Result<Self> {
        if self.rank() < 2 {
            return Err(Error::shape("t", format!("needs rank >= 2, got {}", fmt_shape(self.shape()))));
        }
        self.transpose(self.rank() - 2, self.rank() - 1)
    }

    /// Reorders the axes: output axis `i` is input axis `perm[i]` (a view).
    pub fn permute(&self, perm: &[usize]) -> Result<Self> {
        let l = self.layout.permute(perm)?;
        let mut inverse = vec![0; perm.len()];
        perm.iter().enumerate().for_each(|(i, &p)| inverse[p] = i);
        Ok(self.view(l, move |g| g.permute(&inverse)))
    }

    /// Elements `start..start + len` of `axis` (a view).
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Self> {
        let l = self.layout.narrow(axis, start, len)?;
        let full = self.shape().to_vec();
        Ok(self.view(l, move |g| {
            let zeros = |n: usize| -> Result<Tensor<T>> {
                let mut s = full.clone();
                s[axis] = n;
                Tensor::zeros(&s, g.device())
            };
            let (before, after) = (zeros(start)?, zeros(full[axis] - start - len)?);
            // Zero-length pads are left out; `g` always stays (concat needs one part).
            let parts: SmallVec<[&Tensor<T>; 3]> = [&before, g, &after]
                .into_iter()
                .filter(|t| std::ptr::eq(*t, g) || t.shape()[axis] > 0)
                .collect();
            Tensor::concat(&parts, axis)
        }))
    }

    /// Broadcasts to `shape` with numpy rules (a view).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Self> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let l = self.layout.broadcast_to(shape)?;
        let original = self.shape().to_vec();
        Ok(self.view(l, move |g| g.sum_to(&original)))
    }

    /// Inserts an axis of length 1 at `axis` (a view).
    pub fn unsqueeze(&self, axis: usize) -> Result<Self> {
        if axis > self.rank() {
            return Err(Error::index(
                "unsqueeze",
                format!(
                    "axis {axis} for a tensor of rank {} (shape {})",
                    self.rank(),
                    fmt_shape(self.shape())
                ),
            ));
        }
        let mut shape: weft_ops::Dims = self.shape().into();
        let mut strides: weft_ops::Dims = self.layout.strides().into();
        shape.insert(axis, 1);
        strides.insert(axis, 0);
        let l = Layout::from_parts(shape, strides, self.layout.offset());
        Ok(self.view(l, move |g| g.squeeze(axis)))
    }

    /// Removes the length-1 axis `axis` (a view).
    pub fn squeeze(&self, axis: usize) -> Result<Self> {
        if self.shape().get(axis) != Some(&1) {
            return Err(Error::shape(
                "squeeze",
                format!("axis {axis} of {} does not have length 1", fmt_shape(self.shape())),
            ));
        }
        let mut shape: weft_ops::Dims = self.shape().into();
        let mut strides: weft_ops::Dims = self.layout.strides().into();
        shape.remove(axis);
        strides.remove(axis);
        let l = Layout::from_parts(shape, strides, self.layout.offset());
        Ok(self.view(l, move |g| g.unsqueeze(axis)))
    }

    /// Concatenates tensors along `axis` (all other dimensions equal).
    pub fn concat(parts: &[&Tensor<T>], axis: usize) -> Result<Self> {
        let first = parts.first().ok_or_else(|| Error::invalid("concat", "no tensors to concatenate"))?;
        if axis >= first.rank() {
            return Err(Error::index("concat", format!("axis {axis} for rank {}", first.rank())));
        }
        for p in parts {
            same_device("concat", first, p)?;
            let ok = p.rank() == first.rank()
                && p.shape().iter().zip(first.shape()).enumerate().all(|(i, (a, b))| i == axis || a == b);
            if !ok {
                return Err(Error::shape(
                    "concat",
                    format!(
                        "shapes {} and {} differ outside axis {axis}",
                        fmt_shape(first.shape()),
                        fmt_shape(p.shape())
                    ),
                ));
            }
        }
        let mut shape = first.shape().to_vec();
        shape[axis] = parts.iter().map(|p| p.shape()[axis]).sum();
        let views: Vec<_> = parts.iter().map(|p| (&*p.storage, &p.layout)).collect();
        let storage = crate::storage::Storage::concat("concat", &views, axis)?;
        let out = Self::from_storage(storage, &shape);
        let lens: Vec<usize> = parts.iter().map(|p| p.shape()[axis]).collect();
        Ok(out.record(parts, move |g, need| {
            let mut start = 0;
            let mut grads = SmallVec::new();
            for (&len, &n) in lens.iter().zip(need) {
                grads.push(if n { Some(g.narrow(axis, start, len)?) } else { None });
                start += len;
            }
            Ok(grads)
        }))
    }

    /// Stacks same-shape tensors along a new axis `axis`.
    pub fn stack(parts: &[&Tensor<T>], axis: usize) -> Result<Self> {
        let expanded = parts.iter().map(|p| p.unsqueeze(axis)).collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor<T>> = expanded.iter().collect();
        Self::concat(&refs, axis)
    }
}
