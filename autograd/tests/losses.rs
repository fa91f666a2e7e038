//! Losses against hand values, their analytic gradients, central finite differences in f64,
//! and misuse errors.

use weft_autograd::nn::loss::{bce_with_logits, cross_entropy, gaussian_nll, mse};
use weft_autograd::{no_grad, Error, Indices, Tensor};
use weft_ops::rng::Philox;

fn t(v: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_slice(v, shape).unwrap()
}

fn vals(t: &Tensor<f64>) -> Vec<f64> {
    t.to_vec().unwrap()
}

fn randv(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Philox::new(seed);
    (0..n).map(|_| r.normal()).collect()
}

fn close(g: f64, w: f64, tol: f64) -> bool {
    (g - w).abs() <= tol * (1.0 + w.abs())
}

/// Central differences (h = 1e-5: truncation ~1e-10, rounding ~1e-11 for O(1) losses).
fn check_grad(analytic: &[f64], x0: &[f64], f: impl Fn(&[f64]) -> f64, what: &str) {
    let h = 1e-5;
    for i in 0..x0.len() {
        let (mut xp, mut xm) = (x0.to_vec(), x0.to_vec());
        xp[i] += h;
        xm[i] -= h;
        let num = (f(&xp) - f(&xm)) / (2.0 * h);
        assert!(
            close(analytic[i], num, 1e-6),
            "{what}[{i}]: analytic {}, finite difference {num}",
            analytic[i]
        );
    }
}

/// The gradient of `loss(x)` with respect to `x` of `shape`, and a finite-difference check.
fn grad_and_check(
    x0: &[f64],
    shape: &[usize],
    loss: impl Fn(&Tensor<f64>) -> weft_autograd::Result<Tensor<f64>>,
    what: &str,
) -> Vec<f64> {
    let x = t(x0, shape).requires_grad();
    let l = loss(&x).unwrap();
    assert_eq!(l.shape(), &[] as &[usize], "{what}: a 0-d loss");
    let g = vals(l.backward().unwrap().get(&x).unwrap());
    check_grad(&g, x0, |v| no_grad(|| loss(&t(v, shape)).unwrap().item().unwrap()), what);
    g
}

#[test]
fn cross_entropy_value_and_gradient_by_hand() {
    let (n, c) = (4, 5);
    let mut x0 = randv(n * c, 1);
    x0[7] += 30.0; // a large logit: log-sum-exp must stay stable
    let labels = [1u32, 4, 0, 1];
    let idx = Indices::new(labels.to_vec());
    let mut want = 0.0;
    let mut want_grad = vec![0.0; n * c];
    for i in 0..n {
        let row = &x0[i * c..(i + 1) * c];
        let mx = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = row.iter().map(|v| (v - mx).exp()).sum();
        want += (mx + z.ln() - row[labels[i] as usize]) / n as f64;
        for j in 0..c {
            let onehot = if j == labels[i] as usize { 1.0 } else { 0.0 };
            want_grad[i * c + j] = ((row[j] - mx).exp() / z - onehot) / n as f64;
        }
    }
    let got = cross_entropy(&t(&x0, &[n, c]), &idx).unwrap().item().unwrap();
    assert!(close(got, want, 1e-14), "got {got}, want {want}");
    let g = grad_and_check(&x0, &[n, c], |x| cross_entropy(x, &idx), "cross_entropy");
    for (a, b) in g.iter().zip(&want_grad) {
        assert!(close(*a, *b, 1e-14), "softmax - onehot over n: {a} vs {b}");
    }
    // f32 gives the same value to f32 precision.
    let x32: Vec<f32> = x0.iter().map(|&v| v as f32).collect();
    let l32 =
        cross_entropy(&Tensor::<f32>::from_slice(&x32, &[n, c]).unwrap(), &idx).unwrap().item().unwrap();
    assert!((l32 as f64 - want).abs() < 1e-5 * (1.0 + want));
}

#[test]
fn cross_entropy_misuse_errors() {
    let x = t(&randv(6, 2), &[2, 3]);
    let e = cross_entropy(&x, &Indices::new(vec![0, 3])).unwrap_err();
    assert!(matches!(e, Error::Index { .. }), "{e}");
    assert!(e.to_string().contains("3"), "{e}");
    let e = cross_entropy(&x, &Indices::new(vec![0, 1, 2])).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("[2, 3]"), "{e}");
    let e = cross_entropy(&t(&randv(6, 2), &[6]), &Indices::new(vec![0; 6])).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert!(cross_entropy(&t(&[], &[0, 3]), &Indices::new(vec![])).is_err(), "empty batch");
}

#[test]
fn mse_value_and_gradient() {
    let (p0, y) = (randv(6, 3), randv(6, 4));
    let want: f64 = p0.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / 6.0;
    let target = t(&y, &[2, 3]);
    assert!(close(mse(&t(&p0, &[2, 3]), &target).unwrap().item().unwrap(), want, 1e-14));
    let g = grad_and_check(&p0, &[2, 3], |p| mse(p, &target), "mse");
    for i in 0..6 {
        assert!(close(g[i], 2.0 * (p0[i] - y[i]) / 6.0, 1e-14));
    }
}

