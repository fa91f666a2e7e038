//! One full training epoch (forward, cross-entropy on the 140 training nodes, backward, Adam
//! step) of the standard GCN (hidden 16) and GAT (8 heads x 8) on Cora's public split, f32,
//! sparse row-normalised features; plus the evaluation forward pass each epoch also runs.
//! The PyG peer is `bench/compare/pyg_gnn.py`.
//!
//! The device is the CPU unless `WEFT_BENCH_DEVICE` says otherwise (`cuda`, `cuda:1`; needs
//! the bench built with `--features cuda`); every iteration ends with a device synchronisation,
//! so queued GPU work is timed in full. Cora is read from `data/cora` in the repository, or
//! from `$WEFT_DATA_DIR/cora` (the GPU bundle sets it).

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use std::time::Duration;
use weft_autograd::nn::Mode;
use weft_autograd::{no_grad, synchronize};
use weft_gnn::train::{optimisers, train_step};
use weft_gnn::{build, FeatureOptions, ModelKind, NodeData, OgbNodeDataset};
use weft_ops::Device;

fn cora(device: Device) -> NodeData<f32> {
    let data_dir = std::env::var_os("WEFT_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data"));
    let ds = OgbNodeDataset::load(data_dir.join("cora")).expect("data/cora");
    NodeData::from_dataset(&ds, FeatureOptions::default(), device).expect("Cora tensors")
}

fn epoch(c: &mut Criterion) {
    let device: Device = std::env::var("WEFT_BENCH_DEVICE")
        .unwrap_or_else(|_| "cpu".into())
        .parse()
        .expect("WEFT_BENCH_DEVICE");
    let data = cora(device);
    let train_labels = data.labels_of(&data.train).expect("labels");
    let mut group = c.benchmark_group(if device == Device::Cpu {
        "cora_epoch".into()
    } else {
        format!("cora_epoch_{}", device.to_string().replace(':', ""))
    });
    group.measurement_time(Duration::from_secs(5));
    for kind in [ModelKind::Gcn, ModelKind::Gat] {
        let hp = kind.defaults();
        let model = build(kind, &hp, &data, 0).expect("model");
        let mut opts = optimisers(model.param_groups(), hp.lr, hp.weight_decay);
        group.bench_function(format!("{kind}_train_step"), |b| {
            b.iter(|| {
                train_step(model.as_ref(), &data, &mut opts, &train_labels).expect("step");
                synchronize(device).expect("synchronize")
            })
        });
        group.bench_function(format!("{kind}_eval_forward"), |b| {
            b.iter(|| {
                let out = no_grad(|| model.forward(&data, Mode::Eval).expect("forward"));
                synchronize(device).expect("synchronize");
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, epoch);
criterion_main!(benches);
