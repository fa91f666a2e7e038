//! Tape behaviour: gradient accumulation, `no_grad`, stale tapes, long chains, and the tape
//! being released by `backward`.

use weft_autograd::{clear_tape, is_grad_enabled, no_grad, no_grad_guard, Error, Float, Tensor};

fn tape_len<T: Float>() -> usize {
    T::with_tape(|t| t.len())
}

fn leaf(v: &[f64]) -> Tensor<f64> {
    Tensor::from_slice(v, &[v.len()]).unwrap().requires_grad()
}

#[test]
fn gradient_accumulates_when_a_tensor_is_used_several_times() {
    let xs = [0.5, -1.5, 2.0];
    let x = leaf(&xs);
    // y = x*x + x + exp(x) * exp(x): x appears four times, z = exp(x) twice.
    let z = x.exp().unwrap();
    let y = x.mul(&x).unwrap().add(&x).unwrap().add(&z.mul(&z).unwrap()).unwrap().sum_all().unwrap();
    let g = y.backward().unwrap().get(&x).unwrap().to_vec().unwrap();
    for (gi, xi) in g.iter().zip(xs) {
        let want = 2.0 * xi + 1.0 + 2.0 * (2.0 * xi).exp();
        assert!((gi - want).abs() <= 1e-12 * want.abs().max(1.0), "got {gi}, want {want}");
    }
}

#[test]
fn two_leaves_and_an_unrelated_leaf() {
    let (a, b, c) = (leaf(&[2.0]), leaf(&[3.0]), leaf(&[5.0]));
    let _unused = c.exp().unwrap();
    let y = a.mul(&b).unwrap().mul(&a).unwrap().sum_all().unwrap(); // a^2 b
    let g = y.backward().unwrap();
    assert_eq!(g.get(&a).unwrap().to_vec().unwrap(), vec![12.0]);
    assert_eq!(g.get(&b).unwrap().to_vec().unwrap(), vec![4.0]);
    assert!(g.get(&c).is_none(), "c does not reach y");
    assert_eq!(g.len(), 2);
}

#[test]
fn no_grad_records_nothing() {
    let x = leaf(&[1.0, 2.0]);
    clear_tape::<f64>();
    let y = no_grad(|| x.exp().unwrap().mul(&x).unwrap().sum_all().unwrap());
    assert_eq!(tape_len::<f64>(), 0);
    assert!(!y.is_tracked());
    let e = y.backward().unwrap_err();
    assert!(matches!(e, Error::Autograd { .. }), "{e}");
    assert!(is_grad_enabled(), "no_grad restores recording");
    {
        let _g = no_grad_guard();
        let _inner = no_grad_guard();
        assert!(!is_grad_enabled());
        let _ = x.exp().unwrap();
    }
    assert!(is_grad_enabled(), "nested guards restore recording");
    assert_eq!(tape_len::<f64>(), 0);
    // Recording resumes: leaf node + exp node.
    let _ = x.exp().unwrap();
    assert_eq!(tape_len::<f64>(), 2);
    clear_tape::<f64>();
}

#[test]
fn backward_twice_is_a_clear_error() {
    let x = leaf(&[1.0, 2.0]);
    let y = x.square().unwrap().sum_all().unwrap();
    let first = y.backward().unwrap();
    assert_eq!(first.get(&x).unwrap().to_vec().unwrap(), vec![2.0, 4.0]);
    let e = y.backward().unwrap_err();
    assert!(matches!(e, Error::Autograd { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("earlier tape generation") && msg.contains("previous backward"), "{msg}");
}

#[test]
fn clear_tape_makes_old_tensors_backward_error() {
    let x = leaf(&[1.0, 2.0]);
    let y = x.square().unwrap().sum_all().unwrap();
    assert!(tape_len::<f64>() > 0);
    clear_tape::<f64>();
    assert_eq!(tape_len::<f64>(), 0);
    let e = y.backward().unwrap_err();
    assert!(e.to_string().contains("cleared"), "{e}");
    // A new graph on the same leaf works after the clear.
    let y2 = x.square().unwrap().sum_all().unwrap();
    assert_eq!(y2.backward().unwrap().get(&x).unwrap().to_vec().unwrap(), vec![2.0, 4.0]);
}

#[test]
fn backward_of_an_untracked_tensor_errors_and_of_a_leaf_is_ones() {
    let t = Tensor::<f64>::from_slice(&[1.0], &[1]).unwrap();
    assert!(matches!(t.backward().unwrap_err(), Error::Autograd { .. }));
    let x = leaf(&[3.0, 4.0]);
    assert_eq!(x.backward().unwrap().get(&x).unwrap().to_vec().unwrap(), vec![1.0, 1.0]);
}

#[test]
fn long_chain_backward_needs_no_deep_stack() {
    // 10k recorded ops, differentiated on a thread with a small stack: any recursion over the
    // chain (in backward or in dropping the tape) would overflow it.
    let n = 10_000;
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let x = leaf(&[0.7]);
            let mut y = x.clone();
            for _ in 0..n {
                y = y.mul_scalar(1.0001).unwrap().add_scalar(0.001).unwrap();
            }
            assert_eq!(tape_len::<f64>(), 2 * n + 1);
            let g = y.sum_all().unwrap().backward().unwrap();
            assert_eq!(tape_len::<f64>(), 0);
            g.get(&x).unwrap().to_vec().unwrap()[0]
        })
        .unwrap();
    let g = h.join().expect("no stack overflow");
    let want = 1.0001f64.powi(n as i32);
    assert!((g - want).abs() <= 1e-10 * want, "got {g}, want {want}");
}

