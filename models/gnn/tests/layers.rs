//! Every layer against a dense-matrix reference on small random graphs (f64): the outputs, and
//! the gradients of a random linear functional of the output with respect to the input and
//! every parameter. The references are written with dense tensor ops only (dense adjacency
//! matrices, masked softmax), whose own gradients are covered by the autograd crate's
//! property tests; one layer (GAT) is also checked against central finite differences.

use weft_autograd::nn::{Mode, Module};
use weft_autograd::{clear_tape, no_grad, Grads, Tensor};
use weft_gnn::layers::{sgc_features, Appnp, DagnnProp, GatConv, GatedGcnLayer, GcnConv, GinConv, SageConv};
use weft_gnn::sparse::{CooOptions, CsrMatrix, SelfLoops, SparseTensor};
use weft_gnn::Features;
use weft_ops::{rng::Philox, Device, Idx, Result};

const DEV: Device = Device::Cpu;

/// A module without parameters (for parameter-free propagations).
struct NoParams;
impl Module<f64> for NoParams {
    fn named_parameters(&self) -> Vec<(String, weft_autograd::nn::Param<f64>)> {
        Vec::new()
    }
}

/// Agreement of two f64 computations of the same quantity in different operation orders.
const TOL: f64 = 1e-10;

/// A random undirected graph on `n` nodes with about `m` edges (some nodes may be isolated).
fn random_graph(n: usize, m: usize, seed: u64) -> (Vec<Idx>, Vec<Idx>) {
    let mut rng = Philox::new(seed);
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    for _ in 0..m {
        let (a, b) = (rng.below(n as u64) as Idx, rng.below(n as u64) as Idx);
        if a != b {
            src.push(a);
            dst.push(b);
        }
    }
    (src, dst)
}

fn matrix(n: usize, src: &[Idx], dst: &[Idx], loops: SelfLoops) -> CsrMatrix {
    CsrMatrix::from_edges(n, n, src, dst, CooOptions::undirected().with_self_loops(loops), DEV).unwrap()
}

/// The dense `[n_rows, n_cols]` 0/1 matrix of a pattern.
fn dense_of(a: &CsrMatrix) -> Vec<f64> {
    let p = a.pattern();
    let mut d = vec![0.0; p.n_rows() * p.n_cols()];
    for i in 0..p.n_rows() {
        for &j in p.row(i) {
            d[i * p.n_cols() + j as usize] = 1.0;
        }
    }
    d
}

/// `D^-1/2 M D^-1/2` (rows normalised by `inv_rows`, columns by `inv_cols`).
fn scaled(d: &[f64], n: usize, f: impl Fn(f64, f64) -> f64) -> Tensor<f64> {
    let deg: Vec<f64> = d.chunks(n).map(|r| r.iter().sum()).collect();
    let v: Vec<f64> = (0..n * n).map(|k| d[k] * f(deg[k / n], deg[k % n])).collect();
    Tensor::from_vec(v, &[n, n]).unwrap()
}

fn sym_norm(d: &[f64], n: usize) -> Tensor<f64> {
    scaled(d, n, |di, dj| 1.0 / (di * dj).sqrt())
}

fn mean_norm(d: &[f64], n: usize) -> Tensor<f64> {
    scaled(d, n, |di, _| if di > 0.0 { 1.0 / di } else { 0.0 })
}

fn randn(shape: &[usize], rng: &mut Philox) -> Tensor<f64> {
    Tensor::randn(shape, 0.0, 1.0, rng, DEV).unwrap()
}

/// Gradients of `sum(out * w)` for a fixed random `w`.
fn grads_of(out: &Tensor<f64>, w: &Tensor<f64>) -> Grads<f64> {
    out.mul(w).unwrap().sum_all().unwrap().backward().unwrap()
}

fn assert_close(what: &str, a: &Tensor<f64>, b: &Tensor<f64>) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    let (a, b) = (a.to_vec().unwrap(), b.to_vec().unwrap());
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() <= TOL * (1.0 + y.abs()), "{what}[{k}]: layer {x} vs reference {y}");
    }
}

