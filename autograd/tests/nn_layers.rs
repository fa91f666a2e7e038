//! Layers against hand computations: Linear, Embedding, LayerNorm, Dropout, Mlp and
//! MultiHeadAttention (forward values, initialisation, parameter names, misuse errors), and
//! central finite-difference gradient checks of LayerNorm and attention in f64.

use std::collections::HashMap;
use weft_autograd::nn::{
    Activation, Dropout, Embedding, Init, LayerNorm, Linear, Mlp, Mode, Module, MultiHeadAttention,
};
use weft_autograd::{no_grad, Error, Indices, Tensor};
use weft_ops::{rng::Philox, Device};

const CPU: Device = Device::Cpu;

fn randn(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::randn(shape, 0.0, 1.0, &mut Philox::new(seed), CPU).unwrap()
}

fn vals(t: &Tensor<f64>) -> Vec<f64> {
    t.to_vec().unwrap()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "{what}[{i}]: got {g}, want {w}");
    }
}

/// `x W + b` by loops, `x` `[rows, in]`, `w` `[in, out]` row-major.
fn affine_ref(x: &[f64], rows: usize, w: &[f64], b: Option<&[f64]>, out: usize) -> Vec<f64> {
    let inp = w.len() / out;
    let mut y = vec![0.0; rows * out];
    for r in 0..rows {
        for o in 0..out {
            let mut s = b.map_or(0.0, |b| b[o]);
            for k in 0..inp {
                s += x[r * inp + k] * w[k * out + o];
            }
            y[r * out + o] = s;
        }
    }
    y
}

/// Central differences of `f` at `x0`, compared with `analytic`. Truncation error is
/// O(h^2 f''') ~ 1e-10 and rounding O(eps |f| / h) ~ 1e-11 for the O(1) functions used here,
/// so a 1e-6 relative tolerance only fails for a wrong gradient.
fn check_grad(analytic: &[f64], x0: &[f64], f: impl Fn(&[f64]) -> f64, what: &str) {
    assert_eq!(analytic.len(), x0.len(), "{what}: gradient length");
    let h = 1e-5;
    for i in 0..x0.len() {
        let (mut xp, mut xm) = (x0.to_vec(), x0.to_vec());
        xp[i] += h;
        xm[i] -= h;
        let num = (f(&xp) - f(&xm)) / (2.0 * h);
        assert!(
            (analytic[i] - num).abs() <= 1e-6 * (1.0 + num.abs()),
            "{what}[{i}]: analytic {}, finite difference {num}",
            analytic[i]
        );
    }
}

// ------------------------------------------------------------------ Linear

#[test]
fn linear_forward_equals_hand_loops() {
    let layer = Linear::<f64>::new(4, 5, true, &mut Philox::new(1), CPU).unwrap();
    let (w, b) = (vals(&layer.weight.value()), vals(&layer.bias.as_ref().unwrap().value()));
    let x = randn(&[3, 4], 2);
    let y = layer.forward(&x).unwrap();
    assert_eq!(y.shape(), &[3, 5]);
    assert_close(&vals(&y), &affine_ref(&vals(&x), 3, &w, Some(&b), 5), 1e-14, "2-d");
    // A batch of matrices: each [3, 4] slice maps independently.
    let xb = randn(&[2, 3, 4], 3);
    let yb = layer.forward(&xb).unwrap();
    assert_eq!(yb.shape(), &[2, 3, 5]);
    assert_close(&vals(&yb), &affine_ref(&vals(&xb), 6, &w, Some(&b), 5), 1e-14, "3-d");
    // Without bias.
    let nb = Linear::<f64>::new(4, 5, false, &mut Philox::new(1), CPU).unwrap();
    assert!(nb.bias.is_none());
    let names: Vec<String> = nb.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["weight"]);
    let wn = vals(&nb.weight.value());
    assert_close(&vals(&nb.forward(&x).unwrap()), &affine_ref(&vals(&x), 3, &wn, None, 5), 1e-14, "no bias");
}

