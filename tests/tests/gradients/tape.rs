//! Tape semantics: gradient accumulation when a tensor is used several times, `no_grad`,
//! single-use tapes, and stale tensors.

use crate::prop_check;
use weft_autograd::{no_grad, Float, Tensor};
use weft_ops::Error;
use weft_tests::{Input, View};

fn leaf(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_slice(values, shape).unwrap().requires_grad()
}

/// `x*x + exp(x) + sum(x)` uses `x` four times; the gradient is `2x + exp(x) + 1`.
#[test]
fn gradient_accumulates_over_every_use() {
    let v = [0.3, -1.2, 2.0, 0.7, -0.1, 1.5];
    let x = leaf(&v, &[2, 3]);
    let y = x.mul(&x).unwrap().add(&x.exp().unwrap()).unwrap().add(&x.sum_all().unwrap()).unwrap();
    let g = y.sum_all().unwrap().backward().unwrap();
    let got = g.get(&x).unwrap().to_vec().unwrap();
    for (k, (&gk, &xk)) in got.iter().zip(&v).enumerate() {
        // Each element of `sum(x)` is broadcast to all 6 outputs.
        let want = 2.0 * xk + xk.exp() + 6.0;
        assert!((gk - want).abs() <= 1e-12 * want.abs().max(1.0), "element {k}: {gk} vs {want}");
    }
}

/// The same accumulation through views of one leaf, checked by finite differences.
#[test]
fn gradient_accumulates_through_views_of_one_leaf() {
    let values: Vec<f64> = (0..12).map(|i| (i as f64 * 0.37).sin()).collect();
    for view in [View::Contiguous, View::Transposed, View::Narrowed] {
        let input = Input::new(&[3, 4], values.clone()).with_view(view);
        prop_check(
            |xs| {
                let x = &xs[0];
                let a = x.t()?.matmul(x)?; // [4, 4]
                let b = x.narrow(1, 1, 2)?.tanh()?.sum_keepdim(1)?; // [3, 1]
                a.sum_all()?.add(&b.mul(x)?.sum_all()?)
            },
            &[input],
        )
        .unwrap_or_else(|e| panic!("{view:?}: {e}"));
    }
}

/// Nothing computed under `no_grad` is recorded, and its backward is an error.
#[test]
fn no_grad_records_nothing() {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    weft_autograd::clear_tape::<f64>();
    let y = no_grad(|| x.exp()?.mul(&x)?.sum_all()).unwrap();
    assert!(!y.is_tracked());
    assert_eq!(f64::with_tape(|t| t.len()), 0, "no_grad left nodes on the tape");
    let err = y.backward().expect_err("backward of an untracked tensor must fail");
    assert!(matches!(err, Error::Autograd { .. }), "{err:?}");
    assert!(err.to_string().contains("no_grad"), "{err}");
    // Recording resumes after the closure.
    assert!(x.exp().unwrap().is_tracked());
}

/// A graph's tape is consumed by `backward`: a second backward is an error, not a zero or
/// a doubled gradient.
#[test]
fn backward_twice_on_one_graph_errors() {
    let x = leaf(&[0.5, -0.5], &[2]);
    let y = x.square().unwrap().sum_all().unwrap();
    let g = y.backward().unwrap();
    assert_eq!(g.get(&x).unwrap().to_vec().unwrap(), vec![1.0, -1.0]);
    let err = y.backward().expect_err("second backward must fail");
    assert!(matches!(err, Error::Autograd { .. }), "{err:?}");
    assert!(err.to_string().contains("earlier tape generation"), "{err}");
}

/// An intermediate from a consumed graph, reused in a new graph, must not silently act as
/// a constant: if gradient flows into it, backward reports the stale tensor.
#[test]
fn stale_intermediate_in_a_new_graph_errors() {
    let x = leaf(&[0.5, 1.5], &[2]);
    let y = x.exp().unwrap();
    y.sum_all().unwrap().backward().unwrap();
    let z = y.mul(&x).unwrap().sum_all().unwrap();
    let err = z.backward().expect_err("gradient into a stale tensor must be reported");
    assert!(matches!(err, Error::Autograd { .. }), "{err:?}");
    // Detached, the same reuse is fine and treats `y` as a constant.
    let z = y.detach().mul(&x).unwrap().sum_all().unwrap();
    let g = z.backward().unwrap();
    let want: Vec<f64> = [0.5f64, 1.5].iter().map(|v| v.exp()).collect();
    assert_eq!(g.get(&x).unwrap().to_vec().unwrap(), want);
}

/// Each thread has its own tape. A tracked intermediate made on another thread must not be
/// mistaken for a node of this thread's tape (which would add its gradient to an unrelated
/// node): if gradient flows into it, backward reports it.
#[test]
fn tracked_tensor_from_another_thread_is_not_confused_with_a_local_node() {
    let x = leaf(&[0.5, 1.5], &[2]);
    let y = x.square().unwrap(); // node 1 of this thread's tape (node 0 is the leaf x)
    let root_elsewhere = y.sum_all().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            let w = leaf(&[2.0, -1.0], &[2]); // node 0 of the other thread's tape
            let a = w.square().unwrap(); // node 1 of the other thread's tape
            let z = a.add(&y).unwrap().sum_all().unwrap();
            let err = z.backward().expect_err("gradient into another thread's node must be reported");
            assert!(matches!(err, Error::Autograd { .. }), "{err:?}");
            // Detached, `y` is a constant and the gradient is exactly 2w.
            let a = w.square().unwrap();
            let g = a.add(&y.detach()).unwrap().sum_all().unwrap().backward().unwrap();
            assert_eq!(g.get(&w).unwrap().to_vec().unwrap(), vec![4.0, -2.0]);
            // A root from another thread's tape is an error too.
            assert!(matches!(root_elsewhere.backward(), Err(Error::Autograd { .. })));
        });
    });
    // The original thread's graph is untouched.
    let g = root_elsewhere.backward().unwrap();
    assert_eq!(g.get(&x).unwrap().to_vec().unwrap(), vec![1.0, 3.0]);
}
