//! Gradient property tests: every differentiable op of weft-autograd, in f64, against
//! central finite differences (see `weft_tests::gradcheck`), on random shapes and values,
//! with contiguous and non-contiguous inputs; plus the tape's semantics (accumulation,
//! `no_grad`, single-use tapes) and an end-to-end composite.

mod binary;
mod composite;
mod gather;
mod linalg;
mod nn;
mod reduce;
mod shape;
mod tape;
mod unary;

use proptest::test_runner::{Config, RngSeed, TestCaseError};
use weft_autograd::Tensor;
use weft_ops::Result;
use weft_tests::{check_gradients, GradCheck, Input};

/// Proptest settings: `cases` cases from a fixed seed (reproducible), no regression files.
pub fn config(cases: u32) -> Config {
    Config { rng_seed: RngSeed::Fixed(0x9e37_79b9), failure_persistence: None, ..Config::with_cases(cases) }
}

/// Runs the gradient check with default settings and turns a failure (or an error from
/// `f`) into a failed proptest case.
pub fn prop_check<F>(f: F, inputs: &[Input]) -> std::result::Result<(), TestCaseError>
where
    F: Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
{
    let report = check_gradients(f, inputs, &GradCheck::default())
        .map_err(|e| TestCaseError::fail(format!("error while checking: {e}")))?;
    if report.passed() {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("gradient check failed: {report}")))
    }
}