#[test]
fn linear_shape_error_names_the_widths() {
    let layer = Linear::<f32>::new(4, 5, true, &mut Philox::new(1), CPU).unwrap();
    for shape in [vec![3, 7], vec![7], vec![], vec![2, 3, 5]] {
        let x = Tensor::<f32>::zeros(&shape, CPU).unwrap();
        let e = layer.forward(&x).unwrap_err();
        assert!(matches!(e, Error::Shape { op: "Linear", .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(&format!("{shape:?}")) && msg.contains("width 4"), "{msg}");
    }
}

#[test]
fn linear_maps_a_single_sample_and_passes_its_gradient() {
    let layer = Linear::<f64>::new(4, 3, true, &mut Philox::new(5), CPU).unwrap();
    let x = randn(&[4], 6).requires_grad();
    let y = layer.forward(&x).unwrap();
    assert_eq!(y.shape(), &[3]);
    let batch = layer.forward(&x.reshape(&[1, 4]).unwrap()).unwrap();
    assert_close(&vals(&y), &vals(&batch), 0.0, "single sample vs a batch of one");
    let grads = y.sum_all().unwrap().backward().unwrap();
    // d sum(x W + b) / dx = row sums of W.
    let w = vals(&layer.weight.value());
    let want: Vec<f64> = w.chunks(3).map(|r| r.iter().sum()).collect();
    assert_close(&vals(grads.get(&x).unwrap()), &want, 1e-14, "input gradient");
}

#[test]
fn kaiming_init_bounds_moments_and_seeding() {
    let (fan_in, fan_out) = (64, 32);
    let layer = Linear::<f64>::new(fan_in, fan_out, true, &mut Philox::new(7), CPU).unwrap();
    let a = 1.0 / (fan_in as f64).sqrt();
    let w = vals(&layer.weight.value());
    let b = vals(&layer.bias.as_ref().unwrap().value());
    assert!(w.iter().chain(&b).all(|v| v.abs() <= a), "U(-a, a) with a = 1/sqrt(fan_in)");
    // Moments of U(-a, a): mean 0 (sd a/sqrt(3N)), E w^2 = a^2/3 (sd a^2 sqrt(4/45)/sqrt(N)).
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let m2 = w.iter().map(|v| v * v).sum::<f64>() / n;
    assert!(mean.abs() < 5.0 * a / (3.0 * n).sqrt(), "mean {mean}");
    assert!((m2 - a * a / 3.0).abs() < 5.0 * a * a * (4.0f64 / 45.0).sqrt() / n.sqrt(), "E w^2 {m2}");
    // Same seed, same weights; another seed, other weights.
    let same = Linear::<f64>::new(fan_in, fan_out, true, &mut Philox::new(7), CPU).unwrap();
    let other = Linear::<f64>::new(fan_in, fan_out, true, &mut Philox::new(8), CPU).unwrap();
    assert_eq!(vals(&same.weight.value()), w);
    assert_eq!(vals(&same.bias.as_ref().unwrap().value()), b);
    assert_ne!(vals(&other.weight.value()), w);
    // Weight and bias come from different draws.
    assert_ne!(&w[..fan_out], &b[..]);
}

#[test]
fn glorot_init_bounds_and_zero_bias() {
    let layer =
        Linear::<f64>::with_init(30, 10, true, Init::GlorotUniform, &mut Philox::new(3), CPU).unwrap();
    let a = (6.0f64 / 40.0).sqrt();
    let w = vals(&layer.weight.value());
    assert!(w.iter().all(|v| v.abs() <= a));
    assert!(w.iter().any(|v| v.abs() > 0.9 * a), "the draws fill the interval");
    assert_eq!(vals(&layer.bias.as_ref().unwrap().value()), vec![0.0; 10]);
}

// ------------------------------------------------------------------ Embedding

#[test]
fn embedding_lookup_equals_table_rows_and_gradient_scatters() {
    let emb = Embedding::<f64>::new(10, 3, &mut Philox::new(4), CPU).unwrap();
    let table = vals(&emb.weight.value());
    let ids = [3u32, 0, 3, 9];
    let out = emb.forward(&Indices::new(ids.to_vec())).unwrap();
    assert_eq!(out.shape(), &[4, 3]);
    let want: Vec<f64> =
        ids.iter().flat_map(|&i| table[i as usize * 3..i as usize * 3 + 3].to_vec()).collect();
    assert_eq!(vals(&out), want);
    // d/dtable sum(out * R): row r gets the sum of R's rows looked up at r.
    let r = randn(&[4, 3], 5);
    let g = out.mul(&r).unwrap().sum_all().unwrap().backward().unwrap();
    let g = vals(g.get(&emb.weight.value()).unwrap());
    let rv = vals(&r);
    let mut want = vec![0.0; 30];
    for (pos, &i) in ids.iter().enumerate() {
        for c in 0..3 {
            want[i as usize * 3 + c] += rv[pos * 3 + c];
        }
    }
    assert_close(&g, &want, 1e-15, "embedding gradient");
}

#[test]
fn embedding_out_of_range_index_errors() {
    let emb = Embedding::<f32>::new(10, 3, &mut Philox::new(4), CPU).unwrap();
    let e = emb.forward(&Indices::new(vec![1, 10, 2])).unwrap_err();
    assert!(matches!(e, Error::Index { .. }), "{e}");
    assert!(e.to_string().contains("10"), "{e}");
}

// ------------------------------------------------------------------ LayerNorm

#[test]
fn layer_norm_standardises_rows_then_applies_gamma_beta() {
    let (rows, d) = (5, 7);
    let ln = LayerNorm::<f64>::new(d, CPU).unwrap();
    // Rows with very different offsets and scales.
    let x = randn(&[rows, d], 6).mul(&Tensor::from_slice(&[0.01, 1.0, 3.0, 100.0, 0.5], &[rows, 1]).unwrap());
    let x = x.unwrap().add_scalar(40.0).unwrap();
    let xv = vals(&x);
    let y = vals(&ln.forward(&x).unwrap());
    for r in 0..rows {
        let row = &xv[r * d..(r + 1) * d];
        let m = row.iter().sum::<f64>() / d as f64;
        let var = row.iter().map(|v| (v - m).powi(2)).sum::<f64>() / d as f64;
        let out = &y[r * d..(r + 1) * d];
        let om = out.iter().sum::<f64>() / d as f64;
        let ov = out.iter().map(|v| (v - om).powi(2)).sum::<f64>() / d as f64;
        assert!(om.abs() < 1e-12, "row {r} mean {om}");
        // Population variance var / (var + eps), eps = 1e-5.
        assert!((ov - var / (var + 1e-5)).abs() < 1e-10, "row {r} var {ov}");
    }
    // With gamma and beta set: a full hand computation.
    let gamma: Vec<f64> = (0..d).map(|i| 0.5 + 0.25 * i as f64).collect();
    let beta: Vec<f64> = (0..d).map(|i| 1.0 - 0.3 * i as f64).collect();
    ln.gamma.set(&Tensor::from_slice(&gamma, &[d]).unwrap()).unwrap();
    ln.beta.set(&Tensor::from_slice(&beta, &[d]).unwrap()).unwrap();
    let y = vals(&ln.forward(&x).unwrap());
    let mut want = vec![0.0; rows * d];
    for r in 0..rows {
        let row = &xv[r * d..(r + 1) * d];
        let m = row.iter().sum::<f64>() / d as f64;
        let var = row.iter().map(|v| (v - m).powi(2)).sum::<f64>() / d as f64;
        for c in 0..d {
            want[r * d + c] = (row[c] - m) / (var + 1e-5).sqrt() * gamma[c] + beta[c];
        }
    }
    assert_close(&y, &want, 1e-11, "layer norm with gamma, beta");
    let names: Vec<String> = ln.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["gamma", "beta"]);
}

#[test]
fn layer_norm_wrong_width_errors() {
    let ln = LayerNorm::<f32>::new(4, CPU).unwrap();
    for shape in [vec![2, 5], vec![], vec![4, 1]] {
        let e = ln.forward(&Tensor::zeros(&shape, CPU).unwrap()).unwrap_err();
        assert!(matches!(e, Error::Shape { op: "LayerNorm", .. }), "{e}");
        assert!(e.to_string().contains("width 4"), "{e}");
    }
}

#[test]
fn layer_norm_gradients_match_finite_differences() {
    let (rows, d) = (3, 5);
    let ln = LayerNorm::<f64>::new(d, CPU).unwrap();
    ln.gamma.set(&randn(&[d], 11).add_scalar(1.0).unwrap()).unwrap();
    ln.beta.set(&randn(&[d], 12)).unwrap();
    let weights = randn(&[rows, d], 13);
    let x0 = vals(&randn(&[rows, d], 14));
    let objective = |ln: &LayerNorm<f64>, x: &Tensor<f64>| ln.forward(x)?.mul(&weights)?.sum_all();
    let x = Tensor::from_slice(&x0, &[rows, d]).unwrap().requires_grad();
    let g = objective(&ln, &x).unwrap().backward().unwrap();
    let fx = |v: &[f64]| {
        no_grad(|| objective(&ln, &Tensor::from_slice(v, &[rows, d]).unwrap()).unwrap().item().unwrap())
    };
    check_grad(&vals(g.get(&x).unwrap()), &x0, fx, "d/dx");
    let xc = Tensor::from_slice(&x0, &[rows, d]).unwrap();
    for (name, p) in ln.named_parameters() {
        let p0 = vals(&p.value());
        let g = objective(&ln, &xc).unwrap().backward().unwrap();
        let analytic = vals(g.get_id(p.id()).unwrap());
        let f = |v: &[f64]| {
            p.set(&Tensor::from_slice(v, &[d]).unwrap()).unwrap();
            let r = no_grad(|| objective(&ln, &xc).unwrap().item().unwrap());
            p.set(&Tensor::from_slice(&p0, &[d]).unwrap()).unwrap();
            r
        };
        check_grad(&analytic, &p0, f, &name);
    }
}

// ------------------------------------------------------------------ Dropout

#[test]
fn dropout_eval_is_identity_and_p_zero_too() {
    let x = randn(&[4, 5], 1);
    let d = Dropout::new(0.5, 9).unwrap();
    assert_eq!(vals(&d.forward(&x, Mode::Eval).unwrap()), vals(&x));
    let d0 = Dropout::new(0.0, 9).unwrap();
    assert_eq!(vals(&d0.forward(&x, Mode::Train).unwrap()), vals(&x));
}

#[test]
fn dropout_train_drops_about_p_and_scales_survivors() {
    let n = 100_000;
    for p in [0.1, 0.3, 0.75] {
        let d = Dropout::new(p, 42).unwrap();
        let x = Tensor::<f64>::ones(&[n], CPU).unwrap().requires_grad();
        let y = d.forward(&x, Mode::Train).unwrap();
        let yv = vals(&y);
        let zeros = yv.iter().filter(|&&v| v == 0.0).count() as f64;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!((zeros - n as f64 * p).abs() < 5.0 * sd, "p {p}: {zeros} zeros of {n}");
        let scale = 1.0 / (1.0 - p);
        assert!(yv.iter().all(|&v| v == 0.0 || (v - scale).abs() <= 1e-15 * scale), "survivors are 1/(1-p)");
        // The gradient is the same mask.
        let g = y.sum_all().unwrap().backward().unwrap();
        assert_eq!(vals(g.get(&x).unwrap()), yv);
        // The generator advances: the next mask differs; the same seed repeats the first.
        let again = d.forward(&x.detach(), Mode::Train).unwrap();
        assert_ne!(vals(&again), yv);
        let replay = Dropout::new(p, 42).unwrap().forward(&x.detach(), Mode::Train).unwrap();
        assert_eq!(vals(&replay), yv);
    }
    // f32 too.
    let d = Dropout::new(0.5, 1).unwrap();
    let y = d.forward(&Tensor::<f32>::ones(&[n], CPU).unwrap(), Mode::Train).unwrap().to_vec().unwrap();
    let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64;
    assert!((zeros - 0.5 * n as f64).abs() < 5.0 * (n as f64 * 0.25).sqrt());
    assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
}

#[test]
fn dropout_invalid_probability_errors() {
    for p in [-0.1, 1.0, 1.5, f64::NAN] {
        let e = Dropout::new(p, 0).err().unwrap();
        assert!(matches!(e, Error::Invalid { op: "Dropout", .. }), "p {p}: {e}");
    }
    assert!(Mlp::<f32>::new(&[2, 2], Activation::Relu, 1.0, &mut Philox::new(0), CPU).is_err());
    assert!(MultiHeadAttention::<f32>::new(4, 2, -0.5, &mut Philox::new(0), CPU).is_err());
}

// ------------------------------------------------------------------ Mlp

#[test]
fn mlp_names_counts_and_composes_its_layers() {
    let mlp = Mlp::<f64>::new(&[3, 8, 5, 2], Activation::Tanh, 0.0, &mut Philox::new(2), CPU).unwrap();
    let named = mlp.named_parameters();
    let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "layers.0.weight",
            "layers.0.bias",
            "layers.1.weight",
            "layers.1.bias",
            "layers.2.weight",
            "layers.2.bias"
        ]
    );
    let shapes: Vec<Vec<usize>> = named.iter().map(|(_, p)| p.shape()).collect();
    assert_eq!(shapes, [vec![3, 8], vec![8], vec![8, 5], vec![5], vec![5, 2], vec![2]]);
    assert_eq!(mlp.num_parameters(), 3 * 8 + 8 + 8 * 5 + 5 + 5 * 2 + 2);
    assert_eq!(mlp.parameters().len(), 6);
    // Forward = Linear, tanh, Linear, tanh, Linear, by hand.
    let x = randn(&[4, 3], 3);
    let mut h = vals(&x);
    let (mut rows, sizes) = (4, [3, 8, 5, 2]);
    for (i, l) in mlp.layers().iter().enumerate() {
        let b = vals(&l.bias.as_ref().unwrap().value());
        h = affine_ref(&h, rows, &vals(&l.weight.value()), Some(&b), sizes[i + 1]);
        if i < 2 {
            h.iter_mut().for_each(|v| *v = v.tanh());
        }
        rows = 4;
    }
    assert_close(&vals(&mlp.forward(&x, Mode::Eval).unwrap()), &h, 1e-13, "mlp forward");
}

