#!/usr/bin/env python3
"""torch.sparse CSR float32 SpMM, the peer of weft's `sparse` bench, on exactly the
matrices weft benchmarks (dumped by the bench), 2 threads.

Commands (repository root, machine otherwise quiet; same sitting as the weft bench):
    WEFT_SPARSE_DUMP=target/sparse-graphs RAYON_NUM_THREADS=2 \
        cargo bench -p weft-bench --bench sparse -- 'sparse_(cora|power_law_100k|uniform_100k)/spmm_sum/'
    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python3 bench/compare/spmm_torch.py target/sparse-graphs

For every dumped matrix `<name>.{row_ptr.u32,col_idx.u32,values.f32}` (cora: D^-1/2 (A+I) D^-1/2
of data/cora, 13,264 stored; power_law_100k / uniform_100k: 100k nodes, 1M undirected edges
plus self loops, 2.1M stored) and F in (16, 64) for cora, 64 for the large graphs, it times
`A @ X` (X standard normal [n, F], seed 0) with perf_counter around each call after warm-up,
checks the product against a float64 reference once, and prints

    RESULT torch_spmm graph=<name> nnz=<nnz> cols=<F> threads=2 repeats=<r> median_us=<t> min_us=<t> load=<1-min load>
"""

import os
import platform
import statistics
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")


def load(folder, name):
    row_ptr = np.fromfile(os.path.join(folder, f"{name}.row_ptr.u32"), dtype="<u4").astype(np.int64)
    col = np.fromfile(os.path.join(folder, f"{name}.col_idx.u32"), dtype="<u4").astype(np.int64)
    val = np.fromfile(os.path.join(folder, f"{name}.values.f32"), dtype="<f4")
    n = row_ptr.size - 1
    assert row_ptr[-1] == col.size == val.size, (name, row_ptr[-1], col.size, val.size)
    return torch.sparse_csr_tensor(torch.from_numpy(row_ptr), torch.from_numpy(col), torch.from_numpy(val),
                                   size=(n, n), dtype=torch.float32, check_invariants=True)


def bench(name, adj, cols, repeats, warmup):
    n = adj.shape[0]
    x = torch.randn(n, cols, generator=torch.Generator().manual_seed(0), dtype=torch.float32)
    for _ in range(warmup):
        y = adj @ x
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        y = adj @ x
        times.append(time.perf_counter() - t0)
    ref = torch.sparse_csr_tensor(adj.crow_indices(), adj.col_indices(), adj.values().double(),
                                  size=adj.shape) @ x.double()
    err = (y.double() - ref).abs().max().item()
    assert err < 1e-3, f"{name}: SpMM differs from the float64 product by {err}"
    print(f"RESULT torch_spmm graph={name} nnz={adj.values().numel()} cols={cols} threads={torch.get_num_threads()} "
          f"repeats={repeats} median_us={statistics.median(times) * 1e6:.1f} min_us={min(times) * 1e6:.1f} "
          f"load={os.getloadavg()[0]:.2f}", flush=True)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "target/sparse-graphs"
    torch.set_num_threads(2)
    print(f"# python {platform.python_version()} torch {torch.__version__} numpy {np.__version__} "
          f"threads {torch.get_num_threads()}")
    for name, widths, repeats, warmup in [("cora", (16, 64), 3000, 200),
                                          ("power_law_100k", (64,), 40, 3),
                                          ("uniform_100k", (64,), 40, 3)]:
        if not os.path.exists(os.path.join(folder, f"{name}.row_ptr.u32")):
            print(f"# {name}: not dumped in {folder}, skipped")
            continue
        adj = load(folder, name)
        for f in widths:
            bench(name, adj, f, repeats, warmup)


if __name__ == "__main__":
    main()
