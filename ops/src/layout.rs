//! Shapes and strided layouts. Views (transpose, permute, narrow, reshape of contiguous data,
//! broadcast) only change the layout; the storage is shared and nothing is copied.

use crate::error::{fmt_shape, Error, Result};
use smallvec::SmallVec;

/// A shape or a stride vector: up to 4 dimensions inline, more on the heap.
pub type Dims = SmallVec<[usize; 4]>;

/// Shape, strides (in elements) and offset of a view into a flat buffer.
///
/// A stride of 0 marks a broadcast dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    shape: Dims,
    strides: Dims,
    offset: usize,
}

/// Row-major strides of a contiguous tensor of `shape`.
pub fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut strides: Dims = smallvec::smallvec![0; shape.len()];
    let mut acc = 1;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i];
    }
    strides
}

/// The broadcast of two shapes (numpy rules), or a shape error naming `op`.
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Dims> {
    let rank = a.len().max(b.len());
    let mut out: Dims = smallvec::smallvec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::shape(
                op,
                format!(
                    "shapes {} and {} do not broadcast (dim {i}: {da} vs {db})",
                    fmt_shape(a),
                    fmt_shape(b)
                ),
            ));
        };
    }
    Ok(out)
}

impl Layout {
    /// A contiguous row-major layout of `shape`.
    pub fn contiguous(shape: &[usize]) -> Self {
        Layout { shape: shape.into(), strides: contiguous_strides(shape), offset: 0 }
    }

