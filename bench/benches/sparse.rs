//! Sparse primitives (f32): SpMM, SDDMM and edge softmax on Cora's normalised adjacency
//! (`D^-1/2 (A + I) D^-1/2`, 13,264 stored entries, read from `data/cora/raw/edge.csv.gz`) at
//! F = 16 and 64, and on generated 100k-node / 1M-undirected-edge graphs (power-law and
//! uniform, 2.1M stored entries with self loops) at F = 64; the memory copy bandwidth of the
//! machine (a 256 MiB `copy_from_slice`) next to them; and the first GCN layer on Cora's
//! sparse bag-of-words features (`X [2708, 1433]`, 1.27% dense, times `W [1433, 16]`),
//! forward plus backward.
//!
//! SpMM is timed through the tensor API (`weft_autograd::sparse::spmm` under `no_grad`: the
//! output is allocated, as `torch.sparse.mm` does) and as the bare kernel into a reused
//! output (`kernel`). On the large graphs the throughput is bytes that must move: the pattern,
//! the values, `x` read once and the output written once (counted read + write, like the copy).
//!
//! `WEFT_SPARSE_DUMP=<dir>` writes the benchmarked matrices (`<name>.row_ptr.u32`,
//! `.col_idx.u32`, `.values.f32`, raw little-endian) for `bench/compare/spmm_torch.py`, so
//! torch runs on exactly the same matrices. Threads: `RAYON_NUM_THREADS`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flate2::read::GzDecoder;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Duration;
use weft_autograd::sparse::{
    edge_softmax, sddmm, spmm, Aggregation, CooOptions, CsrMatrix, SelfLoops, SparseTensor,
};
use weft_autograd::{clear_tape, no_grad, Tensor};
use weft_ops::sparse::{random, spmm_sum, EdgeValues};
use weft_ops::{rng::Philox, Device, Idx};

const CPU: Device = Device::Cpu;
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn gz_lines(rel: &str) -> Vec<String> {
    let path = Path::new(REPO).join(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(GzDecoder::new(file)).lines().map(|l| l.expect("gzip line")).collect()
}

/// Cora's symmetrised adjacency with self loops.
fn cora() -> CsrMatrix {
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    for line in gz_lines("data/cora/raw/edge.csv.gz") {
        let mut it = line.split(',').map(|v| v.trim().parse::<Idx>().expect("node id"));
        src.push(it.next().expect("src"));
        dst.push(it.next().expect("dst"));
    }
    let opts = CooOptions::undirected().with_self_loops(SelfLoops::Add);
    CsrMatrix::from_edges(2708, 2708, &src, &dst, opts, CPU).expect("cora adjacency")
}

/// Cora's bag-of-words features as a sparse tensor.
fn cora_features() -> SparseTensor<f32> {
    let rows = gz_lines("data/cora/raw/node-feat.csv.gz");
    let cols = rows[0].split(',').count();
    let dense: Vec<f32> =
        rows.iter().flat_map(|l| l.split(',').map(|v| v.trim().parse::<f32>().expect("feature"))).collect();
    SparseTensor::from_dense(&dense, rows.len(), cols, CPU).expect("sparse features")
}

fn random<T: weft_autograd::Float>(shape: &[usize], seed: u64) -> Tensor<T> {
    Tensor::randn(shape, 0.0, 1.0, &mut Philox::new(seed), CPU).expect("random tensor")
}

fn dump(name: &str, a: &CsrMatrix, values: &[f32]) {
    let Ok(dir) = std::env::var("WEFT_SPARSE_DUMP") else { return };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).expect("dump dir");
    let bytes = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let p = a.pattern();
    std::fs::write(dir.join(format!("{name}.row_ptr.u32")), bytes(p.row_ptr())).expect("dump");
    std::fs::write(dir.join(format!("{name}.col_idx.u32")), bytes(p.col_idx())).expect("dump");
    let v: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(dir.join(format!("{name}.values.f32")), v).expect("dump");
}

/// Bytes an SpMM must move at least: pattern and values read, `x` read once, output written.
fn spmm_bytes(a: &CsrMatrix, f: usize) -> u64 {
    let (n, m, nnz) = (a.n_rows() as u64, a.n_cols() as u64, a.nnz() as u64);
    4 * ((n + 1) + 2 * nnz + m * f as u64 + n * f as u64)
}

