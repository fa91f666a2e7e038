//! One full training epoch (forward, cross-entropy on the 140 training nodes, backward, Adam
//! step) of the standard GCN (hidden 16) and GAT (8 heads x 8) on Cora's public split, f32,
//! sparse row-normalised features; plus the evaluation forward pass each epoch also runs.
//! The PyG peer is `bench/compare/pyg_gnn.py`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use std::time::Duration;
use weft_autograd::nn::Mode;
use weft_autograd::no_grad;
use weft_gnn::train::{optimisers, train_step};
use weft_gnn::{build, FeatureOptions, ModelKind, NodeData, OgbNodeDataset};
use weft_ops::Device;

fn cora() -> NodeData<f32> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/cora");
    let ds = OgbNodeDataset::load(folder).expect("data/cora");
    NodeData::from_dataset(&ds, FeatureOptions::default(), Device::Cpu).expect("Cora tensors")
}

fn epoch(c: &mut Criterion) {
    let data = cora();
    let train_labels = data.labels_of(&data.train).expect("labels");
    let mut group = c.benchmark_group("cora_epoch");
    group.measurement_time(Duration::from_secs(5));
    for kind in [ModelKind::Gcn, ModelKind::Gat] {
        let hp = kind.defaults();
        let model = build(kind, &hp, &data, 0).expect("model");
        let mut opts = optimisers(model.param_groups(), hp.lr, hp.weight_decay);
        group.bench_function(format!("{kind}_train_step"), |b| {
            b.iter(|| train_step(model.as_ref(), &data, &mut opts, &train_labels).expect("step"))
        });
        group.bench_function(format!("{kind}_eval_forward"), |b| {
            b.iter(|| no_grad(|| model.forward(&data, Mode::Eval).expect("forward")))
        });
    }
    group.finish();
}

criterion_group!(benches, epoch);
criterion_main!(benches);
