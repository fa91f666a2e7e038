//! Misuse gives the right `weft_ops::Error` variant, and its message names the op and the
//! shapes (or the pivot, index or device) involved.

use weft_autograd::{Indices, Tensor};
use weft_ops::{rng::Philox, Device, Error, Result};

fn t(shape: &[usize]) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    Tensor::from_vec((0..n).map(|i| i as f64 + 1.0).collect(), shape).unwrap()
}

/// The error of `r`, which must be one.
fn error_of<T: std::fmt::Debug>(r: Result<T>) -> Error {
    r.expect_err("expected an error")
}

/// Asserts that the message contains every fragment.
fn assert_names(err: &Error, fragments: &[&str]) {
    let msg = err.to_string();
    for f in fragments {
        assert!(msg.contains(f), "message {msg:?} does not mention {f:?}");
    }
}

#[test]
fn add_with_shapes_that_do_not_broadcast() {
    let err = error_of(t(&[2, 3]).add(&t(&[4, 3])));
    assert!(matches!(err, Error::Shape { op: "add", .. }), "{err:?}");
    assert_names(&err, &["add", "[2, 3]", "[4, 3]"]);
    // The same check guards the other broadcasting ops, under their own names.
    for (name, r) in [
        ("sub", t(&[3]).sub(&t(&[2]))),
        ("mul", t(&[3]).mul(&t(&[2]))),
        ("div", t(&[3]).div(&t(&[2]))),
        ("maximum", t(&[3]).maximum(&t(&[2]))),
        ("pow", t(&[3]).pow(&t(&[2]))),
    ] {
        let err = error_of(r);
        assert!(matches!(&err, Error::Shape { op, .. } if *op == name), "{err:?}");
        assert_names(&err, &[name, "[3]", "[2]"]);
    }
}

#[test]
fn matmul_with_mismatched_inner_dimensions() {
    let err = error_of(t(&[3, 4]).matmul(&t(&[5, 6])));
    assert!(matches!(err, Error::Shape { op: "matmul", .. }), "{err:?}");
    assert_names(&err, &["matmul", "[3, 4]", "[5, 6]", "4", "5"]);
}

#[test]
fn matmul_with_batch_dimensions_that_do_not_broadcast() {
    let err = error_of(t(&[2, 3, 4]).matmul(&t(&[5, 4, 2])));
    assert!(matches!(err, Error::Shape { op: "matmul", .. }), "{err:?}");
    assert_names(&err, &["matmul", "[2]", "[5]"]);
}

#[test]
fn matmul_of_a_vector_is_a_rank_error() {
    let err = error_of(t(&[3]).matmul(&t(&[3, 2])));
    assert!(matches!(err, Error::Shape { op: "matmul", .. }), "{err:?}");
    assert_names(&err, &["matmul", "[3]", "[3, 2]", "rank"]);
}

#[test]
fn cholesky_of_a_non_square_matrix() {
    let err = error_of(t(&[2, 3]).cholesky());
    assert!(matches!(err, Error::Shape { op: "cholesky", .. }), "{err:?}");
    assert_names(&err, &["cholesky", "[2, 3]", "square"]);
    let err = error_of(t(&[2, 2, 2]).cholesky());
    assert_names(&err, &["cholesky", "[2, 2, 2]"]);
}

#[test]
fn cholesky_of_a_matrix_that_is_not_positive_definite() {
    // [[1, 2], [2, 1]] has eigenvalues 3 and -1; the second pivot is 1 - 2^2 = -3.
    let a = Tensor::<f64>::from_slice(&[1.0, 2.0, 2.0, 1.0], &[2, 2]).unwrap();
    match error_of(a.cholesky()) {
        Error::NotPositiveDefinite { op, pivot, value } => {
            assert_eq!((op, pivot), ("cholesky", 1));
            assert!((value + 3.0).abs() < 1e-12, "pivot value {value}");
            let err = Error::NotPositiveDefinite { op, pivot, value };
            assert_names(&err, &["cholesky", "pivot 1", "not positive definite"]);
        }
        other => panic!("expected NotPositiveDefinite, got {other:?}"),
    }
    // A NaN entry is not silently factorised either.
    let a = Tensor::<f64>::from_slice(&[f64::NAN, 0.0, 0.0, 1.0], &[2, 2]).unwrap();
    assert!(matches!(error_of(a.cholesky()), Error::NotPositiveDefinite { pivot: 0, .. }));
}

#[test]
fn solve_triangular_with_a_mismatched_right_hand_side() {
    let a = Tensor::<f64>::eye(3, Device::Cpu).unwrap();
    let err = error_of(t(&[4, 2]).solve_triangular(&a, true, false));
    assert!(matches!(err, Error::Shape { op: "solve_triangular", .. }), "{err:?}");
    assert_names(&err, &["solve_triangular", "[3, 3]", "[4, 2]"]);
}

#[test]
fn index_select_with_an_index_out_of_range() {
    let err = error_of(t(&[3, 2]).index_select(0, &Indices::new(vec![0, 5, 1])));
    assert!(matches!(err, Error::Index { op: "index_select", .. }), "{err:?}");
    assert_names(&err, &["index_select", "5", "3", "[3, 2]"]);
    let err = error_of(t(&[3, 2]).rows(&Indices::new(vec![3])));
    assert!(matches!(err, Error::Index { op: "index_select", .. }), "{err:?}");
}

