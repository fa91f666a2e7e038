#!/usr/bin/env python3
"""PyG GCN / GAT on Cora's public split, 2 threads: the peer of weft-gnn's node classification.

Commands (from the repository root, nothing else heavy running):
    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python3 bench/compare/pyg_gnn.py --model gcn --runs 10
    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python3 bench/compare/pyg_gnn.py --model gat --runs 10
    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python3 bench/compare/pyg_gnn.py --model gcn --large

Versions used when this was written: Python 3.11.7, torch 2.15.0, torch_geometric 2.8.1,
numpy 2.4.6 (PyPI wheels, CPU). The script prints the versions it actually ran with.

Models, as in PyG's examples/gcn.py and examples/gat.py (the papers' settings):
- gcn: features row-normalised (each row divided by its sum); dropout 0.5 -> GCNConv(1433, 16,
  cached) -> ReLU -> dropout 0.5 -> GCNConv(16, 7, cached); Adam lr 0.01, weight decay 5e-4 on
  the first layer only (Kipf & Welling; PyG's example), 200 epochs.
- gat: features row-normalised; dropout 0.6 -> GATConv(1433, 8, heads 8, attention dropout 0.6)
  -> ELU -> dropout 0.6 -> GATConv(64, 7, heads 1, concat False, attention dropout 0.6);
  Adam lr 0.005, weight decay 5e-4 on all parameters, 200 epochs.
The graph is Cora's stored edges in both directions (10,556 directed edges); the convolutions
add self loops. Each epoch is one full-batch training step (forward, cross-entropy on the 140
training nodes, backward, Adam) followed by an evaluation pass; the reported test accuracy is
the one at the epoch of best validation accuracy (first best on ties). Seeds 0..runs-1.

--large: peak resident memory (resource.getrusage ru_maxrss) of one GCN training epoch
(not cached) on the generated 100,000-node / 1,000,000-undirected-edge graph
(common.generated_graph, seed 0) with 128 standard-normal features, hidden 16, 10 classes,
every node a training node. The peak-RSS mark is reset (/proc/self/clear_refs) after building
the data and model, so peak_rss_mb is the process's peak during the epoch (it includes torch
itself and the data, baseline_rss_mb, and the epoch's extra, epoch_extra_mb).

Output lines:
    RESULT pyg_run model=<m> seed=<s> test_acc=<a> best_val_acc=<a> best_epoch=<e> step_median_ms=<t> epoch_median_ms=<t> total_s=<t> load=<l>
    RESULT pyg_gnn model=<m> runs=<r> epochs=<e> threads=2 test_acc_mean=<a> test_acc_std=<a> step_median_ms=<t> epoch_median_ms=<t> total_s_median=<t> load=<l>
    RESULT pyg_memory model=gcn nodes=100000 edges=1000000 features=128 hidden=16 classes=10 baseline_rss_mb=<m> peak_rss_mb=<m> epoch_extra_mb=<m> peak_reset=<0|1> process_peak_before_mb=<m> epoch_s=<t> load=<l>
(step: training step only; epoch: training step + evaluation; total: 200 epochs; std is the
population standard deviation over runs; accuracies in percent.)
"""

import argparse
import gc
import os
import platform
import resource
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch_geometric  # noqa: E402
from torch_geometric.nn import GATConv, GCNConv  # noqa: E402

from common import generated_graph, load_average, load_cora, result  # noqa: E402


class GCN(torch.nn.Module):
    def __init__(self, fin, hidden, classes, cached=True):
        super().__init__()
        self.conv1 = GCNConv(fin, hidden, cached=cached)
        self.conv2 = GCNConv(hidden, classes, cached=cached)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.5, training=self.training)
        x = self.conv1(x, edge_index).relu()
        x = F.dropout(x, p=0.5, training=self.training)
        return self.conv2(x, edge_index)

    def optimizer(self):
        return torch.optim.Adam([
            dict(params=self.conv1.parameters(), weight_decay=5e-4),
            dict(params=self.conv2.parameters(), weight_decay=0.0),
        ], lr=0.01)


class GAT(torch.nn.Module):
    def __init__(self, fin, hidden, classes, heads=8):
        super().__init__()
        self.conv1 = GATConv(fin, hidden, heads=heads, dropout=0.6)
        self.conv2 = GATConv(hidden * heads, classes, heads=1, concat=False, dropout=0.6)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.6, training=self.training)
        x = F.elu(self.conv1(x, edge_index))
        x = F.dropout(x, p=0.6, training=self.training)
        return self.conv2(x, edge_index)

    def optimizer(self):
        return torch.optim.Adam(self.parameters(), lr=0.005, weight_decay=5e-4)


def build(model_name, fin, classes):
    if model_name == "gcn":
        return GCN(fin, 16, classes)
    return GAT(fin, 8, classes)