#[test]
fn bce_with_logits_values_stable_at_large_logits() {
    let x0 = [100.0, -100.0, 100.0, -100.0, 0.5, -2.0, 0.0];
    let y = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    // max(x, 0) - x y + log1p(exp(-|x|)): no overflow anywhere.
    let want: f64 = x0
        .iter()
        .zip(&y)
        .map(|(&x, &t): (&f64, &f64)| x.max(0.0) - x * t + (-x.abs()).exp().ln_1p())
        .sum::<f64>()
        / 7.0;
    let target = t(&y, &[7]);
    let got = bce_with_logits(&t(&x0, &[7]), &target).unwrap().item().unwrap();
    assert!(got.is_finite() && close(got, want, 1e-14), "got {got}, want {want}");
    // Gradient (sigmoid(x) - y) / n, finite at |x| = 100.
    let x = t(&x0, &[7]).requires_grad();
    let g = vals(bce_with_logits(&x, &target).unwrap().backward().unwrap().get(&x).unwrap());
    for i in 0..7 {
        let s = 1.0 / (1.0 + (-x0[i]).exp());
        assert!(g[i].is_finite() && close(g[i], (s - y[i]) / 7.0, 1e-14), "[{i}] {}", g[i]);
    }
    // f32 at |x| = 100 is finite too.
    let l32 = bce_with_logits(
        &Tensor::<f32>::from_slice(&[100.0, -100.0], &[2]).unwrap(),
        &Tensor::<f32>::from_slice(&[0.0, 1.0], &[2]).unwrap(),
    )
    .unwrap()
    .item()
    .unwrap();
    assert!((l32 - 100.0).abs() < 1e-4, "{l32}");
}

#[test]
fn bce_with_logits_gradient_matches_finite_differences() {
    let x0 = randv(6, 5).iter().map(|v| 3.0 * v).collect::<Vec<_>>();
    let y = [0.0, 1.0, 0.3, 1.0, 0.0, 0.8]; // soft targets are allowed
    let target = t(&y, &[3, 2]);
    grad_and_check(&x0, &[3, 2], |x| bce_with_logits(x, &target), "bce_with_logits");
}

#[test]
fn gaussian_nll_values_gradients_and_clamp() {
    let (m0, y) = (randv(5, 6), randv(5, 7));
    let v0: Vec<f64> = randv(5, 8).iter().map(|v| 0.2 + v.abs()).collect();
    let want: f64 = (0..5).map(|i| 0.5 * (v0[i].ln() + (y[i] - m0[i]).powi(2) / v0[i])).sum::<f64>() / 5.0;
    let (target, var) = (t(&y, &[5]), t(&v0, &[5]));
    let got = gaussian_nll(&t(&m0, &[5]), &var, &target).unwrap().item().unwrap();
    assert!(close(got, want, 1e-14), "got {got}, want {want}");
    let gm = grad_and_check(&m0, &[5], |m| gaussian_nll(m, &var, &target), "d/dmean");
    for i in 0..5 {
        assert!(close(gm[i], (m0[i] - y[i]) / v0[i] / 5.0, 1e-13));
    }
    let mean = t(&m0, &[5]);
    grad_and_check(&v0, &[5], |v| gaussian_nll(&mean, v, &target), "d/dvar");
    // A variance below eps = 1e-6 counts as 1e-6.
    let tiny = gaussian_nll(&t(&[0.0], &[1]), &t(&[1e-12], &[1]), &t(&[1e-3], &[1])).unwrap().item().unwrap();
    let want_tiny = 0.5 * (1e-6f64.ln() + 1e-6 / 1e-6);
    assert!(close(tiny, want_tiny, 1e-12), "got {tiny}, want {want_tiny}");
    // ... and, as in PyTorch, the clamp is outside the graph: the gradient is that of the
    // loss at var = eps, so a too-small variance is still pushed up.
    let var_tiny = t(&[1e-12], &[1]).requires_grad();
    let loss = gaussian_nll(&t(&[0.0], &[1]), &var_tiny, &t(&[1e-2], &[1])).unwrap();
    let g = vals(loss.backward().unwrap().get(&var_tiny).unwrap())[0];
    let want_g = 0.5 * (1.0 / 1e-6 - 1e-4 / 1e-12);
    assert!(close(g, want_g, 1e-12), "gradient at a clamped variance: got {g}, want {want_g}");
    // One shared variance broadcasts.
    let shared = gaussian_nll(&mean, &t(&[2.0], &[1]), &target).unwrap().item().unwrap();
    let want_shared: f64 =
        (0..5).map(|i| 0.5 * (2f64.ln() + (y[i] - m0[i]).powi(2) / 2.0)).sum::<f64>() / 5.0;
    assert!(close(shared, want_shared, 1e-14));
}

#[test]
fn loss_shape_mismatches_error() {
    let (a, b) = (t(&[1.0, 2.0, 3.0], &[3]), t(&[1.0, 2.0], &[2]));
    let col = t(&[1.0, 2.0, 3.0], &[3, 1]);
    for e in [
        mse(&a, &b).unwrap_err(),
        mse(&a, &col).unwrap_err(), // would broadcast to [3, 3]: must not
        bce_with_logits(&a, &b).unwrap_err(),
        gaussian_nll(&a, &a, &b).unwrap_err(),
        gaussian_nll(&a, &t(&[1.0; 6], &[2, 3]), &a).unwrap_err(), // var wider than mean
        gaussian_nll(&a, &b, &a).unwrap_err(),
    ] {
        assert!(matches!(e, Error::Shape { .. }), "{e}");
        assert!(e.to_string().contains("[3]"), "message names the shapes: {e}");
    }
}