#[test]
fn backward_releases_the_tape_including_nodes_after_the_root() {
    let x = leaf(&[1.0, 2.0, 3.0]);
    let y = x.exp().unwrap().sum_all().unwrap();
    let _later = x.sin().unwrap(); // recorded after y: not needed by y's backward
    assert!(tape_len::<f64>() >= 4);
    y.backward().unwrap();
    assert_eq!(tape_len::<f64>(), 0, "backward takes the whole tape");
    // The other element type's tape is separate and untouched.
    let xf = Tensor::<f32>::from_slice(&[1.0], &[1]).unwrap().requires_grad();
    let yf = xf.exp().unwrap().sum_all().unwrap();
    let n32 = tape_len::<f32>();
    let z = leaf(&[1.0]).exp().unwrap().sum_all().unwrap();
    z.backward().unwrap();
    assert_eq!(tape_len::<f32>(), n32);
    let gf = yf.backward().unwrap().get(&xf).unwrap().to_vec().unwrap()[0];
    assert!((gf - 1f32.exp()).abs() < 1e-6);
}

#[test]
fn broadcast_operand_gradient_is_summed_back_to_its_shape() {
    let a = Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap().requires_grad();
    let b = leaf(&[10.0, 20.0, 30.0]);
    let y = a.mul(&b).unwrap().sum_all().unwrap();
    let g = y.backward().unwrap();
    assert_eq!(g.get(&b).unwrap().shape(), &[3]);
    assert_eq!(g.get(&b).unwrap().to_vec().unwrap(), vec![5.0, 7.0, 9.0]);
    assert_eq!(g.get(&a).unwrap().to_vec().unwrap(), vec![10.0, 20.0, 30.0, 10.0, 20.0, 30.0]);
}

#[test]
fn reusing_a_tensor_from_a_consumed_graph_errors_unless_detached() {
    let x = leaf(&[1.0, 2.0]);
    let h = x.exp().unwrap(); // history on the tape
    let first = h.sum_all().unwrap().backward().unwrap();
    assert!(first.get(&x).is_some());
    // h's history is gone: a gradient through h to x cannot be computed, so say so instead
    // of silently returning no gradient for x.
    let w = leaf(&[3.0, 4.0]);
    let e = h.mul(&w).unwrap().sum_all().unwrap().backward().unwrap_err();
    assert!(matches!(e, Error::Autograd { .. }), "{e}");
    assert!(e.to_string().contains("earlier tape generation") && e.to_string().contains("detach"), "{e}");
    // Detached, h is a constant: w gets h as its gradient.
    let g = h.detach().mul(&w).unwrap().sum_all().unwrap().backward().unwrap();
    assert_eq!(g.get(&w).unwrap().to_vec().unwrap(), h.to_vec().unwrap());
    // Recomputed, the gradient reaches x again.
    let h2 = x.exp().unwrap();
    let g = h2.mul(&w).unwrap().sum_all().unwrap().backward().unwrap();
    let gx = g.get(&x).unwrap().to_vec().unwrap();
    assert!((gx[0] - 3.0 * 1f64.exp()).abs() < 1e-12 && (gx[1] - 4.0 * 2f64.exp()).abs() < 1e-12);
    clear_tape::<f64>();
}
