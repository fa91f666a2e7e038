//! Optimisers against hand-written references of PyTorch's update rules, and their misuse
//! cases (bad learning rates and hyper-parameters, wrong-shape gradients).

use weft_autograd::nn::Param;
use weft_autograd::optim::{Adam, Optimizer, Sgd};
use weft_autograd::storage::Storage;
use weft_autograd::{Error, Grads, Tensor};

fn param(v: &[f64]) -> Param<f64> {
    Param::new(Tensor::from_slice(v, &[v.len()]).unwrap())
}

fn values(p: &Param<f64>) -> Vec<f64> {
    p.value().to_vec().unwrap()
}

/// Gradients of `sum_i <p_i, c_i>` through the tape: exactly `c_i` for each parameter listed.
fn grads_of(pairs: &[(&Param<f64>, &[f64])]) -> Grads<f64> {
    let mut loss: Option<Tensor<f64>> = None;
    for (p, c) in pairs {
        let c = Tensor::from_slice(c, &p.shape()).unwrap();
        let term = p.value().mul(&c).unwrap().sum_all().unwrap();
        loss = Some(match loss {
            None => term,
            Some(l) => l.add(&term).unwrap(),
        });
    }
    loss.unwrap().backward().unwrap()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        // Same operations in a different order: a few ulps of the magnitude.
        assert!((g - w).abs() <= 1e-13 * (1.0 + w.abs()), "{what}[{i}]: got {g}, want {w}");
    }
}

/// Gradient sequences used by the tests (step t, element i).
fn grad_seq(t: usize, n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|i| scale * ((t * 7 + i * 3) as f64 * 0.7).sin() + 0.1 * i as f64 - 0.05).collect()
}

#[test]
fn sgd_plain_matches_hand_update() {
    let p0 = [0.5, -1.0, 2.0];
    let p = param(&p0);
    let mut opt = Sgd::new(vec![p.clone()], 0.1);
    let mut want = p0.to_vec();
    for t in 0..3 {
        let g = grad_seq(t, 3, 1.0);
        opt.step(&grads_of(&[(&p, &g)])).unwrap();
        for i in 0..3 {
            want[i] -= 0.1 * g[i];
        }
        assert_close(&values(&p), &want, &format!("sgd step {t}"));
    }
}

#[test]
fn sgd_momentum_weight_decay_matches_hand_unrolled_update() {
    let (lr, mu, wd) = (0.05, 0.9, 0.01);
    let p0 = [0.5, -1.0, 2.0, 0.0];
    let p = param(&p0);
    let mut opt = Sgd::new(vec![p.clone()], lr).momentum(mu).weight_decay(wd);
    let g: Vec<Vec<f64>> = (0..3).map(|t| grad_seq(t, 4, 1.0)).collect();
    opt.step(&grads_of(&[(&p, &g[0])])).unwrap();
    opt.step(&grads_of(&[(&p, &g[1])])).unwrap();
    opt.step(&grads_of(&[(&p, &g[2])])).unwrap();
    // Unrolled: b1 = d1; b2 = mu b1 + d2; b3 = mu b2 + d3, d_t = g_t + wd p_{t-1}.
    let want: Vec<f64> = (0..4)
        .map(|i| {
            let x0 = p0[i];
            let b1 = g[0][i] + wd * x0;
            let x1 = x0 - lr * b1;
            let b2 = mu * b1 + g[1][i] + wd * x1;
            let x2 = x1 - lr * b2;
            let b3 = mu * b2 + g[2][i] + wd * x2;
            x2 - lr * b3
        })
        .collect();
    assert_close(&values(&p), &want, "sgd momentum");
}

/// PyTorch's Adam / AdamW for one parameter vector, written from the paper's notation.
struct AdamRef {
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    wd: f64,
    decoupled: bool,
    t: i32,
    m: Vec<f64>,
    v: Vec<f64>,
}

impl AdamRef {
    fn new(n: usize, lr: f64, b1: f64, b2: f64, eps: f64, wd: f64, decoupled: bool) -> Self {
        AdamRef { lr, b1, b2, eps, wd, decoupled, t: 0, m: vec![0.0; n], v: vec![0.0; n] }
    }
    fn step(&mut self, p: &mut [f64], g: &[f64]) {
        self.t += 1;
        for i in 0..p.len() {
            let mut gi = g[i];
            if self.decoupled {
                p[i] -= self.lr * self.wd * p[i];
            } else {
                gi += self.wd * p[i];
            }
            self.m[i] = self.b1 * self.m[i] + (1.0 - self.b1) * gi;
            self.v[i] = self.b2 * self.v[i] + (1.0 - self.b2) * gi * gi;
            let m_hat = self.m[i] / (1.0 - self.b1.powi(self.t));
            let v_hat = self.v[i] / (1.0 - self.b2.powi(self.t));
            p[i] -= self.lr * m_hat / (v_hat.sqrt() + self.eps);
        }
    }
}