/// Runs `layer` and `reference` on the same leaf `x` and parameters; compares the outputs and
/// the gradients of the input and of every parameter.
fn check(
    name: &str,
    x: &Tensor<f64>,
    params: &dyn Module<f64>,
    layer: impl Fn(&Tensor<f64>) -> Result<Tensor<f64>>,
    reference: impl Fn(&Tensor<f64>) -> Result<Tensor<f64>>,
    rng: &mut Philox,
) {
    let x = x.requires_grad();
    let out = layer(&x).unwrap();
    let w = randn(out.shape(), rng);
    let g1 = grads_of(&out, &w);
    let expect = reference(&x).unwrap();
    assert_close(&format!("{name} output"), &out, &expect);
    let g2 = grads_of(&expect, &w);
    assert_close(&format!("{name} d/dx"), g1.get(&x).unwrap(), g2.get(&x).unwrap());
    for (pname, p) in params.named_parameters() {
        let (a, b) = (g1.get_id(p.id()), g2.get_id(p.id()));
        match (a, b) {
            (Some(a), Some(b)) => assert_close(&format!("{name} d/d{pname}"), a, b),
            (a, b) => {
                panic!("{name} d/d{pname}: layer has gradient {}, reference {}", a.is_some(), b.is_some())
            }
        }
    }
}

#[test]
fn gcn_conv_matches_dense_reference() {
    let mut rng = Philox::new(1);
    let (n, fin, fout) = (9, 5, 4);
    let (src, dst) = random_graph(n, 14, 2);
    let a = matrix(n, &src, &dst, SelfLoops::Add);
    let norm = a.sym_norm_values::<f64>().unwrap();
    let a_hat = sym_norm(&dense_of(&a), n);
    let conv = GcnConv::<f64>::new(fin, fout, &mut rng, DEV).unwrap();
    conv.bias.set(&randn(&[fout], &mut rng)).unwrap();
    let x = randn(&[n, fin], &mut rng);
    check(
        "GcnConv",
        &x,
        &conv,
        |x| conv.forward(&a, &norm, x),
        |x| a_hat.matmul(&x.matmul(&conv.weight.value())?)?.add(&conv.bias.value()),
        &mut rng,
    );
}

#[test]
fn gcn_conv_sparse_features_match_dense_features() {
    let mut rng = Philox::new(3);
    let (n, fin) = (8, 6);
    let (src, dst) = random_graph(n, 12, 4);
    let a = matrix(n, &src, &dst, SelfLoops::Add);
    let norm = a.sym_norm_values::<f64>().unwrap();
    let dense: Vec<f64> =
        (0..n * fin).map(|_| if rng.uniform() < 0.3 { rng.uniform() } else { 0.0 }).collect();
    let conv = GcnConv::<f64>::new(fin, 3, &mut rng, DEV).unwrap();
    let sparse = Features::Sparse(SparseTensor::from_dense(&dense, n, fin, DEV).unwrap());
    let xd = Tensor::from_vec(dense, &[n, fin]).unwrap();
    let w = randn(&[n, 3], &mut rng);
    let g1 = grads_of(&conv.forward(&a, &norm, &sparse).unwrap(), &w);
    let g2 = grads_of(&conv.forward(&a, &norm, &xd).unwrap(), &w);
    for p in conv.parameters() {
        assert_close(
            "sparse vs dense features: weight grads",
            g1.get_id(p.id()).unwrap(),
            g2.get_id(p.id()).unwrap(),
        );
    }
    let y1 = no_grad(|| conv.forward(&a, &norm, &sparse)).unwrap();
    let y2 = no_grad(|| conv.forward(&a, &norm, &xd)).unwrap();
    assert_close("sparse vs dense features: output", &y1, &y2);
}

/// Dense GAT: per head, masked softmax of `LeakyReLU(s_dst[i] + s_src[j])` over each row.
fn gat_reference(
    conv: &GatConv<f64>,
    adj: &[f64],
    n: usize,
    heads: usize,
    f: usize,
    concat: bool,
    x: &Tensor<f64>,
) -> Result<Tensor<f64>> {
    let mask = Tensor::from_vec(adj.iter().map(|&v| if v > 0.0 { 0.0 } else { -1e30 }).collect(), &[n, n])?;
    let wx = x.matmul(&conv.weight.value())?;
    let mut outs = Vec::new();
    for h in 0..heads {
        let wh = wx.narrow(1, h * f, f)?;
        let a_src = conv.att_src.value().narrow(0, h, 1)?; // [1, f]
        let a_dst = conv.att_dst.value().narrow(0, h, 1)?;
        let s_src = wh.matmul(&a_src.t()?)?; // [n, 1]
        let s_dst = wh.matmul(&a_dst.t()?)?;
        let e = s_dst.add(&s_src.t()?)?.leaky_relu(0.2)?.add(&mask)?;
        outs.push(e.softmax(1)?.matmul(&wh)?);
    }
    let refs: Vec<&Tensor<f64>> = outs.iter().collect();
    let out = if concat { Tensor::concat(&refs, 1)? } else { Tensor::stack(&refs, 0)?.mean(0)? };
    out.add(&conv.bias.value())
}

