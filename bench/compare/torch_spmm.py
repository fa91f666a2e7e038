#!/usr/bin/env python3
"""torch.sparse CSR float32 SpMM on 2 threads: the peer of weft's sparse-dense product.

Command (from the repository root, nothing else heavy running):
    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python3 bench/compare/torch_spmm.py [--repeats-small 2000] [--repeats-large 40]

Versions used when this was written: Python 3.11.7, torch 2.15.0 (PyPI wheel, CPU path),
numpy 2.4.6. The script prints the versions it actually ran with.

Workloads (A is D^-1/2 (A + I) D^-1/2, symmetrised, self loops added, CSR, columns sorted):
- cora: data/cora, 2708 nodes, 13,264 nonzeros, times X [2708, 64] (standard normal, seed 0);
- generated: 100,000 nodes, 1,000,000 uniform random undirected edges (common.generated_graph,
  numpy PCG64 seed 0), 2,100,000 nonzeros, times X [100000, 64].
Each call is timed alone (perf_counter around `A @ X`), after warm-up; the median is reported.
GFLOP/s counts 2 * nnz * 64 flops per product.

Output: one line per workload,
    RESULT torch_spmm graph=<name> nodes=<n> nnz=<nnz> cols=64 threads=2 repeats=<r> median_ms=<t> min_ms=<t> gflops=<g> load=<1-min load avg>
"""

import argparse
import os
import platform
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from common import gcn_norm_csr, generated_graph, load_average, load_cora, median, result  # noqa: E402

COLS = 64


# torch warns that sparse CSR support is in beta; the warning is noise in the output.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")


def csr_tensor(num_nodes, src, dst):
    indptr, indices, values = gcn_norm_csr(num_nodes, src, dst)
    return torch.sparse_csr_tensor(
        torch.from_numpy(indptr), torch.from_numpy(indices), torch.from_numpy(values),
        size=(num_nodes, num_nodes), dtype=torch.float32, check_invariants=True,
    )


def bench(name, adj, repeats, warmup):
    n = adj.shape[0]
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, COLS, generator=gen, dtype=torch.float32)
    for _ in range(warmup):
        y = adj @ x
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        y = adj @ x
        times.append(time.perf_counter() - t0)
    nnz = adj.values().numel()
    t = median(times)
    result("torch_spmm", graph=name, nodes=n, nnz=nnz, cols=COLS, threads=torch.get_num_threads(),
           repeats=repeats, median_ms=t * 1e3, min_ms=min(times) * 1e3,
           gflops=2.0 * nnz * COLS / t / 1e9, load=load_average())
    return x, y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats-small", type=int, default=2000)
    ap.add_argument("--repeats-large", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(2)
    print(f"# python {platform.python_version()} torch {torch.__version__} numpy {np.__version__} "
          f"threads {torch.get_num_threads()} cpu {platform.processor() or platform.machine()}")

    cora = load_cora()
    adj = csr_tensor(cora["num_nodes"], cora["src"], cora["dst"])
    assert adj.values().numel() == 13_264, adj.values().numel()
    x, y = bench("cora", adj, args.repeats_small, warmup=50)
    # Check the product against a dense reference once (small enough to densify).
    dense = adj.to_dense().double() @ x.double()
    err = (y.double() - dense).abs().max().item()
    assert err < 1e-4, f"cora SpMM differs from dense reference by {err}"

    src, dst = generated_graph()
    adj = csr_tensor(100_000, src, dst)
    assert adj.values().numel() == 2_100_000, adj.values().numel()
    bench("generated-100k-1M", adj, args.repeats_large, warmup=3)


if __name__ == "__main__":
    main()
