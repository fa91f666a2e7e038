//! [`Features`]: node features held dense or sparse, and [`Project`], the `X W` every model
//! starts with.
//!
//! Bag-of-words features (Cora: 1,433 columns, 1.3% non-zero) are far cheaper as a sparse
//! matrix: the first layer's `X W` is then an SpMM over the stored entries, and input dropout
//! touches only those entries (dropping a zero changes nothing, so this is exactly dense
//! dropout).

use crate::sparse::SparseTensor;
use weft_autograd::nn::{Dropout, Linear, Mode};
use weft_autograd::{Float, Tensor};
use weft_ops::{Error, Result};

/// Node features `[n, f]`, dense or sparse.
#[derive(Clone, Debug)]
pub enum Features<T: Float> {
    /// A dense `[n, f]` tensor.
    Dense(Tensor<T>),
    /// A sparse `[n, f]` matrix (values not differentiated).
    Sparse(SparseTensor<T>),
}

impl<T: Float> Features<T> {
    /// Number of nodes (rows).
    pub fn num_rows(&self) -> usize {
        match self {
            Features::Dense(x) => x.shape().first().copied().unwrap_or(0),
            Features::Sparse(x) => x.pattern.n_rows(),
        }
    }

    /// Number of features (columns).
    pub fn num_cols(&self) -> usize {
        match self {
            Features::Dense(x) => x.shape().get(1).copied().unwrap_or(0),
            Features::Sparse(x) => x.pattern.n_cols(),
        }
    }

    /// Dropout of the stored entries in [`Mode::Train`]; the identity in [`Mode::Eval`].
    pub fn dropout(&self, dropout: &Dropout, mode: Mode) -> Result<Self> {
        if mode == Mode::Eval || dropout.p() == 0.0 {
            return Ok(self.clone());
        }
        Ok(match self {
            Features::Dense(x) => Features::Dense(dropout.forward(x, mode)?),
            Features::Sparse(x) => {
                Features::Sparse(dropout.with_rng(|rng| x.dropout_values(dropout.p(), rng))?)
            }
        })
    }

    /// The features as a dense `[n, f]` tensor (a copy for sparse features).
    pub fn to_dense(&self) -> Result<Tensor<T>> {
        match self {
            Features::Dense(x) => Ok(x.clone()),
            Features::Sparse(x) => {
                let p = x.pattern.pattern();
                let dense = p.to_dense(Some(&x.values.to_vec()?))?;
                Tensor::from_vec(dense, &[p.n_rows(), p.n_cols()])?.to_device(x.values.device())
            }
        }
    }
}

/// Something that can be multiplied by a weight matrix: a dense tensor or [`Features`].
pub trait Project<T: Float> {
    /// `self W` for `W` `[f, out]`: `[n, out]`.
    fn project(&self, w: &Tensor<T>) -> Result<Tensor<T>>;
    /// Number of rows.
    fn rows_count(&self) -> usize;
    /// Number of columns (input width).
    fn width(&self) -> usize;
}

impl<T: Float> Project<T> for Tensor<T> {
    fn project(&self, w: &Tensor<T>) -> Result<Tensor<T>> {
        self.matmul(w)
    }
    fn rows_count(&self) -> usize {
        self.shape().first().copied().unwrap_or(0)
    }
    fn width(&self) -> usize {
        self.shape().get(1).copied().unwrap_or(0)
    }
}

impl<T: Float> Project<T> for Features<T> {
    fn project(&self, w: &Tensor<T>) -> Result<Tensor<T>> {
        match self {
            Features::Dense(x) => x.matmul(w),
            Features::Sparse(x) => {
                if w.shape().first() != Some(&x.pattern.n_cols()) {
                    return Err(Error::shape(
                        "Features::project",
                        format!(
                            "sparse features with {} columns times a weight {:?}",
                            x.pattern.n_cols(),
                            w.shape()
                        ),
                    ));
                }
                x.matmul(w)
            }
        }
    }
    fn rows_count(&self) -> usize {
        self.num_rows()
    }
    fn width(&self) -> usize {
        self.num_cols()
    }
}

/// `x W + b` for a [`Linear`] layer on any [`Project`] input (dense or sparse features).
pub fn linear_on<T: Float, X: Project<T> + ?Sized>(lin: &Linear<T>, x: &X) -> Result<Tensor<T>> {
    check_width("linear", lin.input_dim(), x.width())?;
    let y = x.project(&lin.weight.value())?;
    match &lin.bias {
        Some(b) => y.add(&b.value()),
        None => Ok(y),
    }
}

/// Errors unless an input of width `got` fits a layer expecting `expected`.
pub(crate) fn check_width(op: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::shape(op, format!("input has {got} features, the layer expects {expected}")));
    }
    Ok(())
}