#[test]
fn gat_conv_matches_dense_reference_concat_and_mean() {
    for (concat, heads) in [(true, 3), (false, 2), (true, 1)] {
        let mut rng = Philox::new(5 + heads as u64);
        let (n, fin, f) = (10, 4, 3);
        let (src, dst) = random_graph(n, 16, 6);
        let a = matrix(n, &src, &dst, SelfLoops::Add);
        let conv = GatConv::<f64>::new(fin, f, heads, concat, 0.5, &mut rng, DEV).unwrap();
        conv.bias.set(&randn(&conv.bias.shape(), &mut rng)).unwrap();
        let x = randn(&[n, fin], &mut rng);
        let adj = dense_of(&a);
        check(
            &format!("GatConv(heads {heads}, concat {concat})"),
            &x,
            &conv,
            |x| conv.forward(&a, x, Mode::Eval),
            |x| gat_reference(&conv, &adj, n, heads, f, concat, x),
            &mut rng,
        );
    }
}

#[test]
fn gat_conv_input_gradient_matches_finite_differences() {
    let mut rng = Philox::new(11);
    let (n, fin, f, heads) = (6, 3, 2, 2);
    let (src, dst) = random_graph(n, 9, 12);
    let a = matrix(n, &src, &dst, SelfLoops::Add);
    let conv = GatConv::<f64>::new(fin, f, heads, true, 0.0, &mut rng, DEV).unwrap();
    let x0 = randn(&[n, fin], &mut rng).to_vec().unwrap();
    let w = randn(&[n, heads * f], &mut rng);
    let value = |x: &[f64]| -> f64 {
        no_grad(|| {
            let x = Tensor::from_slice(x, &[n, fin])?;
            conv.forward(&a, &x, Mode::Eval)?.mul(&w)?.sum_all()?.item()
        })
        .unwrap()
    };
    let x = Tensor::from_slice(&x0, &[n, fin]).unwrap().requires_grad();
    let g = conv.forward(&a, &x, Mode::Eval).unwrap().mul(&w).unwrap().sum_all().unwrap().backward().unwrap();
    let g = g.get(&x).unwrap().to_vec().unwrap();
    let h = 1e-5;
    for k in 0..x0.len() {
        let (mut xp, mut xm) = (x0.clone(), x0.clone());
        xp[k] += h;
        xm[k] -= h;
        let fd = (value(&xp) - value(&xm)) / (2.0 * h);
        // Central differences: truncation O(h^2 f''') and rounding O(eps |f| / h), both < 1e-7 here.
        assert!(
            (fd - g[k]).abs() < 1e-6 * (1.0 + fd.abs()),
            "x[{k}]: analytic {} vs finite difference {fd}",
            g[k]
        );
    }
    clear_tape::<f64>();
}

#[test]
fn gat_attention_dropout_is_active_only_in_training() {
    let mut rng = Philox::new(21);
    let (n, fin) = (12, 4);
    let (src, dst) = random_graph(n, 30, 22);
    let a = matrix(n, &src, &dst, SelfLoops::Add);
    let conv = GatConv::<f64>::new(fin, 3, 2, true, 0.5, &mut rng, DEV).unwrap();
    let x = randn(&[n, fin], &mut rng);
    let eval1 = conv.forward(&a, &x, Mode::Eval).unwrap().to_vec().unwrap();
    let eval2 = conv.forward(&a, &x, Mode::Eval).unwrap().to_vec().unwrap();
    let train = conv.forward(&a, &x, Mode::Train).unwrap().to_vec().unwrap();
    assert_eq!(eval1, eval2);
    assert_ne!(eval1, train);
}

#[test]
fn sage_conv_matches_dense_reference() {
    let mut rng = Philox::new(31);
    let (n, fin, fout) = (9, 4, 5);
    let (src, dst) = random_graph(n, 10, 32);
    let a = matrix(n, &src, &dst, SelfLoops::Remove);
    let mean = mean_norm(&dense_of(&a), n);
    let conv = SageConv::<f64>::new(fin, fout, &mut rng, DEV).unwrap();
    let x = randn(&[n, fin], &mut rng);
    check(
        "SageConv",
        &x,
        &conv,
        |x| conv.forward(&a, x),
        |x| conv.lin_neigh.forward(&mean.matmul(x)?)?.add(&x.matmul(&conv.lin_root.weight.value())?),
        &mut rng,
    );
}

