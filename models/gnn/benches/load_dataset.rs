//! Time to load Cora (2708 nodes x 1433 features, gzipped OGB raw CSV) from `data/cora`.
//!
//! Run: `cargo bench -p weft-gnn --bench load_dataset`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use weft_gnn::OgbNodeDataset;

fn cora_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/cora")
}

fn load_cora(c: &mut Criterion) {
    let folder = cora_folder();
    c.bench_function("load cora (OGB raw csv.gz)", |b| {
        b.iter(|| OgbNodeDataset::load(&folder).expect("data/cora loads"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = load_cora
}
criterion_main!(benches);