#[test]
fn mlp_dropout_is_active_only_in_train_mode() {
    let a = Mlp::<f64>::new(&[3, 64, 2], Activation::Relu, 0.5, &mut Philox::new(2), CPU).unwrap();
    let b = Mlp::<f64>::new(&[3, 64, 2], Activation::Relu, 0.0, &mut Philox::new(2), CPU).unwrap();
    let x = randn(&[4, 3], 3);
    let eval = vals(&a.forward(&x, Mode::Eval).unwrap());
    assert_eq!(eval, vals(&b.forward(&x, Mode::Eval).unwrap()), "same seed, same weights; eval ignores p");
    assert_ne!(vals(&a.forward(&x, Mode::Train).unwrap()), eval);
    assert!(Mlp::<f64>::new(&[3], Activation::Relu, 0.0, &mut Philox::new(2), CPU).is_err());
}

// ------------------------------------------------------------------ MultiHeadAttention

/// Query rows `n`, key rows `m`, width `d`, head count.
#[derive(Clone, Copy)]
struct Dims {
    n: usize,
    m: usize,
    d: usize,
    heads: usize,
}

/// Multi-head attention by loops, with the layer's own weights. `xq` `[n, d]`, `xkv` `[m, d]`,
/// `mask` `[n, m]`.
fn attention_ref(
    w: &HashMap<String, Vec<f64>>,
    xq: &[f64],
    xkv: &[f64],
    dims: Dims,
    mask: Option<&[f64]>,
) -> Vec<f64> {
    let Dims { n, m, d, heads } = dims;
    let lin = |x: &[f64], rows: usize, p: &str| {
        affine_ref(x, rows, &w[&format!("{p}.weight")], Some(&w[&format!("{p}.bias")]), d)
    };
    let (q, k, v) = (lin(xq, n, "q"), lin(xkv, m, "k"), lin(xkv, m, "v"));
    let dh = d / heads;
    let mut ctx = vec![0.0; n * d];
    for h in 0..heads {
        for i in 0..n {
            let scores: Vec<f64> = (0..m)
                .map(|j| {
                    let dot: f64 = (0..dh).map(|c| q[i * d + h * dh + c] * k[j * d + h * dh + c]).sum();
                    dot / (dh as f64).sqrt() + mask.map_or(0.0, |mk| mk[i * m + j])
                })
                .collect();
            let mx = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = scores.iter().map(|s| (s - mx).exp()).collect();
            let z: f64 = e.iter().sum();
            for c in 0..dh {
                ctx[i * d + h * dh + c] = (0..m).map(|j| e[j] / z * v[j * d + h * dh + c]).sum();
            }
        }
    }
    lin(&ctx, n, "out")
}