def train_step(model, opt, x, edge_index, y, train):
    model.train()
    opt.zero_grad()
    out = model(x, edge_index)
    loss = F.cross_entropy(out[train], y[train])
    loss.backward()
    opt.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, x, edge_index, y, masks):
    model.eval()
    pred = model(x, edge_index).argmax(dim=-1)
    return [(pred[m] == y[m]).float().mean().item() * 100.0 for m in masks]


def one_run(args, data, seed):
    torch.manual_seed(seed)
    x, edge_index, y, train, valid, test = data
    model = build(args.model, x.shape[1], int(y.max()) + 1)
    opt = model.optimizer()
    best_val, best_test, best_epoch = -1.0, 0.0, -1
    steps, epochs = [], []
    t_start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        train_step(model, opt, x, edge_index, y, train)
        t1 = time.perf_counter()
        val_acc, test_acc = evaluate(model, x, edge_index, y, [valid, test])
        t2 = time.perf_counter()
        steps.append(t1 - t0)
        epochs.append(t2 - t0)
        if val_acc > best_val:
            best_val, best_test, best_epoch = val_acc, test_acc, epoch
    total = time.perf_counter() - t_start
    step_ms = statistics.median(steps) * 1e3
    epoch_ms = statistics.median(epochs) * 1e3
    result("pyg_run", model=args.model, seed=seed, test_acc=best_test, best_val_acc=best_val,
           best_epoch=best_epoch, step_median_ms=step_ms, epoch_median_ms=epoch_ms, total_s=total,
           load=load_average())
    return best_test, step_ms, epoch_ms, total


def cora_tensors():
    cora = load_cora()
    x = torch.from_numpy(cora["x"])
    x = x / x.sum(dim=1, keepdim=True).clamp(min=1.0)  # row-normalise (NormalizeFeatures)
    src, dst = torch.from_numpy(cora["src"]), torch.from_numpy(cora["dst"])
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    y = torch.from_numpy(cora["y"])
    ids = [torch.from_numpy(cora[k]) for k in ("train", "valid", "test")]
    return (x, edge_index, y, *ids)


def rss_mb():
    """Peak resident memory of this process in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb():
    """Current resident memory in MiB (VmRSS)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_peak_rss():
    """Resets the peak-RSS mark (Linux >= 4.0: write 5 to /proc/self/clear_refs), so that
    ru_maxrss afterwards is the peak since now; returns whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def large_memory():
    src, dst = generated_graph()
    n = 100_000
    src, dst = torch.from_numpy(src), torch.from_numpy(dst)
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    del src, dst
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 128, generator=gen)
    y = torch.randint(0, 10, (n,), generator=gen)
    train = torch.arange(n)
    torch.manual_seed(0)
    model = GCN(128, 16, 10, cached=False)
    opt = model.optimizer()
    gc.collect()
    # The graph generation peaks above the epoch; reset the mark so the peak is the epoch's.
    process_peak = rss_mb()
    reset = reset_peak_rss()
    baseline = current_rss_mb()
    t0 = time.perf_counter()
    train_step(model, opt, x, edge_index, y, train)
    epoch_s = time.perf_counter() - t0
    peak = rss_mb()
    result("pyg_memory", model="gcn", nodes=n, edges=1_000_000, features=128, hidden=16, classes=10,
           baseline_rss_mb=baseline, peak_rss_mb=peak, epoch_extra_mb=peak - baseline,
           peak_reset=int(reset), process_peak_before_mb=process_peak, epoch_s=epoch_s,
           load=load_average())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["gcn", "gat"], default="gcn")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--large", action="store_true", help="only measure peak memory of one GCN epoch on the generated graph")
    args = ap.parse_args()
    torch.set_num_threads(2)
    print(f"# python {platform.python_version()} torch {torch.__version__} torch_geometric "
          f"{torch_geometric.__version__} numpy {np.__version__} threads {torch.get_num_threads()}")
    if args.large:
        large_memory()
        return
    data = cora_tensors()
    accs, steps, epochs, totals = [], [], [], []
    for seed in range(args.runs):
        acc, step_ms, epoch_ms, total = one_run(args, data, seed)
        accs.append(acc)
        steps.append(step_ms)
        epochs.append(epoch_ms)
        totals.append(total)
    result("pyg_gnn", model=args.model, runs=args.runs, epochs=args.epochs, threads=torch.get_num_threads(),
           test_acc_mean=statistics.mean(accs), test_acc_std=statistics.pstdev(accs),
           step_median_ms=statistics.median(steps), epoch_median_ms=statistics.median(epochs),
           total_s_median=statistics.median(totals), load=load_average())


if __name__ == "__main__":
    main()
