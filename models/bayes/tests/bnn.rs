//! Bayesian neural networks: the tape density against finite differences and against a
//! hand-written f64 implementation, the likelihood heads against hand computation, bad
//! input, minibatch unbiasedness, and a short seeded NUTS run that fits the data.

use weft_bayes::bnn::{Activation, Bnn, BnnDensity, Likelihood};
use weft_bayes::{sample_chains, LogDensity, MinibatchDensity, Prior, SamplerConfig};
use weft_ops::rng::Philox;
use weft_ops::{Device, Error};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

fn sine_data(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Philox::new(seed);
    let x: Vec<f64> = (0..n).map(|i| -2.0 + 4.0 * i as f64 / (n - 1) as f64).collect();
    let y = x.iter().map(|&v| (3.0 * v).sin() + 0.1 * rng.normal()).collect();
    (x, y)
}

fn random_theta(dim: usize, scale: f64, seed: u64) -> Vec<f64> {
    let mut rng = Philox::new(seed);
    (0..dim).map(|_| scale * rng.normal()).collect()
}

/// Central finite differences of the density on every coordinate against its gradient.
/// Step `h = 1e-5`: the truncation error `h^2 |f'''| / 6` and the rounding error
/// `eps |f| / h` are both far below the `1e-6 (1 + |g|)` tolerance for these smooth
/// densities of moderate size.
fn check_gradient(d: &mut dyn LogDensity, theta: &[f64]) {
    let n = d.dim();
    let mut g = vec![0.0; n];
    let lp = d.log_density_and_grad(theta, &mut g).unwrap();
    assert!(lp.is_finite());
    let mut scratch = vec![0.0; n];
    let h = 1e-5;
    for i in 0..n {
        let mut t = theta.to_vec();
        t[i] += h;
        let up = d.log_density_and_grad(&t, &mut scratch).unwrap();
        t[i] -= 2.0 * h;
        let down = d.log_density_and_grad(&t, &mut scratch).unwrap();
        let fd = (up - down) / (2.0 * h);
        let tol = 1e-6 * (1.0 + g[i].abs()) + 1e-9 * lp.abs() / h;
        assert!((fd - g[i]).abs() <= tol, "coordinate {i}: finite difference {fd}, tape {}", g[i]);
    }
}

#[test]
fn gradient_matches_finite_differences_for_every_head() {
    let (x1, y) = sine_data(12, 1);
    // Two inputs per point for the deeper nets.
    let x2: Vec<f64> = x1.iter().flat_map(|&v| [v, v * v - 1.0]).collect();
    let labels: Vec<f64> = y.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    let classes: Vec<f64> = y.iter().map(|&v| ((v + 1.2) * 1.3).floor().clamp(0.0, 2.0)).collect();
    let cases: Vec<(Bnn, Vec<f64>, Vec<f64>)> = vec![
        (
            Bnn::new(&[1, 6, 1], Activation::Tanh, Likelihood::gaussian(0.3).unwrap()).unwrap(),
            x1.clone(),
            y.clone(),
        ),
        (
            Bnn::new(
                &[2, 5, 4, 1],
                Activation::Tanh,
                Likelihood::GaussianLearned { prior: Prior::half_cauchy(1.0).unwrap() },
            )
            .unwrap()
            .with_priors(1, Prior::student_t(3.0, 0.0, 0.5).unwrap(), Prior::laplace(0.0, 2.0).unwrap())
            .unwrap(),
            x2.clone(),
            y.clone(),
        ),
        (Bnn::new(&[2, 5, 1], Activation::Tanh, Likelihood::Bernoulli).unwrap(), x2.clone(), labels),
        (Bnn::new(&[2, 4, 3], Activation::Tanh, Likelihood::Categorical).unwrap(), x2, classes),
    ];
    for (k, (net, x, y)) in cases.iter().enumerate() {
        let mut d = BnnDensity::<f64>::new(net, x, y, Device::Cpu).unwrap();
        let theta = random_theta(net.dim(), 0.7, 10 + k as u64);
        check_gradient(&mut d, &theta);
    }
}