fn weights_of(mha: &MultiHeadAttention<f64>) -> HashMap<String, Vec<f64>> {
    mha.named_parameters().into_iter().map(|(n, p)| (n, vals(&p.value()))).collect()
}

#[test]
fn attention_equals_hand_computation_for_one_and_several_heads() {
    let (n, m, d) = (4, 5, 6);
    for heads in [1, 2, 3, 6] {
        let mha = MultiHeadAttention::<f64>::new(d, heads, 0.0, &mut Philox::new(heads as u64), CPU).unwrap();
        let w = weights_of(&mha);
        let mut names: Vec<&String> = w.keys().collect();
        names.sort();
        assert_eq!(
            names,
            ["k.bias", "k.weight", "out.bias", "out.weight", "q.bias", "q.weight", "v.bias", "v.weight"]
        );
        assert_eq!(mha.num_parameters(), 4 * (d * d + d));
        let (xq, xkv) = (randn(&[n, d], 20), randn(&[m, d], 21));
        let y = mha.forward(&xq, &xkv, None, Mode::Eval).unwrap();
        assert_eq!(y.shape(), &[n, d]);
        let want = attention_ref(&w, &vals(&xq), &vals(&xkv), Dims { n, m, d, heads }, None);
        assert_close(&vals(&y), &want, 1e-12, &format!("{heads} heads"));
    }
}