/// SpMM (tensor API and bare kernel), SDDMM and edge softmax on `a` at the given widths.
fn graph_group(c: &mut Criterion, name: &str, a: &CsrMatrix, widths: &[usize], bytes_throughput: bool) {
    let mut group = c.benchmark_group(format!("sparse_{name}"));
    let big = a.nnz() > 1_000_000;
    if big {
        group.sample_size(20).measurement_time(Duration::from_secs(6));
    } else {
        group.sample_size(60).measurement_time(Duration::from_secs(3));
    }
    group.warm_up_time(Duration::from_secs(1));
    let w = a.sym_norm_values::<f32>().expect("norm values");
    let wv = w.to_vec().expect("values");
    dump(name, a, &wv);
    for &f in widths {
        let x = random::<f32>(&[a.n_cols(), f], 1);
        if bytes_throughput {
            group.throughput(Throughput::Bytes(spmm_bytes(a, f)));
        }
        group.bench_with_input(BenchmarkId::new("spmm_sum", f), &f, |b, _| {
            b.iter(|| no_grad(|| spmm(a, Some(&w), &x, Aggregation::Sum).expect("spmm")))
        });
        let xv = x.to_vec().expect("x");
        let mut out = vec![0f32; a.n_rows() * f];
        group.bench_with_input(BenchmarkId::new("spmm_sum_kernel", f), &f, |b, _| {
            b.iter(|| spmm_sum(a.pattern(), EdgeValues::per_edge(&wv), &xv, f, &mut out).expect("kernel"))
        });
        group.throughput(Throughput::Elements(a.nnz() as u64));
        let y = random::<f32>(&[a.n_rows(), f], 2);
        group.bench_with_input(BenchmarkId::new("sddmm", f), &f, |b, _| {
            b.iter(|| no_grad(|| sddmm(a, &y, &x, 1).expect("sddmm")))
        });
    }
    let scores = random::<f32>(&[a.nnz()], 3);
    group.throughput(Throughput::Elements(a.nnz() as u64));
    group.bench_function("edge_softmax", |b| {
        b.iter(|| no_grad(|| edge_softmax(a, &scores).expect("softmax")))
    });
    group.finish();
}

fn cora_graph(c: &mut Criterion) {
    graph_group(c, "cora", &cora(), &[16, 64], false);
}

fn power_law_graph(c: &mut Criterion) {
    let p = random::power_law(100_000, 1_000_000, 2.5, true, 0).expect("power-law graph");
    graph_group(c, "power_law_100k", &CsrMatrix::new(p, CPU).expect("csr"), &[64], true);
}

fn uniform_graph(c: &mut Criterion) {
    let p = random::erdos_renyi(100_000, 1_000_000, true, 0).expect("uniform graph");
    graph_group(c, "uniform_100k", &CsrMatrix::new(p, CPU).expect("csr"), &[64], true);
}

/// The machine's copy bandwidth: a 256 MiB `copy_from_slice` (bytes read + written).
fn memcpy(c: &mut Criterion) {
    let mut group = c.benchmark_group("memcpy");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    let n = 64 << 20; // f32 elements
    let src: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let mut dst = vec![0f32; n];
    group.throughput(Throughput::Bytes(2 * 4 * n as u64));
    group.bench_function("copy_256MiB", |b| b.iter(|| dst.copy_from_slice(&src)));
    group.finish();
}

/// First GCN layer on sparse features: `A (dropout(X) W)` forward and backward to `W`, and
/// the sparse-feature product `X W` alone.
fn gcn_first_layer(c: &mut Criterion) {
    let mut group = c.benchmark_group("gcn_cora_sparse_features");
    group.sample_size(40).measurement_time(Duration::from_secs(3));
    let (a, x) = (cora(), cora_features());
    let norm = a.sym_norm_values::<f32>().expect("norm");
    let w = random::<f32>(&[x.n_cols(), 16], 4).requires_grad();
    eprintln!(
        "cora features: [{}, {}], {} stored ({:.2}% dense)",
        x.n_rows(),
        x.n_cols(),
        x.nnz(),
        100.0 * x.nnz() as f64 / (x.n_rows() * x.n_cols()) as f64
    );
    group.bench_function("xw_forward", |b| b.iter(|| no_grad(|| x.matmul(&w).expect("xw"))));
    group.bench_function("xw_forward_backward", |b| {
        b.iter(|| {
            let y = x.matmul(&w).expect("xw");
            y.sum_all().expect("sum").backward().expect("backward")
        })
    });
    let mut rng = Philox::new(5);
    group.bench_function("layer_dropout_forward_backward", |b| {
        b.iter(|| {
            let xd = x.dropout_values(0.5, &mut rng).expect("dropout");
            let h = spmm(&a, Some(&norm), &xd.matmul(&w).expect("xw"), Aggregation::Sum).expect("spmm");
            h.relu().expect("relu").sum_all().expect("sum").backward().expect("backward")
        })
    });
    clear_tape::<f32>();
    group.finish();
}

criterion_group!(benches, cora_graph, power_law_graph, uniform_graph, memcpy, gcn_first_layer);
criterion_main!(benches);
