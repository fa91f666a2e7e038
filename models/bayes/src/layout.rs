//! Packing named parameter blocks (each with a shape and a [`Bijection`]) into the one flat,
//! unconstrained vector the samplers move, and unpacking them again.
//!
//! ```
//! use weft_bayes::{Bijection, ParamLayout};
//! let layout = ParamLayout::new()
//!     .block("w", &[2, 3], Bijection::Identity).unwrap()
//!     .block("sigma", &[], Bijection::Exp).unwrap();
//! assert_eq!(layout.dim(), 7);
//! let theta = vec![0.0; 7];
//! assert_eq!(layout.get(&theta, "w").unwrap().len(), 6);
//! assert_eq!(layout.names()[6], "sigma");
//! ```

use crate::bijection::Bijection;
use std::ops::Range;
use weft_ops::{Error, Result};

/// One named block of the flat parameter vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamBlock {
    /// The block's name (unique within a layout).
    pub name: String,
    /// Its shape (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// Where it sits in the flat vector.
    pub range: Range<usize>,
    /// The map from the unconstrained to the constrained value.
    pub bijection: Bijection,
}

/// An ordered list of named blocks forming a flat parameter vector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamLayout {
    blocks: Vec<ParamBlock>,
    dim: usize,
}

impl ParamLayout {
    /// An empty layout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a block `name` of `shape` constrained through `bijection`.
    pub fn block(mut self, name: &str, shape: &[usize], bijection: Bijection) -> Result<Self> {
        if self.blocks.iter().any(|b| b.name == name) {
            return Err(Error::invalid("ParamLayout::block", format!("duplicate block name {name:?}")));
        }
        let n: usize = shape.iter().product();
        self.blocks.push(ParamBlock {
            name: name.to_string(),
            shape: shape.to_vec(),
            range: self.dim..self.dim + n,
            bijection,
        });
        self.dim += n;
        Ok(self)
    }

    /// Total number of scalars.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The blocks in order.
    pub fn blocks(&self) -> &[ParamBlock] {
        &self.blocks
    }

    /// The block called `name`.
    pub fn find(&self, name: &str) -> Result<&ParamBlock> {
        self.blocks.iter().find(|b| b.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.blocks.iter().map(|b| b.name.as_str()).collect();
            Error::index("ParamLayout::find", format!("no block {name:?}; blocks are {known:?}"))
        })
    }

    fn check_len(&self, op: &'static str, what: &str, len: usize) -> Result<()> {
        if len != self.dim {
            return Err(Error::shape(op, format!("{what} has length {len}, layout has {}", self.dim)));
        }
        Ok(())
    }

    /// The unconstrained values of block `name` inside `theta`.
    pub fn get<'a>(&self, theta: &'a [f64], name: &str) -> Result<&'a [f64]> {
        self.check_len("ParamLayout::get", "theta", theta.len())?;
        Ok(&theta[self.find(name)?.range.clone()])
    }

    /// Mutable unconstrained values of block `name` inside `theta`.
    pub fn get_mut<'a>(&self, theta: &'a mut [f64], name: &str) -> Result<&'a mut [f64]> {
        self.check_len("ParamLayout::get_mut", "theta", theta.len())?;
        Ok(&mut theta[self.find(name)?.range.clone()])
    }

    /// Writes the constrained values `x = f(theta)` of every block into `x` and returns the
    /// total log-Jacobian `sum log |f'(theta)|`.
    pub fn constrain(&self, theta: &[f64], x: &mut [f64]) -> Result<f64> {
        self.check_len("ParamLayout::constrain", "theta", theta.len())?;
        self.check_len("ParamLayout::constrain", "x", x.len())?;
        let mut log_jac = 0.0;
        for b in &self.blocks {
            for i in b.range.clone() {
                x[i] = b.bijection.forward(theta[i]);
                log_jac += b.bijection.log_abs_det_jacobian(theta[i]);
            }
        }
        Ok(log_jac)
    }

    /// Turns `d log p / dx` (in `grad`, constrained scale) into `d (log p + log-Jacobian) / d theta`
    /// in place.
    pub fn pullback_grad(&self, theta: &[f64], grad: &mut [f64]) -> Result<()> {
        self.check_len("ParamLayout::pullback_grad", "theta", theta.len())?;
        self.check_len("ParamLayout::pullback_grad", "grad", grad.len())?;
        for b in &self.blocks {
            if b.bijection == Bijection::Identity {
                continue;
            }
            for i in b.range.clone() {
                grad[i] = b.bijection.pullback(theta[i], 0.0, grad[i]).1;
            }
        }
        Ok(())
    }

    /// Inverse of [`constrain`](Self::constrain): the unconstrained `theta` of constrained `x`.
    pub fn unconstrain(&self, x: &[f64], theta: &mut [f64]) -> Result<()> {
        self.check_len("ParamLayout::unconstrain", "x", x.len())?;
        self.check_len("ParamLayout::unconstrain", "theta", theta.len())?;
        for b in &self.blocks {
            for i in b.range.clone() {
                theta[i] = b.bijection.inverse(x[i]).map_err(|e| {
                    Error::invalid("ParamLayout::unconstrain", format!("block {:?}: {e}", b.name))
                })?;
            }
        }
        Ok(())
    }

    /// One name per scalar, Stan style: `w[0,1]`, `sigma`.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.dim);
        for b in &self.blocks {
            let n = b.range.len();
            for flat in 0..n {
                if b.shape.is_empty() {
                    out.push(b.name.clone());
                    continue;
                }
                let mut idx = vec![0; b.shape.len()];
                let mut rem = flat;
                for (k, &s) in b.shape.iter().enumerate().rev() {
                    idx[k] = rem % s;
                    rem /= s;
                }
                let parts: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
                out.push(format!("{}[{}]", b.name, parts.join(",")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack_and_names() {
        let l = ParamLayout::new()
            .block("a", &[2, 2], Bijection::Identity)
            .unwrap()
            .block("s", &[], Bijection::Exp)
            .unwrap()
            .block("p", &[1], Bijection::Sigmoid)
            .unwrap();
        assert_eq!(l.dim(), 6);
        assert_eq!(l.names(), vec!["a[0,0]", "a[0,1]", "a[1,0]", "a[1,1]", "s", "p[0]"]);
        let x = [1.0, -2.0, 3.0, 4.0, 2.5, 0.25];
        let mut th = [0.0; 6];
        l.unconstrain(&x, &mut th).unwrap();
        let mut back = [0.0; 6];
        let lj = l.constrain(&th, &mut back).unwrap();
        for i in 0..6 {
            assert!((back[i] - x[i]).abs() < 1e-12);
        }
        let expect = 2.5f64.ln() + (0.25f64 * 0.75).ln();
        assert!((lj - expect).abs() < 1e-12);
        assert_eq!(l.get(&th, "s").unwrap(), &[2.5f64.ln()]);
        assert!(l.get(&th, "nope").is_err());
        assert!(l.get(&th[..3], "a").is_err());
        assert!(l.clone().block("a", &[1], Bijection::Identity).is_err());
        assert!(l.unconstrain(&[0.0, 0.0, 0.0, 0.0, -1.0, 0.5], &mut th).is_err());
    }
}