#[test]
fn batched_attention_equals_per_item_attention() {
    let (b, n, m, d, heads) = (3, 4, 5, 6, 2);
    let mha = MultiHeadAttention::<f64>::new(d, heads, 0.0, &mut Philox::new(1), CPU).unwrap();
    let w = weights_of(&mha);
    let (xq, xkv) = (randn(&[b, n, d], 30), randn(&[b, m, d], 31));
    let y = mha.forward(&xq, &xkv, None, Mode::Eval).unwrap();
    assert_eq!(y.shape(), &[b, n, d]);
    let (yv, qv, kv) = (vals(&y), vals(&xq), vals(&xkv));
    for i in 0..b {
        let want = attention_ref(
            &w,
            &qv[i * n * d..(i + 1) * n * d],
            &kv[i * m * d..(i + 1) * m * d],
            Dims { n, m, d, heads },
            None,
        );
        assert_close(&yv[i * n * d..(i + 1) * n * d], &want, 1e-12, &format!("batch {i}"));
    }
}

#[test]
fn attention_mask_blocks_keys() {
    let (n, m, d, heads) = (3, 5, 4, 2);
    let mha = MultiHeadAttention::<f64>::new(d, heads, 0.0, &mut Philox::new(5), CPU).unwrap();
    let xq = randn(&[n, d], 40);
    let kv = vals(&randn(&[m, d], 41));
    // Block key 2 for every query, and key 4 for query 0 only.
    let mut mask = vec![0.0; n * m];
    (0..n).for_each(|i| mask[i * m + 2] = -1e9);
    mask[4] = -1e9;
    let mask_t = Tensor::from_slice(&mask, &[n, m]).unwrap();
    let mut kv2 = kv.clone();
    (0..d).for_each(|c| kv2[2 * d + c] += 5.0);
    let run = |kv: &[f64], mask: Option<&Tensor<f64>>| {
        vals(&mha.forward(&xq, &Tensor::from_slice(kv, &[m, d]).unwrap(), mask, Mode::Eval).unwrap())
    };
    let (a, b) = (run(&kv, Some(&mask_t)), run(&kv2, Some(&mask_t)));
    assert_close(&a, &b, 1e-14, "masked key 2 does not matter");
    assert_close(
        &a,
        &attention_ref(&weights_of(&mha), &vals(&xq), &kv, Dims { n, m, d, heads }, Some(&mask)),
        1e-12,
        "masked",
    );
    assert!(
        run(&kv, None).iter().zip(run(&kv2, None)).any(|(x, y)| (x - y).abs() > 1e-3),
        "unmasked it does"
    );
    // Key 4 changes only the rows of queries 1 and 2.
    let mut kv3 = kv.clone();
    (0..d).for_each(|c| kv3[4 * d + c] -= 3.0);
    let c = run(&kv3, Some(&mask_t));
    assert_close(&a[..d], &c[..d], 1e-14, "query 0 ignores key 4");
    assert!(a[d..].iter().zip(&c[d..]).any(|(x, y)| (x - y).abs() > 1e-3));
    // A mask that broadcasts over a batch works; one of the wrong shape errors.
    let xb = randn(&[2, n, d], 42);
    let kb = randn(&[2, m, d], 43);
    assert_eq!(mha.forward(&xb, &kb, Some(&mask_t), Mode::Eval).unwrap().shape(), &[2, n, d]);
    let bad = Tensor::<f64>::zeros(&[n, m + 1], CPU).unwrap();
    assert!(mha.forward(&xq, &Tensor::from_slice(&kv, &[m, d]).unwrap(), Some(&bad), Mode::Eval).is_err());
}

