//! Launch helpers shared by the op families: kernel names, grid sizes, view checks, and the
//! adaptation of strided operands to kernels that take contiguous buffers.

use super::{CudaBackend, MAX_GRID};
use crate::api::LaunchConfig;
use crate::buffer::CudaBuf;
use weft_ops::backend::EdgeVals;
use weft_ops::{Element, Error, Layout, Result};

/// `base_f32` or `base_f64`: the instantiation of a templated kernel for `T`.
pub(crate) fn kernel_name<T: Element>(base: &str) -> String {
    format!("{base}_{}", T::DTYPE.name())
}

/// A grid-stride launch over `n` items.
pub(crate) fn grid_for(n: usize, block: u32) -> LaunchConfig {
    let blocks = n.div_ceil(block as usize).clamp(1, MAX_GRID as usize) as u32;
    LaunchConfig::linear(blocks, block, 0)
}

/// Checks that the view `l` stays inside a buffer of `len` elements.
pub(crate) fn check_view(op: &'static str, what: &str, l: &Layout, len: usize) -> Result<()> {
    if l.max_offset() > len {
        return Err(Error::index(
            op,
            format!(
                "{what}: view of shape {:?} strides {:?} offset {} reaches element {} of a buffer of {len}",
                l.shape(),
                l.strides(),
                l.offset(),
                l.max_offset() - 1
            ),
        ));
    }
    Ok(())
}

/// Checks that `a` and `b` have the same shape.
pub(crate) fn check_same_shape(op: &'static str, a: &Layout, b: &Layout) -> Result<()> {
    if a.shape() != b.shape() {
        return Err(Error::shape(op, format!("operands of shapes {:?} and {:?}", a.shape(), b.shape())));
    }
    Ok(())
}

/// Number of columns of a rank-2 operand.
pub(super) fn matrix_width(op: &'static str, l: &Layout) -> Result<usize> {
    match l.shape() {
        [_, w] => Ok(*w),
        s => Err(Error::shape(op, format!("dense operand of shape {s:?} is not a matrix"))),
    }
}

/// Runs `f` with a whole-buffer contiguous version of the view `l` of `x` (`x` itself when the
/// view already is all of it, in order; else a copy).
pub(super) fn with_contiguous<T: Element, R>(
    be: &CudaBackend,
    x: &CudaBuf<T>,
    l: &Layout,
    f: impl FnOnce(&CudaBuf<T>) -> Result<R>,
) -> Result<R> {
    if l.is_contiguous() && l.offset() == 0 && x.len() == l.numel() {
        return f(x);
    }
    f(&be.copy_contiguous_impl(x, l)?)
}

/// Edge values as the kernels take them, `(contiguous buffer, heads)`; `copy` keeps the
/// contiguous copy of a view that needed one.
pub(super) fn contiguous_vals<'a, T: Element>(
    be: &CudaBackend,
    vals: EdgeVals<'a, CudaBuf<T>>,
    copy: &'a mut Option<CudaBuf<T>>,
) -> Result<Option<(&'a CudaBuf<T>, usize)>> {
    let Some((v, l, h)) = vals else { return Ok(None) };
    if l.is_contiguous() && l.offset() == 0 && v.len() == l.numel() {
        return Ok(Some((v, h)));
    }
    Ok(Some((copy.insert(be.copy_contiguous_impl(v, l)?), h)))
}