    /// A layout from explicit parts (checked by [`Layout::max_offset`] users).
    pub fn from_parts(shape: Dims, strides: Dims, offset: usize) -> Self {
        debug_assert_eq!(shape.len(), strides.len());
        Layout { shape, strides, offset }
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The strides, in elements.
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }
    /// Offset of the first element in the buffer.
    pub fn offset(&self) -> usize {
        self.offset
    }
    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the elements are laid out row-major without gaps (offset may be non-zero).
    pub fn is_contiguous(&self) -> bool {
        let mut acc = 1;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] != 1 && self.strides[i] != acc {
                return false;
            }
            acc *= self.shape[i];
        }
        true
    }

    /// The buffer range `offset..end` this view touches when contiguous.
    pub fn contiguous_range(&self) -> Option<std::ops::Range<usize>> {
        self.is_contiguous().then(|| self.offset..self.offset + self.numel())
    }

    /// One past the largest buffer index this view can touch (0 for an empty view).
    pub fn max_offset(&self) -> usize {
        if self.numel() == 0 {
            return 0;
        }
        self.offset + self.shape.iter().zip(&self.strides).map(|(d, s)| (d - 1) * s).sum::<usize>() + 1
    }

    fn check_axis(&self, op: &'static str, axis: usize) -> Result<()> {
        if axis >= self.rank() {
            return Err(Error::index(
                op,
                format!(
                    "axis {axis} for a tensor of rank {} (shape {})",
                    self.rank(),
                    fmt_shape(&self.shape)
                ),
            ));
        }
        Ok(())
    }

    /// Swaps two axes (a view).
    pub fn transpose(&self, a: usize, b: usize) -> Result<Self> {
        self.check_axis("transpose", a)?;
        self.check_axis("transpose", b)?;
        let mut l = self.clone();
        l.shape.swap(a, b);
        l.strides.swap(a, b);
        Ok(l)
    }

    /// Reorders the axes: output axis `i` is input axis `perm[i]` (a view).
    pub fn permute(&self, perm: &[usize]) -> Result<Self> {
        let mut seen: Dims = smallvec::smallvec![0; self.rank()];
        if perm.len() != self.rank()
            || perm.iter().any(|&p| p >= self.rank() || std::mem::replace(&mut seen[p], 1) == 1)
        {
            return Err(Error::shape(
                "permute",
                format!(
                    "{perm:?} is not a permutation of the {} axes of {}",
                    self.rank(),
                    fmt_shape(&self.shape)
                ),
            ));
        }
        Ok(Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        })
    }

    /// The sub-range `start..start + len` of `axis` (a view).
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Self> {
        self.check_axis("narrow", axis)?;
        if start + len > self.shape[axis] {
            return Err(Error::index(
                "narrow",
                format!(
                    "range {start}..{} on axis {axis} of length {} (shape {})",
                    start + len,
                    self.shape[axis],
                    fmt_shape(&self.shape)
                ),
            ));
        }
        let mut l = self.clone();
        l.offset += start * self.strides[axis];
        l.shape[axis] = len;
        Ok(l)
    }

    /// A new shape with the same number of elements; `None` when the view is not contiguous
    /// (the caller then copies first).
    pub fn reshape(&self, shape: &[usize]) -> Result<Option<Self>> {
        let n: usize = shape.iter().product();
        if n != self.numel() {
            return Err(Error::shape(
                "reshape",
                format!(
                    "cannot reshape {} ({} elements) into {} ({n} elements)",
                    fmt_shape(&self.shape),
                    self.numel(),
                    fmt_shape(shape)
                ),
            ));
        }
        if !self.is_contiguous() {
            return Ok(None);
        }
        Ok(Some(Layout { shape: shape.into(), strides: contiguous_strides(shape), offset: self.offset }))
    }

    /// Broadcasts to `shape` (numpy rules: new leading axes, size-1 axes stretched) as a view.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Self> {
        if shape.len() < self.rank() {
            return Err(Error::shape(
                "broadcast_to",
                format!("cannot broadcast {} to lower rank {}", fmt_shape(&self.shape), fmt_shape(shape)),
            ));
        }
        let lead = shape.len() - self.rank();
        let mut strides: Dims = smallvec::smallvec![0; shape.len()];
        for i in 0..self.rank() {
            let (d, target) = (self.shape[i], shape[lead + i]);
            if d == target {
                strides[lead + i] = self.strides[i];
            } else if d != 1 {
                return Err(Error::shape(
                    "broadcast_to",
                    format!(
                        "cannot broadcast {} to {} (dim {i}: {d} vs {target})",
                        fmt_shape(&self.shape),
                        fmt_shape(shape)
                    ),
                ));
            }
        }
        Ok(Layout { shape: shape.into(), strides, offset: self.offset })
    }

    /// Splits the shape around `axis` into `(outer, len, inner)` element counts.
    pub fn split_at_axis(&self, axis: usize) -> (usize, usize, usize) {
        let outer = self.shape[..axis].iter().product();
        let inner = self.shape[axis + 1..].iter().product();
        (outer, self.shape[axis], inner)
    }

    /// Calls `f` with the buffer offset of every element, in row-major order.
    #[inline]
    pub fn for_each_offset(&self, mut f: impl FnMut(usize)) {
        let n = self.numel();
        if n == 0 {
            return;
        }
        let rank = self.rank();
        if rank == 0 {
            f(self.offset);
            return;
        }
        let last = rank - 1;
        let (len, st) = (self.shape[last], self.strides[last]);
        let mut idx: Dims = smallvec::smallvec![0; rank];
        let mut base = self.offset;
        loop {
            for j in 0..len {
                f(base + j * st);
            }
            // advance the outer index
            let mut d = last;
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                idx[d] += 1;
                base += self.strides[d];
                if idx[d] < self.shape[d] {
                    break;
                }
                base -= self.strides[d] * self.shape[d];
                idx[d] = 0;
            }
        }
    }

    /// The buffer offset of each row of the last axis, for row-wise kernels: returns
    /// `(row_offsets, row_len, row_stride)`.
    pub fn rows(&self) -> (Vec<usize>, usize, usize) {
        if self.rank() == 0 {
            return (vec![self.offset], 1, 1);
        }
        let last = self.rank() - 1;
        let outer = Layout {
            shape: self.shape[..last].into(),
            strides: self.strides[..last].into(),
            offset: self.offset,
        };
        let mut offs = Vec::with_capacity(outer.numel());
        outer.for_each_offset(|o| offs.push(o));
        (offs, self.shape[last], self.strides[last])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_and_iterate() {
        let l = Layout::contiguous(&[2, 3]).transpose(0, 1).unwrap();
        let mut v = vec![];
        l.for_each_offset(|o| v.push(o));
        assert_eq!(v, vec![0, 3, 1, 4, 2, 5]);
        assert!(!l.is_contiguous());
    }

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast_shapes("t", &[3, 1], &[4]).unwrap().as_slice(), &[3, 4]);
        assert!(broadcast_shapes("t", &[3, 2], &[4]).is_err());
        let l = Layout::contiguous(&[3, 1]).broadcast_to(&[2, 3, 4]).unwrap();
        assert_eq!(l.strides(), &[0, 1, 0]);
    }

    #[test]
    fn narrow_and_reshape() {
        let l = Layout::contiguous(&[4, 5]).narrow(0, 1, 2).unwrap();
        assert_eq!(l.offset(), 5);
        assert!(l.is_contiguous());
        assert_eq!(l.reshape(&[10]).unwrap().unwrap().shape(), &[10]);
        let n = Layout::contiguous(&[4, 5]).narrow(1, 1, 2).unwrap();
        assert!(n.reshape(&[8]).unwrap().is_none());
        assert!(Layout::contiguous(&[4, 5]).narrow(1, 4, 2).is_err());
    }

    #[test]
    fn empty_and_scalar() {
        let mut c = 0;
        Layout::contiguous(&[0, 3]).for_each_offset(|_| c += 1);
        assert_eq!(c, 0);
        Layout::contiguous(&[]).for_each_offset(|_| c += 1);
        assert_eq!(c, 1);
    }
}