#[test]
fn sage_conv_on_a_bipartite_block_uses_the_destination_prefix() {
    let mut rng = Philox::new(33);
    let (n_dst, n_src, fin) = (3, 7, 4);
    let (src, dst): (Vec<Idx>, Vec<Idx>) = ([0, 0, 1, 1, 1, 2].to_vec(), [3, 4, 0, 5, 6, 2].to_vec());
    let a = CsrMatrix::from_edges(n_dst, n_src, &src, &dst, CooOptions::default(), DEV).unwrap();
    let mut mean = dense_of(&a);
    for row in mean.chunks_mut(n_src) {
        let deg: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= deg);
    }
    let mean = Tensor::from_vec(mean, &[n_dst, n_src]).unwrap();
    let conv = SageConv::<f64>::new(fin, 2, &mut rng, DEV).unwrap();
    let x = randn(&[n_src, fin], &mut rng);
    check(
        "SageConv (block)",
        &x,
        &conv,
        |x| conv.forward(&a, x),
        |x| {
            conv.lin_neigh
                .forward(&mean.matmul(x)?)?
                .add(&x.narrow(0, 0, n_dst)?.matmul(&conv.lin_root.weight.value())?)
        },
        &mut rng,
    );
}

#[test]
fn gin_conv_matches_dense_reference() {
    let mut rng = Philox::new(41);
    let (n, fin) = (8, 3);
    let (src, dst) = random_graph(n, 12, 42);
    let a = matrix(n, &src, &dst, SelfLoops::Remove);
    let eps = 0.3;
    let mut m = dense_of(&a);
    (0..n).for_each(|i| m[i * n + i] += 1.0 + eps);
    let m = Tensor::from_vec(m, &[n, n]).unwrap();
    let conv = GinConv::<f64>::new(fin, 5, 2, eps, &mut rng, DEV).unwrap();
    let x = randn(&[n, fin], &mut rng);
    check(
        "GinConv",
        &x,
        &conv,
        |x| conv.forward(&a, x),
        |x| conv.lin2.forward(&conv.lin1.forward(&m.matmul(x)?)?.relu()?),
        &mut rng,
    );
}

#[test]
fn appnp_and_sgc_match_dense_powers() {
    let mut rng = Philox::new(51);
    let (n, c) = (10, 3);
    let (src, dst) = random_graph(n, 15, 52);
    let a = matrix(n, &src, &dst, SelfLoops::Add);
    let norm = a.sym_norm_values::<f64>().unwrap();
    let a_hat = sym_norm(&dense_of(&a), n);
    let (k, alpha) = (4, 0.1);
    let prop = Appnp::new(k, alpha, 0.5, 0).unwrap();
    let h = randn(&[n, c], &mut rng);
    let dense_appnp = |h: &Tensor<f64>| -> Result<Tensor<f64>> {
        let mut z = h.clone();
        for _ in 0..k {
            z = a_hat.matmul(&z)?.mul_scalar(1.0 - alpha)?.add(&h.mul_scalar(alpha)?)?;
        }
        Ok(z)
    };
    check("Appnp", &h, &NoParams, |h| prop.forward(&a, &norm, h, Mode::Eval), dense_appnp, &mut rng);
    let s = sgc_features(&a, &norm, &h, 2).unwrap();
    assert!(!s.is_tracked());
    assert_close("sgc_features", &s, &a_hat.matmul(&a_hat.matmul(&h).unwrap()).unwrap());
}

#[test]
fn dagnn_prop_matches_dense_reference() {
    let mut rng = Philox::new(61);
    let (n, c, k) = (9, 3, 5);
    let (src, dst) = random_graph(n, 13, 62);
    let a = matrix(n, &src, &dst, SelfLoops::Add);
    let norm = a.sym_norm_values::<f64>().unwrap();
    let a_hat = sym_norm(&dense_of(&a), n);
    let prop = DagnnProp::<f64>::new(c, k, &mut rng, DEV).unwrap();
    let z = randn(&[n, c], &mut rng);
    let reference = |z: &Tensor<f64>| -> Result<Tensor<f64>> {
        let mut h = z.clone();
        let mut out = Tensor::zeros(&[n, c], DEV)?;
        for step in 0..=k {
            if step > 0 {
                h = a_hat.matmul(&h)?;
            }
            let s = prop.proj.forward(&h)?.sigmoid()?; // [n, 1]
            out = out.add(&h.mul(&s)?)?;
        }
        Ok(out)
    };
    check("DagnnProp", &z, &prop, |z| prop.forward(&a, &norm, z), reference, &mut rng);
}