/// Hand-written log density of the 1-H-1 tanh BNN with N(0, s^2) priors and known noise
/// `sigma`, and its gradient by hand back-propagation. Layout: w1[H], b1[H], w2[H], b2.
fn hand_density(theta: &[f64], h: usize, s: f64, sigma: f64, x: &[f64], y: &[f64]) -> (f64, Vec<f64>) {
    let (w1, rest) = theta.split_at(h);
    let (b1, rest) = rest.split_at(h);
    let (w2, b2) = rest.split_at(h);
    let b2 = b2[0];
    let mut g = vec![0.0; theta.len()];
    let mut lp = 0.0;
    for (i, &t) in theta.iter().enumerate() {
        lp += -0.5 * (t / s).powi(2) - s.ln() - 0.5 * LN_2PI;
        g[i] = -t / (s * s);
    }
    for (&xi, &yi) in x.iter().zip(y) {
        let a: Vec<f64> = (0..h).map(|j| (xi * w1[j] + b1[j]).tanh()).collect();
        let f = b2 + (0..h).map(|j| a[j] * w2[j]).sum::<f64>();
        let r = yi - f;
        lp += -0.5 * (r / sigma).powi(2) - sigma.ln() - 0.5 * LN_2PI;
        let df = r / (sigma * sigma);
        for j in 0..h {
            let dz = df * w2[j] * (1.0 - a[j] * a[j]);
            g[j] += dz * xi;
            g[h + j] += dz;
            g[2 * h + j] += df * a[j];
        }
        g[3 * h] += df;
    }
    (lp, g)
}

#[test]
fn tape_density_equals_hand_written_f64_density() {
    let (x, y) = sine_data(100, 0);
    let h = 50;
    let net = Bnn::new(&[1, h, 1], Activation::Tanh, Likelihood::gaussian(0.1).unwrap()).unwrap();
    assert_eq!(net.dim(), 151);
    let mut d64 = BnnDensity::<f64>::new(&net, &x, &y, Device::Cpu).unwrap();
    let mut d32 = BnnDensity::<f32>::new(&net, &x, &y, Device::Cpu).unwrap();
    for seed in 0..3 {
        let theta = random_theta(net.dim(), 0.5, seed);
        let (lp_hand, g_hand) = hand_density(&theta, h, 1.0, 0.1, &x, &y);
        let mut g = vec![0.0; net.dim()];
        let lp = d64.log_density_and_grad(&theta, &mut g).unwrap();
        // f64 rounding over ~100 * 50 terms: relative error well below 1e-11.
        assert!((lp - lp_hand).abs() <= 1e-11 * lp_hand.abs(), "{lp} vs {lp_hand}");
        let gmax = g_hand.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (i, (a, b)) in g.iter().zip(&g_hand).enumerate() {
            assert!((a - b).abs() <= 1e-11 * gmax, "grad {i}: tape {a}, hand {b}");
        }

        // f32: each output f_i is a sum of H + 1 products of rounded values, so its error is at
        // most (H + 4) u |f|_abs with u = 2^-24 and |f|_abs = |b2| + sum_j |w2_j| (|tanh| <= 1);
        // the log-likelihood moves by at most sum_i |r_i| / sigma^2 times that, plus the
        // rounding of the parameters themselves (same bound) and of the f64 prior (negligible).
        let u = f32::EPSILON as f64 / 2.0;
        let f_abs = theta[3 * h].abs() + theta[2 * h..3 * h].iter().map(|v| v.abs()).sum::<f64>();
        let (lp_plain, _) = hand_density(&theta, h, 1.0, 0.1, &x, &y);
        let resid_sum: f64 = x
            .iter()
            .zip(&y)
            .map(|(&xi, &yi)| {
                let f = net.forward(&theta, &[xi]).unwrap()[0];
                (yi - f).abs() / 0.01
            })
            .sum();
        let tol = 2.0 * (h as f64 + 4.0) * u * f_abs * resid_sum + 1e-12 * lp_plain.abs();
        let lp32 = d32.log_density_and_grad(&theta, &mut g).unwrap();
        assert!((lp32 - lp_hand).abs() <= tol, "f32 {lp32} vs {lp_hand}, tolerance {tol}");
    }
}

