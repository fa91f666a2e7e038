"""Shared helpers of the bench/compare scripts (imported, not run).

- load_cora(): the repository's data/cora (OGB raw CSV layout) as numpy arrays;
- generated_graph(): the 100k-node / 1M-undirected-edge uniform random simple graph;
- gcn_norm_csr(): D^-1/2 (A + I) D^-1/2 of a symmetrised edge list, as CSR numpy arrays;
- median(), result(): timing summaries and the one-line `RESULT key=value ...` output format.

Nothing here reads outside the repository or the network.
"""

import gzip
import os
import statistics

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORA = os.path.join(REPO, "data", "cora")


def _table(folder, rel, dtype):
    path = os.path.join(folder, rel + ".csv.gz")
    opener = gzip.open if os.path.exists(path) else open
    if not os.path.exists(path):
        path = os.path.join(folder, rel + ".csv")
    with opener(path, "rt") as f:
        return np.loadtxt(f, delimiter=",", dtype=dtype, ndmin=1)


def load_cora(folder=CORA, split="public"):
    """Returns dict(num_nodes, src, dst (each undirected edge once), x [n, f] float32,
    y int64, train, valid, test (int64 node ids))."""
    n = int(_table(folder, "raw/num-node-list", np.int64)[0])
    edges = _table(folder, "raw/edge", np.int64).reshape(-1, 2)
    x = _table(folder, "raw/node-feat", np.float32).reshape(n, -1)
    y = _table(folder, "raw/node-label", np.int64).reshape(-1)
    ids = {k: _table(folder, f"split/{split}/{k}", np.int64).reshape(-1) for k in ("train", "valid", "test")}
    assert edges.shape[0] == int(_table(folder, "raw/num-edge-list", np.int64)[0])
    return dict(num_nodes=n, src=edges[:, 0], dst=edges[:, 1], x=x, y=y, **ids)


def generated_graph(num_nodes=100_000, num_edges=1_000_000, seed=0):
    """A uniform random simple undirected graph G(n, m): `num_edges` distinct node pairs
    {u, v}, u != v, drawn uniformly (numpy PCG64, `seed`). Returns (src, dst) int64 with
    src < dst, each undirected edge once. Symmetrised with self loops it has
    2 * num_edges + num_nodes nonzeros (2.1M for the defaults)."""
    rng = np.random.default_rng(seed)
    keys = np.empty(0, dtype=np.int64)
    while keys.size < num_edges:
        u = rng.integers(0, num_nodes, size=2 * num_edges)
        v = rng.integers(0, num_nodes, size=2 * num_edges)
        keep = u != v
        lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
        keys = np.unique(np.concatenate([keys, lo * num_nodes + hi]))
    keys = rng.permutation(keys)[:num_edges]
    return keys // num_nodes, keys % num_nodes


def gcn_norm_csr(num_nodes, src, dst):
    """CSR (indptr, indices, values float32) of D^-1/2 (A + I) D^-1/2 where A is the
    symmetrised edge list (each stored edge in both directions) and D its degree with the
    self loop. Columns sorted within each row."""
    loops = np.arange(num_nodes, dtype=np.int64)
    rows = np.concatenate([src, dst, loops])
    cols = np.concatenate([dst, src, loops])
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    deg = np.bincount(rows, minlength=num_nodes).astype(np.float64)
    dinv = 1.0 / np.sqrt(deg)
    values = (dinv[rows] * dinv[cols]).astype(np.float32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=num_nodes))])
    return indptr.astype(np.int64), cols.astype(np.int64), values


def median(samples):
    """The median of a list of numbers."""
    return statistics.median(samples)


def result(kind, **fields):
    """Prints one parseable line: `RESULT <kind> key=value key=value ...`."""
    def fmt(v):
        if isinstance(v, float):
            return f"{v:.6g}"
        return str(v)

    print("RESULT " + kind + " " + " ".join(f"{k}={fmt(v)}" for k, v in fields.items()), flush=True)


def load_average():
    """The 1-minute load average, to record alongside measurements."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")
