//! Time to load Cora (2708 nodes x 1433 features, gzipped OGB raw CSV) from `data/cora`, and,
//! for scale, the time to only decompress its feature table (7.8 MB of text).
//!
//! Run: `cargo bench -p weft-gnn --bench load_dataset`.

use criterion::{criterion_group, criterion_main, Criterion};
use flate2::read::MultiGzDecoder;
use std::io::Read;
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
    let features = folder.join("raw/node-feat.csv.gz");
    c.bench_function("decompress cora node-feat.csv.gz only", |b| {
        b.iter(|| {
            let file = std::fs::File::open(&features).expect("node-feat.csv.gz opens");
            let mut text = Vec::new();
            MultiGzDecoder::new(file).read_to_end(&mut text).expect("decompresses");
            text.len()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = load_cora
}
criterion_main!(benches);
