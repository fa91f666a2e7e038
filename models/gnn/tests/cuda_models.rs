//! GNN models on the CUDA device against the CPU (feature `cuda-emulated`: the emulated CUDA
//! device, run by CI; `cuda`: the GPU, skipped when none is present). On a small random graph
//! (30 nodes, two of them isolated, 12 bag-of-words-like features, 3 classes) every model is
//! built from the same seed on both devices and takes one training step (training mode, so
//! with dropout: the Philox masks are the same on both devices): the loss and the gradient of
//! every parameter must agree. Then the library's training loops (`train_full_batch`, what the
//! `node_classification` example runs, and `train_minibatch`) run a few epochs on both devices
//! and must record the same losses.
//!
//! Tolerance: both devices evaluate the same formulas in the same rounding type and differ only
//! in the order of summations (GEMM, SpMM rows, reductions over at most a few dozen terms) and
//! in libm (`exp`, `log`). Each compared value is the end of a chain of at most ~100 rounded
//! operations on O(1) values, each contributing a relative error of at most `eps`, with
//! well-conditioned steps (softmax, cross entropy, ReLU / LeakyReLU, small GEMMs); so the
//! difference stays under `1000 * eps` times the largest magnitude compared
//! (f64: 2.2e-13, f32: 1.2e-4).

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

use weft_autograd::nn::{loss::cross_entropy, Mode};
use weft_autograd::Float;
use weft_gnn::models::{GraphSage, NodeClassifier};
use weft_gnn::sparse::Aggregation;
use weft_gnn::train::{train_full_batch, train_minibatch, MiniBatchConfig, TrainConfig};
use weft_gnn::{build, FeatureOptions, HyperParams, ModelKind, NodeData, OgbNodeDataset, Split};
use weft_ops::{rng::Philox, Device, Idx, Result};

const NODES: usize = 30;
const FEATURES: usize = 12;
const CLASSES: usize = 3;

/// `Device::Cuda(0)`, or `None` after saying so when the build targets a real GPU and the
/// machine has none.
fn cuda() -> Option<Device> {
    let dev = weft_autograd::cuda_device().expect("opening cuda:0");
    dev.or_else(|| {
        eprintln!("no CUDA device present: skipping");
        None
    })
}

/// The comparison tolerance (see the header), relative to the largest magnitude compared.
fn tol<T: Float>() -> f64 {
    1000.0 * if T::DTYPE.name() == "f64" { f64::EPSILON } else { f64::from(f32::EPSILON) }
}

fn assert_close<T: Float>(got: &[T], want: &[T], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let tol = tol::<T>();
    let scale = want.iter().map(|w| w.f64().abs()).fold(1.0, f64::max);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.f64(), w.f64());
        assert!((g - w).abs() <= tol * scale, "{what}[{i}]: got {g}, want {w} (tolerance {tol} x {scale})");
    }
}

/// A random graph of 30 nodes (nodes 28 and 29 isolated), ~60 undirected edges, sparse
/// non-negative features (about a third non-zero) and labels from a fixed seed.
fn dataset() -> OgbNodeDataset {
    let mut rng = Philox::new(31);
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    for _ in 0..60 {
        let (s, d) = (rng.below(NODES as u64 - 2) as Idx, rng.below(NODES as u64 - 2) as Idx);
        src.push(s);
        dst.push(d);
    }
    let features = (0..NODES * FEATURES)
        .map(|_| if rng.uniform() < 0.35 { rng.uniform() as f32 + 0.1 } else { 0.0 })
        .collect();
    let labels = (0..NODES).map(|_| rng.below(CLASSES as u64) as Idx).collect();
    OgbNodeDataset {
        name: "random".into(),
        num_nodes: NODES,
        src,
        dst,
        features,
        num_features: FEATURES,
        labels,
        num_classes: CLASSES,
        split: Split {
            name: "random".into(),
            train: (0..18).collect(),
            valid: (18..24).collect(),
            test: (24..NODES as Idx).collect(),
        },
    }
}

/// Small hyperparameters for `kind` (its defaults with narrow layers and few hops).
fn small(kind: ModelKind) -> HyperParams {
    let d = kind.defaults();
    HyperParams { hidden: if kind == ModelKind::Gat { 4 } else { 8 }, heads: 2, k: d.k.min(3), ..d }
}

/// A model under test: its name and how to build it on data (the same seed on every device).
type Builder<T> = fn(&NodeData<T>) -> Result<Box<dyn NodeClassifier<T>>>;

fn models<T: Float>() -> Vec<(&'static str, Builder<T>)> {
    fn by_kind<T: Float>(kind: ModelKind, data: &NodeData<T>) -> Result<Box<dyn NodeClassifier<T>>> {
        build(kind, &small(kind), data, 7)
    }
    fn sage<T: Float>(agg: Aggregation, data: &NodeData<T>) -> Result<Box<dyn NodeClassifier<T>>> {
        let hp = small(ModelKind::Sage);
        let mut rng = Philox::new(7);
        let dev = data.labels.device();
        let model = GraphSage::new(FEATURES, hp.hidden, CLASSES, 2, hp.dropout, &mut rng, dev)?;
        Ok(Box::new(model.with_aggregation(agg)))
    }
    vec![
        ("gcn", |d| by_kind(ModelKind::Gcn, d)),
        ("gat (2 heads)", |d| by_kind(ModelKind::Gat, d)),
        ("sage mean", |d| sage(Aggregation::Mean, d)),
        ("sage max", |d| sage(Aggregation::Max, d)),
        ("gin", |d| by_kind(ModelKind::Gin, d)),
        ("appnp", |d| by_kind(ModelKind::Appnp, d)),
        ("sgc", |d| by_kind(ModelKind::Sgc, d)),
        ("dagnn", |d| by_kind(ModelKind::Dagnn, d)),
        ("gatedgcn", |d| by_kind(ModelKind::GatedGcn, d)),
    ]
}