fn run_adam_case(decoupled: bool, wd: f64, betas: (f64, f64), eps: f64) {
    let (lr, n) = (0.01, 5);
    let a0: Vec<f64> = (0..n).map(|i| 0.3 * i as f64 - 0.6).collect();
    let b0 = [1.5, -2.5];
    let (a, b) = (param(&a0), param(&b0));
    let mut opt = if decoupled {
        Adam::decoupled(vec![a.clone(), b.clone()], lr, wd)
    } else {
        Adam::new(vec![a.clone(), b.clone()], lr).weight_decay(wd)
    }
    .betas(betas.0, betas.1)
    .eps(eps);
    let mut ra = AdamRef::new(n, lr, betas.0, betas.1, eps, wd, decoupled);
    let mut rb = AdamRef::new(2, lr, betas.0, betas.1, eps, wd, decoupled);
    let (mut wa, mut wb) = (a0.clone(), b0.to_vec());
    for t in 0..5 {
        // Gradients of very different scales: Adam's update is scale-free only up to eps.
        let ga = grad_seq(t, n, 1.0);
        let gb = grad_seq(t + 11, 2, 1e-3);
        opt.step(&grads_of(&[(&a, &ga), (&b, &gb)])).unwrap();
        ra.step(&mut wa, &ga);
        rb.step(&mut wb, &gb);
        assert_close(&values(&a), &wa, &format!("a after step {t}"));
        assert_close(&values(&b), &wb, &format!("b after step {t}"));
    }
}

#[test]
fn adam_matches_reference_over_five_steps() {
    run_adam_case(false, 0.0, (0.9, 0.999), 1e-8);
}

#[test]
fn adam_with_l2_weight_decay_and_custom_betas_matches_reference() {
    run_adam_case(false, 0.1, (0.8, 0.99), 1e-6);
}

#[test]
fn adamw_matches_reference_over_five_steps() {
    run_adam_case(true, 0.01, (0.9, 0.999), 1e-8);
    run_adam_case(true, 0.5, (0.5, 0.9), 1e-3);
}

#[test]
fn adam_bias_correction_counts_each_parameters_own_steps() {
    // `b` gets no gradient in step 1; PyTorch corrects its first update with t = 1.
    let (a, b) = (param(&[1.0, 2.0]), param(&[3.0, -4.0]));
    let mut opt = Adam::new(vec![a.clone(), b.clone()], 0.1);
    let mut ra = AdamRef::new(2, 0.1, 0.9, 0.999, 1e-8, 0.0, false);
    let mut rb = AdamRef::new(2, 0.1, 0.9, 0.999, 1e-8, 0.0, false);
    let (mut wa, mut wb) = (vec![1.0, 2.0], vec![3.0, -4.0]);
    let g1 = [0.5, -0.25];
    opt.step(&grads_of(&[(&a, &g1)])).unwrap();
    ra.step(&mut wa, &g1);
    assert_eq!(values(&b), wb, "b had no gradient: untouched");
    let (g2a, g2b) = ([0.1, 0.2], [2.0, -3.0]);
    opt.step(&grads_of(&[(&a, &g2a), (&b, &g2b)])).unwrap();
    ra.step(&mut wa, &g2a);
    rb.step(&mut wb, &g2b);
    assert_close(&values(&a), &wa, "a");
    assert_close(&values(&b), &wb, "b (first update, t = 1)");
}

#[test]
fn parameters_without_gradient_are_untouched() {
    let (a, b) = (param(&[1.0, 2.0]), param(&[0.1, 0.2, 0.3]));
    let before = values(&b);
    let mut sgd = Sgd::new(vec![a.clone(), b.clone()], 0.1).momentum(0.9).weight_decay(0.1);
    let mut adam = Adam::decoupled(vec![a.clone(), b.clone()], 0.1, 0.1);
    for _ in 0..2 {
        sgd.step(&grads_of(&[(&a, &[1.0, 1.0])])).unwrap();
        adam.step(&grads_of(&[(&a, &[1.0, 1.0])])).unwrap();
    }
    // Bit-identical, not merely close: no weight decay or momentum leaks onto b.
    assert_eq!(values(&b), before);
    assert_ne!(values(&a), vec![1.0, 2.0]);
}

#[test]
fn wrong_shape_gradient_is_a_shape_error() {
    let p = param(&[1.0, 2.0, 3.0]);
    let mut grads = Grads::new();
    grads.insert(p.id(), Tensor::from_slice(&[1.0, 2.0], &[2]).unwrap());
    let mut opts: Vec<Box<dyn Optimizer<f64>>> =
        vec![Box::new(Sgd::new(vec![p.clone()], 0.1)), Box::new(Adam::new(vec![p.clone()], 0.1))];
    for opt in &mut opts {
        let err = opt.step(&grads).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("[2]") && msg.contains("[3]"), "message names both shapes: {msg}");
    }
    assert_eq!(values(&p), vec![1.0, 2.0, 3.0]);
}

