//! [`Csr`]: a shared, immutable sparse structure with a lazily computed, cached transpose.

use super::pattern::CsrPattern;
use super::transpose::Transposed;
use crate::element::Idx;
use std::sync::{Arc, OnceLock};

/// A cheap-to-clone handle on an immutable [`CsrPattern`] that computes its transpose (and the
/// edge permutation) at most once, on first use, shared by every clone.
///
/// This is what a sparse tensor keeps for its structure: the forward pass uses the pattern,
/// the backward passes (gradients to the dense operand of an SpMM) use [`Csr::transposed`]
/// without recomputing it each step. Thread-safe (`OnceLock`).
///
/// ```
/// use weft_ops::sparse::{CooOptions, Csr, CsrPattern};
/// let p = CsrPattern::from_coo(3, 3, &[0, 1], &[1, 2], CooOptions::default()).unwrap();
/// let a = Csr::new(p);
/// let b = a.clone();
/// assert_eq!(a.transposed().pattern.row(2), &[1]);
/// assert!(std::ptr::eq(a.transposed(), b.transposed())); // computed once, shared
/// ```
#[derive(Debug, Clone)]
pub struct Csr {
    inner: Arc<CsrInner>,
}

#[derive(Debug)]
struct CsrInner {
    pattern: CsrPattern,
    transposed: OnceLock<Transposed>,
    out_degrees: OnceLock<Vec<Idx>>,
}

impl Csr {
    /// Wraps a validated pattern.
    pub fn new(pattern: CsrPattern) -> Self {
        Csr {
            inner: Arc::new(CsrInner { pattern, transposed: OnceLock::new(), out_degrees: OnceLock::new() }),
        }
    }
    /// The pattern.
    pub fn pattern(&self) -> &CsrPattern {
        &self.inner.pattern
    }
    /// The transpose and its edge permutation, computed on first call and cached.
    pub fn transposed(&self) -> &Transposed {
        self.inner.transposed.get_or_init(|| self.inner.pattern.transpose())
    }
    /// Whether the transpose has been computed already.
    pub fn has_transposed(&self) -> bool {
        self.inner.transposed.get().is_some()
    }
    /// Number of stored entries per row, computed on first call and cached.
    pub fn out_degrees(&self) -> &[Idx] {
        self.inner.out_degrees.get_or_init(|| self.inner.pattern.out_degrees())
    }
    /// Whether two handles share the same structure (pointer equality, no comparison of arrays).
    pub fn same_as(&self, other: &Csr) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl From<CsrPattern> for Csr {
    fn from(p: CsrPattern) -> Self {
        Csr::new(p)
    }
}

impl std::ops::Deref for Csr {
    type Target = CsrPattern;
    fn deref(&self) -> &CsrPattern {
        &self.inner.pattern
    }
}