#[test]
fn bernoulli_and_categorical_heads_match_hand_computation() {
    // Bernoulli with logits: log sigmoid(f) for y = 1, log(1 - sigmoid(f)) for y = 0.
    let f = [0.3f64, -1.2, 2.0, -40.0];
    let y = [1.0, 0.0, 1.0, 1.0];
    let mut df = [0.0; 4];
    let (lp, _) = Likelihood::Bernoulli.log_lik_and_grad(&f, &y, 1.0, &mut df);
    let p = |v: f64| 1.0 / (1.0 + (-v).exp());
    let hand = (p(0.3)).ln() + (1.0 - p(-1.2)).ln() + p(2.0).ln() + (-40.0 - (40.0f64).exp().ln_1p() + 40.0);
    assert!((lp - hand).abs() <= 1e-12 * hand.abs(), "{lp} vs {hand}");
    for i in 0..4 {
        assert!((df[i] - (y[i] - p(f[i]))).abs() <= 1e-15, "d/df {i}");
    }

    // Categorical: log softmax(f_i)[y_i], two points and three classes.
    let f = [1.0f32, 2.0, 0.5, -0.3, 0.0, 3.0];
    let y = [1.0, 0.0];
    let mut df = [0.0; 6];
    let (lp, _) = Likelihood::Categorical.log_lik_and_grad(&f, &y, 1.0, &mut df);
    let row = |k: usize| -> Vec<f64> { f[3 * k..3 * k + 3].iter().map(|&v| v as f64).collect() };
    let lse = |r: &[f64]| r.iter().map(|v| v.exp()).sum::<f64>().ln();
    let (r0, r1) = (row(0), row(1));
    let hand = (r0[1] - lse(&r0)) + (r1[0] - lse(&r1));
    assert!((lp - hand).abs() <= 1e-12 * hand.abs(), "{lp} vs {hand}");
    for (k, r) in [r0, r1].iter().enumerate() {
        for j in 0..3 {
            let onehot = if j == y[k] as usize { 1.0 } else { 0.0 };
            let want = onehot - (r[j] - lse(r)).exp();
            assert!((df[3 * k + j] - want).abs() <= 1e-12, "d/df[{k},{j}]");
        }
    }

    // Through the density: log prior + the hand-computed head of the f64 forward pass.
    let x: Vec<f64> = (0..8).flat_map(|i| [i as f64 / 4.0 - 1.0, (i % 3) as f64]).collect();
    let labels: Vec<f64> = (0..8).map(|i| (i % 2) as f64).collect();
    let classes: Vec<f64> = (0..8).map(|i| (i % 3) as f64).collect();
    for (net, y) in [
        (Bnn::new(&[2, 4, 1], Activation::Relu, Likelihood::Bernoulli).unwrap(), labels),
        (Bnn::new(&[2, 4, 3], Activation::Tanh, Likelihood::Categorical).unwrap(), classes),
    ] {
        let theta = random_theta(net.dim(), 0.8, 5);
        let f = net.forward(&theta, &x).unwrap();
        let k = net.outputs();
        let head: f64 = (0..8)
            .map(|i| {
                let r = &f[i * k..(i + 1) * k];
                if k == 1 {
                    if y[i] == 1.0 {
                        p(r[0]).ln()
                    } else {
                        (1.0 - p(r[0])).ln()
                    }
                } else {
                    r[y[i] as usize] - lse(r)
                }
            })
            .sum();
        let prior: f64 = theta.iter().map(|t| -0.5 * t * t - 0.5 * LN_2PI).sum();
        let mut d = BnnDensity::<f64>::new(&net, &x, &y, Device::Cpu).unwrap();
        let mut g = vec![0.0; net.dim()];
        let lp = d.log_density_and_grad(&theta, &mut g).unwrap();
        assert!((lp - (prior + head)).abs() <= 1e-11 * lp.abs(), "{lp} vs {}", prior + head);
        // Mean responses are probabilities.
        let pred = net.predict(&theta, &x).unwrap();
        for row in pred.chunks(k) {
            assert!(row.iter().all(|&v| (0.0..=1.0).contains(&v)));
            if k > 1 {
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn learned_noise_density_matches_hand_computation() {
    let (x, y) = sine_data(10, 4);
    let prior = Prior::log_normal(-1.0, 0.5).unwrap();
    let net = Bnn::new(&[1, 3, 1], Activation::Tanh, Likelihood::GaussianLearned { prior }).unwrap();
    assert_eq!(net.dim(), 11);
    assert_eq!(net.param_names().last().unwrap(), "sigma");
    let mut theta = random_theta(net.dim(), 0.6, 2);
    theta[10] = 0.2f64.ln();
    let sigma = 0.2;
    let f = net.forward(&theta, &x).unwrap();
    let ll: f64 = f
        .iter()
        .zip(&y)
        .map(|(fi, yi)| -0.5 * ((yi - fi) / sigma).powi(2) - f64::ln(sigma) - 0.5 * LN_2PI)
        .sum();
    let prior_w: f64 = theta[..10].iter().map(|t| -0.5 * t * t - 0.5 * LN_2PI).sum();
    // Prior density of sigma plus log |d sigma / d log sigma| = log sigma.
    let hand = ll + prior_w + prior.log_density(sigma) + sigma.ln();
    let mut d = BnnDensity::<f64>::new(&net, &x, &y, Device::Cpu).unwrap();
    let mut g = vec![0.0; net.dim()];
    let lp = d.log_density_and_grad(&theta, &mut g).unwrap();
    assert!((lp - hand).abs() <= 1e-12 * hand.abs(), "{lp} vs {hand}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let gauss = Bnn::new(&[1, 3, 1], Activation::Tanh, Likelihood::gaussian(0.1).unwrap()).unwrap();
    assert!(matches!(Likelihood::gaussian(0.0), Err(Error::Invalid { .. })));
    assert!(Bnn::new(&[1], Activation::Tanh, Likelihood::Bernoulli).is_err());
    assert!(Bnn::new(&[1, 3, 2], Activation::Tanh, Likelihood::Bernoulli).is_err());
    assert!(Bnn::new(&[1, 3, 1], Activation::Tanh, Likelihood::Categorical).is_err());
    assert!(gauss
        .clone()
        .with_priors(2, Prior::normal(0.0, 1.0).unwrap(), Prior::normal(0.0, 1.0).unwrap())
        .is_err());
    // x and y lengths disagree.
    assert!(matches!(
        BnnDensity::<f32>::new(&gauss, &[0.0, 1.0], &[0.0], Device::Cpu),
        Err(Error::Shape { .. })
    ));
    // Non-finite input.
    assert!(BnnDensity::<f32>::new(&gauss, &[f64::NAN], &[0.0], Device::Cpu).is_err());
    // Labels not in {0, 1}; class index out of range.
    let bern = Bnn::new(&[1, 3, 1], Activation::Tanh, Likelihood::Bernoulli).unwrap();
    assert!(BnnDensity::<f32>::new(&bern, &[0.0, 1.0], &[0.0, 0.5], Device::Cpu).is_err());
    let cat = Bnn::new(&[1, 3, 3], Activation::Tanh, Likelihood::Categorical).unwrap();
    assert!(BnnDensity::<f32>::new(&cat, &[0.0, 1.0], &[0.0, 3.0], Device::Cpu).is_err());
    // CUDA in a build without it.
    let err = BnnDensity::<f32>::new(&gauss, &[0.0], &[0.0], Device::Cuda(0)).err().unwrap();
    assert!(matches!(err, Error::CudaNotCompiled), "{err}");
    // Wrong theta length.
    let mut d = BnnDensity::<f64>::new(&gauss, &[0.0], &[0.0], Device::Cpu).unwrap();
    let mut g = vec![0.0; 3];
    assert!(matches!(d.log_density_and_grad(&[0.0; 3], &mut g), Err(Error::Shape { .. })));
    // Batch size out of range.
    assert!(d.with_batch_size(2).is_err());
    // A non-finite parameter gives a non-finite log density (a divergence), not an error, and
    // leaves the tape usable.
    let mut d = BnnDensity::<f32>::new(&gauss, &[0.0, 1.0], &[0.0, 1.0], Device::Cpu).unwrap();
    let mut g = vec![0.0; gauss.dim()];
    let mut theta = vec![0.1; gauss.dim()];
    theta[3] = f64::INFINITY;
    assert!(!d.log_density_and_grad(&theta, &mut g).unwrap().is_finite());
    theta[3] = 0.1;
    assert!(d.log_density_and_grad(&theta, &mut g).unwrap().is_finite());
}

#[test]
fn minibatch_estimate_is_unbiased() {
    let (x, y) = sine_data(20, 6);
    let net = Bnn::new(&[1, 3, 1], Activation::Tanh, Likelihood::gaussian(0.3).unwrap()).unwrap();
    let theta = random_theta(net.dim(), 0.5, 3);
    let mut full = BnnDensity::<f64>::new(&net, &x, &y, Device::Cpu).unwrap();
    let mut g = vec![0.0; net.dim()];
    let exact = full.log_density_and_grad(&theta, &mut g).unwrap();
    let g_exact = g.clone();
    let mut mb = BnnDensity::<f64>::new(&net, &x, &y, Device::Cpu).unwrap().with_batch_size(5).unwrap();
    let mut rng = Philox::new(8);
    let reps = 4000;
    let (mut s, mut s2, mut gs) = (0.0, 0.0, 0.0);
    for _ in 0..reps {
        let v = mb.minibatch_log_density_and_grad(&theta, &mut rng, &mut g).unwrap();
        s += v;
        s2 += v * v;
        gs += g[0];
    }
    let mean = s / reps as f64;
    let se = ((s2 / reps as f64 - mean * mean) / reps as f64).sqrt();
    // Five standard errors: a false failure has probability below 1e-6.
    assert!((mean - exact).abs() <= 5.0 * se, "minibatch mean {mean}, exact {exact}, se {se}");
    assert!(gs.is_finite() && g_exact[0].is_finite());
}

#[test]
fn short_nuts_run_fits_the_data_better_than_the_prior_mean() {
    let (x, y) = sine_data(20, 2);
    let net = Bnn::new(&[1, 3, 1], Activation::Tanh, Likelihood::gaussian(0.1).unwrap()).unwrap();
    let inits = net.inits(2, 2.0, 0.1, 11);
    let cfg = SamplerConfig::nuts().iterations(200, 200).max_depth(8);
    let make = |_c: usize| BnnDensity::<f32>::new(&net, &x, &y, Device::Cpu);
    let post = sample_chains(make, &inits, &cfg, 11, Some(net.param_names()), None).unwrap();
    assert_eq!(post.n_chains(), 2);
    assert_eq!(post.n_draws(), 200);
    for c in post.chains() {
        assert!(c.draws.iter().all(|v| v.is_finite()));
    }
    let pred = net.predictive(&post, &x, &[0.05, 0.95]).unwrap();
    let mse_post = pred.mean.iter().zip(&y).map(|(m, v)| (m - v).powi(2)).sum::<f64>() / y.len() as f64;
    // The prior predictive mean is 0 by the symmetry of the N(0, 1) priors.
    let mse_prior = y.iter().map(|v| v * v).sum::<f64>() / y.len() as f64;
    assert!(mse_post < 0.5 * mse_prior, "posterior mean MSE {mse_post}, prior mean MSE {mse_prior}");
    for j in 0..y.len() {
        assert!(pred.quantiles[0][j] <= pred.mean[j] && pred.mean[j] <= pred.quantiles[1][j]);
    }
    // The summary prints and names the parameters.
    let s = post.summary().unwrap();
    assert!(s.compact(2).contains("max r_hat"));
    assert_eq!(s.rows[0].name, "w1[0,0]");
}