/// One training-mode step of `model` on `device`: the loss and every parameter's gradient
/// (in `named_parameters` order, with the names; `None` for a parameter the loss does not
/// reach, such as the edge-feature update of GatedGCN's last layer).
#[allow(clippy::type_complexity)]
fn step<T: Float>(
    builder: Builder<T>,
    options: FeatureOptions,
    device: Device,
) -> Result<(T, Vec<(String, Option<Vec<T>>)>)> {
    let data = NodeData::<T>::from_dataset(&dataset(), options, device)?;
    let model = builder(&data)?;
    let logits = model.forward(&data, Mode::Train)?;
    assert_eq!(logits.device(), device, "logits on the device");
    let loss = cross_entropy(&logits.rows(&data.train)?, &data.labels_of(&data.train)?)?;
    let value = loss.item()?;
    let grads = loss.backward()?;
    let mut out = Vec::new();
    for (name, p) in model.named_parameters() {
        assert_eq!(p.value().device(), device, "{name}: parameter on the device");
        let g = match grads.get_id(p.id()) {
            Some(g) => {
                assert_eq!(g.device(), device, "{name}: gradient on the device");
                Some(g.to_vec()?)
            }
            None => None,
        };
        out.push((name, g));
    }
    Ok((value, out))
}

fn models_match_the_cpu<T: Float>(options: FeatureOptions) {
    let Some(dev) = cuda() else { return };
    for (name, builder) in models::<T>() {
        let what = format!("{name} ({}, sparse features: {})", T::DTYPE.name(), options.sparse);
        let (want_loss, want) =
            step(builder, options, Device::Cpu).unwrap_or_else(|e| panic!("{what} on the CPU: {e}"));
        let (got_loss, got) = step(builder, options, dev).unwrap_or_else(|e| panic!("{what} on {dev}: {e}"));
        assert_close(&[got_loss], &[want_loss], &format!("{what}: loss"));
        assert_eq!(got.len(), want.len(), "{what}: number of parameters");
        assert!(want.iter().any(|(_, w)| w.is_some()), "{what}: no gradient at all");
        for ((gn, g), (wn, w)) in got.iter().zip(&want) {
            assert_eq!(gn, wn, "{what}: parameter order");
            match (g, w) {
                (Some(g), Some(w)) => assert_close(g, w, &format!("{what}: gradient of {gn}")),
                (None, None) => {}
                _ => panic!("{what}: {gn} has a gradient on one device only"),
            }
        }
    }
}

#[test]
fn one_training_step_matches_the_cpu_f64() {
    models_match_the_cpu::<f64>(FeatureOptions::default());
}

#[test]
fn one_training_step_matches_the_cpu_f64_dense_features() {
    models_match_the_cpu::<f64>(FeatureOptions { row_normalize: true, sparse: false });
}

#[test]
fn one_training_step_matches_the_cpu_f32() {
    models_match_the_cpu::<f32>(FeatureOptions::default());
}

/// The per-epoch training and validation losses of `train_full_batch` (3 epochs of GCN and
/// GAT) and `train_minibatch` (2 epochs of SAGE) on `device`.
fn training_losses(device: Device) -> Result<Vec<f64>> {
    let data = NodeData::<f64>::from_dataset(&dataset(), FeatureOptions::default(), device)?;
    let mut losses = Vec::new();
    for kind in [ModelKind::Gcn, ModelKind::Gat] {
        let hp = small(kind);
        let model = build(kind, &hp, &data, 3)?;
        let cfg = TrainConfig { epochs: 3, lr: hp.lr, weight_decay: hp.weight_decay };
        let run = train_full_batch(model.as_ref(), &data, &cfg, &mut |_| {})?;
        losses.extend(run.history.iter().flat_map(|e| [e.loss, e.val_loss]));
    }
    let hp = small(ModelKind::Sage);
    let model = GraphSage::new(FEATURES, hp.hidden, CLASSES, 2, hp.dropout, &mut Philox::new(3), device)?;
    let cfg = MiniBatchConfig {
        epochs: 2,
        lr: hp.lr,
        weight_decay: hp.weight_decay,
        batch_size: 8,
        fanouts: vec![4, 3],
        seed: 11,
    };
    let run = train_minibatch(&model, &data, &cfg, &mut |_| {})?;
    losses.extend(run.history.iter().flat_map(|e| [e.loss, e.val_loss]));
    Ok(losses)
}

#[test]
fn training_loops_run_on_the_device_and_match_the_cpu() {
    let Some(dev) = cuda() else { return };
    let want = training_losses(Device::Cpu).unwrap();
    let got = training_losses(dev).unwrap_or_else(|e| panic!("training on {dev}: {e}"));
    assert!(want.iter().all(|l| l.is_finite()), "CPU losses {want:?}");
    assert_close(&got, &want, "per-epoch training and validation losses");
}
