//! # weft-tests
//!
//! Cross-crate tests of weft. The library part is a small toolkit the test files in
//! `tests/tests/` share; the tests themselves are the point of the crate.
//!
//! Modules:
//! - [`gradcheck`] — compares reverse-mode gradients with central finite differences, for
//!   any function of several `f64` tensors, with contiguous or non-contiguous inputs;
//! - [`strategies`] — proptest strategies for shapes, broadcasting pairs, values and views,
//!   and maps that keep values inside an op's domain.

pub mod gradcheck;
pub mod strategies;

pub use gradcheck::{check_gradients, GradCheck, Input, Mismatch, Report, View};
