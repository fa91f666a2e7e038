//! Matrix products and the dense linear algebra GPs need: Cholesky and triangular solves,
//! all differentiable.

use crate::dispatch::{on_device, on_device2};
use crate::tensor::{same_device, Tensor};
use crate::Float;
use smallvec::smallvec;
use weft_ops::{broadcast_shapes, error::fmt_shape, Backend, Device, Error, Result};

/// Which entries of an `n x n` matrix a triangular mask keeps.
#[derive(Clone, Copy)]
enum Part {
    /// `i > j`.
    StrictLower,
    /// `i >= j`.
    Lower,
    /// `i <= j`.
    Upper,
    /// `i == j`.
    Diagonal,
}

fn mask<T: Float>(n: usize, part: Part, device: Device) -> Result<Tensor<T>> {
    let keep = |i: usize, j: usize| match part {
        Part::StrictLower => i > j,
        Part::Lower => i >= j,
        Part::Upper => i <= j,
        Part::Diagonal => i == j,
    };
    let v = (0..n * n).map(|k| if keep(k / n, k % n) { T::one() } else { T::zero() }).collect();
    Tensor::from_vec(v, &[n, n])?.to_device(device)
}

impl<T: Float> Tensor<T> {
    /// Matrix product with batching: `[..., m, k] x [..., k, n] -> [..., m, n]`; batch
    /// dimensions broadcast. Transposed operands are read in place (no copy).
    pub fn matmul(&self, other: &Self) -> Result<Self> {
        same_device("matmul", self, other)?;
        let (ra, rb) = (self.rank(), other.rank());
        if ra < 2 || rb < 2 {
            return Err(Error::shape(
                "matmul",
                format!(
                    "lhs {} and rhs {}: both operands need rank >= 2",
                    fmt_shape(self.shape()),
                    fmt_shape(other.shape())
                ),
            ));
        }
        let (m, k) = (self.shape()[ra - 2], self.shape()[ra - 1]);
        let (k2, n) = (other.shape()[rb - 2], other.shape()[rb - 1]);
        if k != k2 {
            return Err(Error::shape(
                "matmul",
                format!(
                    "lhs {} and rhs {}: inner dims {k} != {k2}",
                    fmt_shape(self.shape()),
                    fmt_shape(other.shape())
                ),
            ));
        }
        let batch = broadcast_shapes("matmul", &self.shape()[..ra - 2], &other.shape()[..rb - 2])?;
        let shape_of = |a: usize, b: usize| batch.iter().copied().chain([a, b]).collect::<Vec<_>>();
        let a = self.broadcast_to(&shape_of(m, k))?.detach();
        let b = other.broadcast_to(&shape_of(k, n))?.detach();
        let s = on_device2!("matmul", a, b, |be, x, y| be.matmul(x, &a.layout, y, &b.layout))?;
        let out = Self::from_storage(s, &shape_of(m, n));
        let (sa, sb) = (self.shape().to_vec(), other.shape().to_vec());
        Ok(out.record(&[self, other], move |g, need| {
            Ok(smallvec![
                if need[0] { Some(g.matmul(&b.t()?)?.sum_to(&sa)?) } else { None },
                if need[1] { Some(a.t()?.matmul(g)?.sum_to(&sb)?) } else { None }
            ])
        }))
    }

    fn check_square(&self, op: &'static str) -> Result<usize> {
        if self.rank() != 2 || self.shape()[0] != self.shape()[1] {
            return Err(Error::shape(op, format!("needs a square matrix, got {}", fmt_shape(self.shape()))));
        }
        Ok(self.shape()[0])
    }

    /// Lower Cholesky factor `L` of a symmetric positive-definite matrix (`A = L Lᵀ`); only
    /// the lower triangle of `A` is read. A non-positive pivot gives
    /// `Error::NotPositiveDefinite` naming it.
    pub fn cholesky(&self) -> Result<Self> {
        let n = self.check_square("cholesky")?;
        let s = on_device!(self, |b, x| b.cholesky(x, &self.layout))?;
        let out = Self::from_storage(s, &[n, n]);
        let l = out.clone();
        Ok(out.record(&[self], move |g, _| {
            // Murray (2016): S = L^-T Φ(Lᵀ L̄) L^-1, Φ = lower triangle with halved diagonal.
            // The forward reads only the lower triangle, so Ā = tril(S + Sᵀ) with diagonal S_ii.
            let dev = g.device();
            let (strict, diag) = (mask::<T>(n, Part::StrictLower, dev)?, mask::<T>(n, Part::Diagonal, dev)?);
            let m = l.t()?.matmul(g)?;
            let phi = m.mul(&strict)?.add(&m.mul(&diag)?.affine_raw(T::of(0.5), T::zero())?)?;
            let x = phi.solve_triangular(&l, true, true)?;
            let s = x.t()?.solve_triangular(&l, true, true)?.t()?;
            let sym = s.add(&s.t()?)?.mul(&strict)?.add(&s.mul(&diag)?)?;
            Ok(smallvec![Some(sym)])
        }))
    }

    /// Solves `op(A) X = self` for `X`, where `A` (`[n, n]`) is lower or upper triangular
    /// (only that triangle is read) and `op(A)` is `Aᵀ` when `transpose`; `self` is `[n, k]`.
    pub fn solve_triangular(&self, a: &Self, lower: bool, transpose: bool) -> Result<Self> {
        let n = a.check_square("solve_triangular")?;
        same_device("solve_triangular", a, self)?;
        if self.rank() != 2 || self.shape()[0] != n {
            return Err(Error::shape(
                "solve_triangular",
                format!(
                    "matrix {} and right-hand side {}: need [{n}, k]",
                    fmt_shape(a.shape()),
                    fmt_shape(self.shape())
                ),
            ));
        }
        let bt = self.detach();
        let at = a.detach();
        let s = on_device2!("solve_triangular", at, bt, |be, x, y| be
            .triangular_solve(x, &at.layout, y, &bt.layout, lower, transpose))?;
        let out = Self::from_storage(s, self.shape());
        let x = out.clone();
        Ok(out.record(&[self, a], move |g, need| {
            let gb = g.solve_triangular(&at, lower, !transpose)?;
            let ga = if need[1] {
                let outer = if transpose { x.matmul(&gb.t()?)? } else { gb.matmul(&x.t()?)? };
                let part = if lower { Part::Lower } else { Part::Upper };
                Some(outer.mul(&mask::<T>(n, part, g.device())?)?.affine_raw(-T::one(), T::zero())?)
            } else {
                None
            };
            Ok(smallvec![need[0].then_some(gb), ga])
        }))
    }
}