#[test]
fn attention_invalid_heads_and_shapes_error() {
    for (d, h) in [(6, 4), (6, 0), (5, 2)] {
        let e = MultiHeadAttention::<f32>::new(d, h, 0.0, &mut Philox::new(0), CPU).err().unwrap();
        assert!(matches!(e, Error::Invalid { .. }), "{e}");
        assert!(e.to_string().contains(&format!("{h} heads")), "{e}");
    }
    let mha = MultiHeadAttention::<f32>::new(4, 2, 0.0, &mut Philox::new(0), CPU).unwrap();
    let z = |s: &[usize]| Tensor::<f32>::zeros(s, CPU).unwrap();
    for (q, kv) in [(vec![4], vec![4]), (vec![1, 2, 3, 4], vec![1, 2, 3, 4]), (vec![2, 3, 4], vec![3, 4])] {
        let e = mha.forward(&z(&q), &z(&kv), None, Mode::Eval).err().unwrap();
        assert!(matches!(e, Error::Shape { .. }), "{e}");
    }
    assert!(mha.forward(&z(&[3, 5]), &z(&[3, 5]), None, Mode::Eval).is_err(), "wrong width");
}

#[test]
fn attention_dropout_only_in_train_mode() {
    let a = MultiHeadAttention::<f64>::new(8, 2, 0.5, &mut Philox::new(3), CPU).unwrap();
    let b = MultiHeadAttention::<f64>::new(8, 2, 0.0, &mut Philox::new(3), CPU).unwrap();
    let x = randn(&[6, 8], 50);
    let eval = vals(&a.forward(&x, &x, None, Mode::Eval).unwrap());
    assert_eq!(eval, vals(&b.forward(&x, &x, None, Mode::Eval).unwrap()));
    assert_ne!(vals(&a.forward(&x, &x, None, Mode::Train).unwrap()), eval);
}

