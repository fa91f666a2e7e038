#!/usr/bin/env python3
"""numpy (OpenBLAS) f32 / f64 GEMM throughput on 2 threads: the peer of weft's CPU matmul.

Command (from the repository root, nothing else heavy running). OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE must be unset in this command alone (they would pin OpenBLAS to another
kernel or cache size than the one it detects); the thread count is fixed at 2:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 python3 bench/compare/numpy_gemm.py

Versions used when this was written: Python 3.11.7, numpy 2.4.6 (PyPI wheel, bundled
OpenBLAS), threadpoolctl 3.8.0. The script prints the versions and threadpoolctl's info.

For each dtype and n in 64, 256, 512, 1024, 2048: C = A @ B with A, B [n, n] standard normal
(seed 0), preallocated output (np.matmul(a, b, out=c)), timed call by call after warm-up,
enough repeats for about --seconds of work per size (at least 5). GFLOP/s = 2 n^3 / median.

Output: one line per (dtype, n),
    RESULT numpy_gemm dtype=<f32|f64> n=<n> threads=2 repeats=<r> median_ms=<t> gflops=<g> load=<1-min load avg>
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import threadpoolctl  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from common import load_average, median, result  # noqa: E402

SIZES = [64, 256, 512, 1024, 2048]


def bench(dtype, n, seconds):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype=dtype)
    t0 = time.perf_counter()
    np.matmul(a, b, out=c)  # warm-up, and a first estimate of the time per call
    first = time.perf_counter() - t0
    for _ in range(2):
        np.matmul(a, b, out=c)
    repeats = max(5, min(10_000, int(seconds / max(first, 1e-7))))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    t = median(times)
    name = "f32" if dtype == np.float32 else "f64"
    result("numpy_gemm", dtype=name, n=n, threads=2, repeats=repeats, median_ms=t * 1e3,
           gflops=2.0 * n**3 / t / 1e9, load=load_average())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="target seconds of work per size")
    args = ap.parse_args()
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"# WARNING: {var}={os.environ[var]} is set; unset it for this command (see header)")
    print(f"# python {platform.python_version()} numpy {np.__version__} threadpoolctl {threadpoolctl.__version__}")
    with threadpool_limits(limits=2):
        for info in threadpool_info():
            print("# threadpool " + json.dumps(info, sort_keys=True))
        for dtype in (np.float32, np.float64):
            for n in SIZES:
                bench(dtype, n, args.seconds)


if __name__ == "__main__":
    main()
