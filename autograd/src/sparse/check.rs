//! Operand validation shared by the sparse primitives: errors name the op, the operand, the
//! pattern's dimensions and the offending shape.

use super::csr_matrix::CsrMatrix;
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, Device, Error, Result};

/// Errors unless `t` lives on the pattern's device.
pub(crate) fn device<T: Float>(op: &'static str, a: &CsrMatrix, t: &Tensor<T>) -> Result<()> {
    same(op, a.device(), t.device())
}

/// Errors unless two devices are the same.
pub(crate) fn same(op: &'static str, lhs: Device, rhs: Device) -> Result<()> {
    if lhs != rhs {
        return Err(Error::DeviceMismatch { op, lhs: lhs.to_string(), rhs: rhs.to_string() });
    }
    Ok(())
}

/// Checks a dense operand `[rows, F]` of a sparse `[n_rows, n_cols]` pattern; returns `F`.
pub(crate) fn dense<T: Float>(
    op: &'static str,
    what: &str,
    a: &CsrMatrix,
    t: &Tensor<T>,
    rows: usize,
) -> Result<usize> {
    device(op, a, t)?;
    match t.shape() {
        [r, f] if *r == rows => Ok(*f),
        s => Err(Error::shape(
            op,
            format!(
                "{what} has shape {}, expected [{rows}, F] for a sparse [{}, {}] matrix",
                fmt_shape(s),
                a.n_rows(),
                a.n_cols()
            ),
        )),
    }
}

/// Checks per-edge values `[nnz]` or `[nnz, H]` of `a`; returns `H` (1 for `[nnz]`).
pub(crate) fn edge_values<T: Float>(
    op: &'static str,
    what: &str,
    a: &CsrMatrix,
    v: &Tensor<T>,
) -> Result<usize> {
    device(op, a, v)?;
    let nnz = a.nnz();
    let heads = match v.shape() {
        [n] if *n == nnz => 1,
        [n, h] if *n == nnz && *h > 0 => *h,
        s => {
            return Err(Error::shape(
                op,
                format!(
                    "{what} have shape {}, expected [{nnz}] or [{nnz}, heads] (nnz of the sparse [{}, {}] matrix)",
                    fmt_shape(s),
                    a.n_rows(),
                    a.n_cols()
                ),
            ))
        }
    };
    Ok(heads)
}

/// Errors unless `heads` is positive and divides the dense width `f`.
pub(crate) fn heads_divide(op: &'static str, heads: usize, f: usize, what: &str) -> Result<()> {
    if heads == 0 || !f.is_multiple_of(heads) {
        return Err(Error::shape(
            op,
            format!("{heads} heads do not divide the {f} columns of {what} (F must be a positive multiple of heads)"),
        ));
    }
    Ok(())
}