#[test]
fn bad_learning_rates_are_invalid() {
    let p = param(&[1.0]);
    for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let g = grads_of(&[(&p, &[1.0])]);
        let e1 = Sgd::new(vec![p.clone()], lr).step(&g).unwrap_err();
        let e2 = Adam::new(vec![p.clone()], lr).step(&g).unwrap_err();
        let e3 = Adam::decoupled(vec![p.clone()], lr, 0.01).step(&g).unwrap_err();
        for e in [e1, e2, e3] {
            assert!(matches!(e, Error::Invalid { .. }), "lr {lr}: {e}");
            assert!(e.to_string().contains("learning rate"), "{e}");
        }
        // A schedule that sets a bad rate is caught too.
        let mut ok = Sgd::new(vec![p.clone()], 0.1);
        ok.set_learning_rate(lr);
        assert!(ok.step(&g).is_err());
    }
    assert_eq!(values(&p), vec![1.0]);
}

#[test]
fn bad_hyper_parameters_are_invalid() {
    let p = param(&[1.0]);
    let g = grads_of(&[(&p, &[1.0])]);
    let cases: Vec<Box<dyn Optimizer<f64>>> = vec![
        Box::new(Sgd::new(vec![p.clone()], 0.1).momentum(-0.5)),
        Box::new(Sgd::new(vec![p.clone()], 0.1).weight_decay(f64::NAN)),
        Box::new(Adam::new(vec![p.clone()], 0.1).betas(1.0, 0.999)),
        Box::new(Adam::new(vec![p.clone()], 0.1).betas(0.9, -0.1)),
        Box::new(Adam::new(vec![p.clone()], 0.1).eps(-1e-8)),
        Box::new(Adam::decoupled(vec![p.clone()], 0.1, -0.01)),
    ];
    for mut opt in cases {
        let e = opt.step(&g).unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{e}");
    }
    assert_eq!(values(&p), vec![1.0]);
}

fn host_ptr(p: &Param<f64>) -> *const f64 {
    match p.value().storage() {
        Storage::Cpu(v) => v.as_ptr(),
        Storage::Cuda(_) => panic!("the parameter was created on the CPU"),
    }
}

#[test]
fn update_is_in_place_and_keeps_the_parameter_identity() {
    let p = param(&[0.5, -0.5, 1.5]);
    let (id, ptr) = (p.id(), host_ptr(&p));
    let mut opt = Adam::new(vec![p.clone()], 0.05);
    for step in 0..3 {
        // Forward through the parameter's current value; backward drops the tape, so the
        // optimiser holds the only other handle and can rewrite the buffer in place.
        let grads = {
            let w = p.value();
            let loss = w.square().unwrap().sum_all().unwrap();
            let grads = loss.backward().unwrap();
            assert!(grads.get(&w).is_some(), "step {step}: gradient found through the value");
            grads
        };
        assert!(grads.get_id(id).is_some(), "step {step}: gradient found by id");
        opt.step(&grads).unwrap();
        assert_eq!(p.id(), id);
        assert_eq!(p.value().leaf_id(), Some(id));
        assert_eq!(host_ptr(&p), ptr, "step {step}: the buffer was rewritten in place");
    }
    // 0.5 -> smaller in magnitude after three steps toward the minimum at 0.
    let v = values(&p);
    assert!(v.iter().zip([0.5, -0.5, 1.5]).all(|(a, b): (&f64, f64)| a.abs() < b.abs()), "{v:?}");
}

#[test]
fn update_with_a_live_view_copies_and_leaves_the_view_alone() {
    let p = param(&[1.0, 2.0]);
    let held = p.value(); // shares the buffer
    let mut opt = Sgd::new(vec![p.clone()], 0.5);
    opt.step(&grads_of(&[(&p, &[1.0, 1.0])])).unwrap();
    assert_eq!(held.to_vec().unwrap(), vec![1.0, 2.0], "a tensor taken before the step keeps its values");
    assert_eq!(values(&p), vec![0.5, 1.5]);
    assert_eq!(p.value().leaf_id(), Some(p.id()));
}

#[test]
fn parameter_made_from_a_view_updates_only_its_own_elements() {
    // A parameter whose value is a prefix view of a larger buffer (the larger tensor dropped).
    let p = {
        let big = Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
        Param::new(big.narrow(0, 0, 2).unwrap())
    };
    let mut seen = 0;
    p.update_host(|s| seen = s.len()).unwrap();
    assert_eq!(seen, 4, "update_host sees exactly the parameter's elements");
    let mut opt = Adam::new(vec![p.clone()], 0.1);
    opt.step(&grads_of(&[(&p, &[1.0, -1.0, 1.0, -1.0])])).unwrap();
    let d = 0.1 / (1.0 + 1e-8); // first Adam step: lr * g / (|g| + eps)
    assert_close(&values(&p), &[1.0 - d, 2.0 + d, 3.0 - d, 4.0 + d], "Adam's first step");
    // A strided (transposed) value is updated through a copy, with the right element order.
    let q = Param::new(Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap().t().unwrap());
    Sgd::new(vec![q.clone()], 1.0)
        .step(&{
            let w = q.value();
            let c = Tensor::from_slice(&[0.5, 0.0, 0.0, 0.0], &[2, 2]).unwrap();
            w.mul(&c).unwrap().sum_all().unwrap().backward().unwrap()
        })
        .unwrap();
    assert_eq!(values(&q), vec![0.5, 3.0, 2.0, 4.0]);
}