#[test]
fn index_add_with_an_index_out_of_range() {
    let err = error_of(t(&[3, 2]).index_add(1, &Indices::new(vec![0, 2]), &t(&[3, 2])));
    assert!(matches!(err, Error::Index { op: "index_add", .. }), "{err:?}");
    assert_names(&err, &["index_add", "2", "axis 1", "[3, 2]"]);
}

#[test]
fn index_add_with_a_source_of_the_wrong_shape() {
    let err = error_of(t(&[3, 2]).index_add(0, &Indices::new(vec![0, 2]), &t(&[3, 2])));
    assert!(matches!(err, Error::Shape { op: "index_add", .. }), "{err:?}");
    assert_names(&err, &["index_add", "[3, 2]", "[2, 2]"]);
}

#[test]
fn tensors_on_a_cuda_device_in_a_build_without_cuda() {
    assert!(matches!(Tensor::<f32>::zeros(&[2], Device::Cuda(0)), Err(Error::CudaNotCompiled)));
    assert!(matches!(Tensor::<f64>::ones(&[2, 2], Device::Cuda(1)), Err(Error::CudaNotCompiled)));
    assert!(matches!(t(&[2]).to_device(Device::Cuda(0)), Err(Error::CudaNotCompiled)));
    assert!(matches!(Indices::new(vec![0]).to_device(Device::Cuda(0)), Err(Error::CudaNotCompiled)));
    let mut rng = Philox::new(1);
    assert!(matches!(
        Tensor::<f32>::randn(&[2], 0.0, 1.0, &mut rng, Device::Cuda(0)),
        Err(Error::CudaNotCompiled)
    ));
    let err = error_of(Tensor::<f32>::zeros(&[2], Device::Cuda(0)));
    assert_names(&err, &["CUDA", "--features cuda"]);
}

#[test]
fn reshape_to_a_different_element_count() {
    let err = error_of(t(&[2, 3]).reshape(&[4, 2]));
    assert!(matches!(err, Error::Shape { op: "reshape", .. }), "{err:?}");
    assert_names(&err, &["reshape", "[2, 3]", "[4, 2]", "6", "8"]);
    // Also when the input is a strided view (the copying path).
    let err = error_of(t(&[2, 3]).t().unwrap().reshape(&[5]));
    assert_names(&err, &["reshape", "[3, 2]", "[5]"]);
}

#[test]
fn narrow_out_of_range() {
    let err = error_of(t(&[2, 3]).narrow(1, 2, 2));
    assert!(matches!(err, Error::Index { op: "narrow", .. }), "{err:?}");
    assert_names(&err, &["narrow", "2..4", "axis 1", "[2, 3]"]);
    let err = error_of(t(&[2, 3]).narrow(2, 0, 1));
    assert!(matches!(err, Error::Index { op: "narrow", .. }), "{err:?}");
    assert_names(&err, &["narrow", "axis 2", "[2, 3]"]);
}

#[test]
fn squeeze_of_an_axis_that_is_not_length_one() {
    let err = error_of(t(&[2, 3]).squeeze(1));
    assert!(matches!(err, Error::Shape { op: "squeeze", .. }), "{err:?}");
    assert_names(&err, &["squeeze", "axis 1", "[2, 3]"]);
    let err = error_of(t(&[2, 1]).squeeze(2));
    assert_names(&err, &["squeeze", "axis 2", "[2, 1]"]);
}

#[test]
fn reductions_over_an_axis_out_of_range() {
    for (name, r) in [
        ("sum", t(&[2, 3]).sum(2)),
        ("mean", t(&[2, 3]).mean(5)),
        ("max", t(&[2, 3]).max(2)),
        ("logsumexp", t(&[2, 3]).logsumexp(2)),
        ("softmax", t(&[2, 3]).softmax(2)),
    ] {
        let err = error_of(r);
        assert!(matches!(&err, Error::Index { op, .. } if *op == name), "{err:?}");
        assert_names(&err, &[name, "[2, 3]"]);
    }
}

#[test]
fn other_shape_misuse() {
    let err = error_of(Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0], &[2, 2]));
    assert_names(&err, &["from_vec", "3 elements", "[2, 2]"]);
    let err = error_of(t(&[2, 3]).broadcast_to(&[4, 3, 3]));
    assert!(matches!(err, Error::Shape { op: "broadcast_to", .. }), "{err:?}");
    assert_names(&err, &["broadcast_to", "[2, 3]", "[4, 3, 3]"]);
    let err = error_of(t(&[2, 3]).permute(&[0, 0]));
    assert!(matches!(err, Error::Shape { op: "permute", .. }), "{err:?}");
    assert_names(&err, &["permute", "[0, 0]", "[2, 3]"]);
    let err = error_of(t(&[2, 3]).transpose(0, 2));
    assert!(matches!(err, Error::Index { op: "transpose", .. }), "{err:?}");
    let err = error_of(Tensor::concat(&[&t(&[2, 3]), &t(&[2, 4])], 0));
    assert!(matches!(err, Error::Shape { op: "concat", .. }), "{err:?}");
    assert_names(&err, &["concat", "[2, 3]", "[2, 4]"]);
    let err = error_of(t(&[2, 3]).item());
    assert_names(&err, &["item", "[2, 3]"]);
    let err = error_of(t(&[2]).dropout(1.0, &mut Philox::new(0)));
    assert!(matches!(err, Error::Invalid { op: "dropout", .. }), "{err:?}");
}
