//! [`MultiHeadAttention`]: scaled dot-product attention with several heads.

use super::dropout::{Dropout, Mode};
use super::linear::Linear;
use super::param::{prefixed, Module, Param};
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, rng::Philox, Device, Error, Result};

/// Multi-head attention (Vaswani et al. 2017) over inputs `[n, dim]` or `[batch, n, dim]`.
pub struct MultiHeadAttention<T: Float> {
    q: Linear<T>,
    k: Linear<T>,
    v: Linear<T>,
    out: Linear<T>,
    heads: usize,
    dropout: Dropout,
}

impl<T: Float> MultiHeadAttention<T> {
    /// `heads` heads over model width `dim` (`dim` divisible by `heads`), with attention
    /// dropout `dropout`.
    pub fn new(dim: usize, heads: usize, dropout: f64, rng: &mut Philox, device: Device) -> Result<Self> {
        if heads == 0 || !dim.is_multiple_of(heads) {
            return Err(Error::invalid(
                "MultiHeadAttention",
                format!("width {dim} is not divisible by {heads} heads"),
            ));
        }
        Ok(MultiHeadAttention {
            q: Linear::new(dim, dim, true, rng, device)?,
            k: Linear::new(dim, dim, true, rng, device)?,
            v: Linear::new(dim, dim, true, rng, device)?,
            out: Linear::new(dim, dim, true, rng, device)?,
            heads,
            dropout: Dropout::new(dropout, rng.next_u64())?,
        })
    }

    /// `[..., n, dim] -> [..., heads, n, dim / heads]`.
    fn split_heads(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let r = x.rank();
        let (n, d) = (x.shape()[r - 2], x.shape()[r - 1]);
        let mut shape = x.shape()[..r - 2].to_vec();
        shape.extend([n, self.heads, d / self.heads]);
        let mut perm: Vec<usize> = (0..r - 2).collect();
        perm.extend([r - 1, r - 2, r]);
        x.reshape(&shape)?.permute(&perm)
    }

    /// Attention of `query` `[..., n, dim]` over `key_value` `[..., m, dim]`; `mask`, if
    /// given, is added to the scores (`[n, m]` or broadcastable to `[..., heads, n, m]`; use
    /// large negative values to block).
    pub fn forward(
        &self,
        query: &Tensor<T>,
        key_value: &Tensor<T>,
        mask: Option<&Tensor<T>>,
        mode: Mode,
    ) -> Result<Tensor<T>> {
        let r = query.rank();
        if !(2..=3).contains(&r) || key_value.rank() != r {
            return Err(Error::shape(
                "MultiHeadAttention",
                format!(
                    "query {} and key/value {} must both be [n, dim] or [batch, n, dim]",
                    fmt_shape(query.shape()),
                    fmt_shape(key_value.shape())
                ),
            ));
        }
        let dh = self.q.output_dim() / self.heads;
        let q = self.split_heads(&self.q.forward(query)?)?;
        let k = self.split_heads(&self.k.forward(key_value)?)?;
        let v = self.split_heads(&self.v.forward(key_value)?)?;
        let mut scores = q.matmul(&k.t()?)?.mul_scalar(1.0 / (dh as f64).sqrt())?;
        if let Some(m) = mask {
            scores = scores.add(m)?;
        }
        let attn = self.dropout.forward(&scores.softmax(scores.rank() - 1)?, mode)?;
        let ctx = attn.matmul(&v)?; // [..., heads, n, dh]
        let rr = ctx.rank();
        let mut perm: Vec<usize> = (0..rr - 3).collect();
        perm.extend([rr - 2, rr - 3, rr - 1]);
        let merged = ctx.permute(&perm)?;
        let mut shape = merged.shape()[..rr - 2].to_vec();
        shape.push(self.q.output_dim());
        self.out.forward(&merged.reshape(&shape)?)
    }
}

impl<T: Float> Module<T> for MultiHeadAttention<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = prefixed("q", self.q.named_parameters());
        v.extend(prefixed("k", self.k.named_parameters()));
        v.extend(prefixed("v", self.v.named_parameters()));
        v.extend(prefixed("out", self.out.named_parameters()));
        v
    }
}
