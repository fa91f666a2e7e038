//! Peak resident memory of one GCN training epoch on a generated graph: the weft side of
//! `bench/compare/pyg_gnn.py --large` (issue 4's memory comparison).
//!
//! The graph has 100,000 nodes and 1,000,000 distinct undirected edges drawn uniformly (no
//! self loops; the same distribution as `common.generated_graph`, another generator), 128
//! standard-normal features, 10 random classes, every node a training node; GCN with hidden
//! width 16 and dropout 0.5; one step of forward, cross-entropy, backward and Adam. The
//! peak-RSS mark is reset (`/proc/self/clear_refs`) after the data and the model are built, so
//! the peak is the epoch's. Unlike PyG's uncached `GCNConv`, weft computes the normalised
//! adjacency once when the graph is built: it is part of the baseline here.
//!
//! ```sh
//! cargo run --release -p weft-bench --example gcn_memory
//! ```
//!
//! Prints `RESULT weft_memory ... baseline_rss_mb=<m> peak_rss_mb=<m> epoch_extra_mb=<m> ...`.
//! Linux only (reads `/proc/self/status`).

use std::collections::HashSet;
use std::time::Instant;
use weft_autograd::{Indices, Tensor};
use weft_gnn::train::{optimisers, train_step};
use weft_gnn::{build, Features, Graph, HyperParams, ModelKind, NodeData};
use weft_ops::{rng::Philox, Device, Error, Idx, Result};

const NODES: usize = 100_000;
const EDGES: usize = 1_000_000;
const FEATURES: usize = 128;
const CLASSES: usize = 10;

/// A field of `/proc/self/status` (`VmRSS`, `VmHWM`) in MiB.
fn status_mb(field: &str) -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| Error::Io { path: "/proc/self/status".into(), msg: e.to_string() })?;
    let line = status.lines().find(|l| l.starts_with(field)).ok_or_else(|| Error::Parse {
        file: "/proc/self/status".into(),
        line: 0,
        msg: format!("no {field} line"),
    })?;
    let kib: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).ok_or_else(|| {
        Error::Parse { file: "/proc/self/status".into(), line: 0, msg: format!("malformed {line:?}") }
    })?;
    Ok(kib / 1024.0)
}

/// Resets the peak-RSS mark (Linux >= 4.0); whether it worked.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `EDGES` distinct unordered node pairs `{u, v}`, `u != v`, uniformly at random.
fn generated_edges(rng: &mut Philox) -> (Vec<Idx>, Vec<Idx>) {
    let mut keys = HashSet::with_capacity(EDGES);
    let (mut src, mut dst) = (Vec::with_capacity(EDGES), Vec::with_capacity(EDGES));
    while src.len() < EDGES {
        let (u, v) = (rng.below(NODES as u64), rng.below(NODES as u64));
        if u != v && keys.insert(u.min(v) * NODES as u64 + u.max(v)) {
            src.push(u.min(v) as Idx);
            dst.push(u.max(v) as Idx);
        }
    }
    (src, dst)
}

fn main() -> Result<()> {
    let device = Device::Cpu;
    let mut rng = Philox::new(0);
    let (src, dst) = generated_edges(&mut rng);
    let graph = Graph::<f32>::undirected(NODES, &src, &dst, device)?;
    drop((src, dst));
    let x = Tensor::<f32>::randn(&[NODES, FEATURES], 0.0, 1.0, &mut rng, device)?;
    let labels: Vec<Idx> = (0..NODES).map(|_| rng.below(CLASSES as u64) as Idx).collect();
    let data = NodeData {
        graph,
        features: Features::Dense(x),
        labels: Indices::new(labels.clone()).to_device(device)?,
        train: Indices::new((0..NODES as Idx).collect()).to_device(device)?,
        valid: Indices::new(Vec::new()),
        test: Indices::new(Vec::new()),
        labels_host: labels,
        num_classes: CLASSES,
    };
    let hp = HyperParams { hidden: 16, dropout: 0.5, ..ModelKind::Gcn.defaults() };
    let model = build(ModelKind::Gcn, &hp, &data, 0)?;
    let mut opts = optimisers(model.param_groups(), hp.lr, hp.weight_decay);
    let train_labels = data.labels_of(&data.train)?;

    let process_peak = status_mb("VmHWM")?;
    let reset = reset_peak();
    let baseline = status_mb("VmRSS")?;
    let t0 = Instant::now();
    train_step(model.as_ref(), &data, &mut opts, &train_labels)?;
    let epoch_s = t0.elapsed().as_secs_f64();
    let peak = status_mb("VmHWM")?;
    println!(
        "RESULT weft_memory model=gcn nodes={NODES} edges={EDGES} features={FEATURES} hidden=16 \
         classes={CLASSES} stored={} baseline_rss_mb={baseline:.1} peak_rss_mb={peak:.1} \
         epoch_extra_mb={:.1} peak_reset={} process_peak_before_mb={process_peak:.1} epoch_s={epoch_s:.3}",
        data.graph.adj_loops.nnz(),
        peak - baseline,
        reset as u8,
    );
    Ok(())
}