#[test]
fn gated_gcn_layer_matches_dense_reference() {
    let mut rng = Philox::new(71);
    let (n, d) = (7, 4);
    let (src, dst) = random_graph(n, 10, 72);
    let a = matrix(n, &src, &dst, SelfLoops::Remove);
    let layer = GatedGcnLayer::<f64>::new(d, 0.0, &mut rng, DEV).unwrap();
    let h = randn(&[n, d], &mut rng);
    let e0 = randn(&[a.nnz(), d], &mut rng);
    let adj = dense_of(&a);
    // Reference: the edge features scattered into dense [n, n, d] arrays, gates and sums dense.
    let mut slot = vec![0 as Idx; a.nnz()];
    let p = a.pattern();
    for i in 0..n {
        for e in p.row_range(i) {
            slot[e] = (i * n + p.col_idx()[e] as usize) as Idx;
        }
    }
    let slot = weft_autograd::Indices::new(slot);
    let mask = Tensor::from_vec(adj.clone(), &[n, n, 1]).unwrap();
    let params = layer.named_parameters();
    let lin = |name: &str, x: &Tensor<f64>| -> Result<Tensor<f64>> {
        let w = params.iter().find(|(k, _)| k == &format!("{name}.weight")).unwrap().1.value();
        let b = params.iter().find(|(k, _)| k == &format!("{name}.bias")).unwrap().1.value();
        x.matmul(&w)?.add(&b)
    };
    let ln = |name: &str, x: &Tensor<f64>| -> Result<Tensor<f64>> {
        let g = params.iter().find(|(k, _)| k == &format!("{name}.gamma")).unwrap().1.value();
        let b = params.iter().find(|(k, _)| k == &format!("{name}.beta")).unwrap().1.value();
        let c = x.sub(&x.mean_keepdim(1)?)?;
        c.div(&c.square()?.mean_keepdim(1)?.add_scalar(1e-5)?.sqrt()?)?.mul(&g)?.add(&b)
    };
    let e_leaf = e0.requires_grad();
    let reference = |h: &Tensor<f64>| -> Result<(Tensor<f64>, Tensor<f64>)> {
        let e_dense = Tensor::zeros(&[n * n, d], DEV)?.index_add(0, &slot, &e_leaf)?.reshape(&[n, n, d])?;
        let dh = lin("D", h)?.unsqueeze(1)?; // [n, 1, d]: destination i
        let eh = lin("E", h)?.unsqueeze(0)?; // [1, n, d]: source j
        let e_hat = lin("C", &e_dense)?.add(&dh)?.add(&eh)?; // [n, n, d]
        let gate = e_hat.sigmoid()?.mul(&mask)?;
        let bh = lin("B", h)?.unsqueeze(0)?;
        let num = gate.mul(&bh)?.sum(1)?;
        let den = gate.sum(1)?.add_scalar(1e-6)?;
        let h_new = h.add(&ln("norm_h", &lin("A", h)?.add(&num.div(&den)?)?)?.relu()?)?;
        let e_hat_edges = e_hat.reshape(&[n * n, d])?.rows(&slot)?;
        let e_new = e_leaf.add(&ln("norm_e", &e_hat_edges)?.relu()?)?;
        Ok((h_new, e_new))
    };
    // One functional of both outputs, so both paths and every parameter are exercised.
    let w_h = randn(&[n, d], &mut rng);
    let w_e = randn(&[a.nnz(), d], &mut rng);
    let hx = h.requires_grad();
    let both = |(h, e): (Tensor<f64>, Tensor<f64>)| -> Tensor<f64> {
        h.mul(&w_h).unwrap().sum_all().unwrap().add(&e.mul(&w_e).unwrap().sum_all().unwrap()).unwrap()
    };
    let (h1, e1) = layer.forward(&a, &hx, &e_leaf, Mode::Eval).unwrap();
    let (h2, e2) = reference(&hx).unwrap();
    assert_close("GatedGcn h", &h1, &h2);
    assert_close("GatedGcn e", &e1, &e2);
    clear_tape::<f64>();
    let g1 = both(layer.forward(&a, &hx, &e_leaf, Mode::Eval).unwrap()).backward().unwrap();
    let g2 = both(reference(&hx).unwrap()).backward().unwrap();
    assert_close("GatedGcn d/dh", g1.get(&hx).unwrap(), g2.get(&hx).unwrap());
    assert_close("GatedGcn d/de", g1.get(&e_leaf).unwrap(), g2.get(&e_leaf).unwrap());
    for (name, p) in &params {
        assert_close(&format!("GatedGcn d/d{name}"), g1.get_id(p.id()).unwrap(), g2.get_id(p.id()).unwrap());
    }
}