#[test]
fn attention_gradients_match_finite_differences() {
    let (n, d, heads) = (3, 4, 2);
    let mha = MultiHeadAttention::<f64>::new(d, heads, 0.0, &mut Philox::new(8), CPU).unwrap();
    let r = randn(&[n, d], 60);
    let objective = |x: &Tensor<f64>| mha.forward(x, x, None, Mode::Eval)?.mul(&r)?.sum_all();
    let x0 = vals(&randn(&[n, d], 61));
    let x = Tensor::from_slice(&x0, &[n, d]).unwrap().requires_grad();
    let g = objective(&x).unwrap().backward().unwrap();
    let f =
        |v: &[f64]| no_grad(|| objective(&Tensor::from_slice(v, &[n, d]).unwrap()).unwrap().item().unwrap());
    check_grad(&vals(g.get(&x).unwrap()), &x0, f, "d/dx (self-attention)");
    let xc = Tensor::from_slice(&x0, &[n, d]).unwrap();
    for (name, p) in mha.named_parameters() {
        let (p0, shape) = (vals(&p.value()), p.shape());
        let g = objective(&xc).unwrap().backward().unwrap();
        let analytic = vals(g.get_id(p.id()).unwrap());
        let f = |v: &[f64]| {
            p.set(&Tensor::from_slice(v, &shape).unwrap()).unwrap();
            let out = no_grad(|| objective(&xc).unwrap().item().unwrap());
            p.set(&Tensor::from_slice(&p0, &shape).unwrap()).unwrap();
            out
        };
        check_grad(&analytic, &p0, f, &name);
    }
}
