"""NumPyro peer of weft-bayes' `bnn_regression` example (issue 6 targets).

Model: y = sin(3x) + N(0, 0.1^2), 100 points on [-2, 2]; a 1-50-1 tanh MLP with N(0, 1)
priors on all 151 parameters and known noise 0.1; NUTS with NumPyro's defaults (diagonal
mass matrix, target acceptance 0.8, max tree depth 10), 1 chain, 1000 warm-up + 1000 draws.

Prints the compile time, the warm-up and sampling times, min bulk ESS (numpyro.diagnostics, the same
rank-normalised estimator as ArviZ), min-ESS per second of sampling wall time, the time of
one gradient evaluation (jit of value_and_grad of the potential, many repeats), tree depths,
and the posterior predictive mean and 90% band at x = -2, -1.5, ..., 2.

    pip install numpyro jax            # CPU jax from PyPI
    python bench/compare/numpyro_bnn.py [--data data.csv] [--dtype float32|float64]

`--data` reads the x,y CSV written by `cargo run --release --example bnn_regression --
--data-out data.csv` so both run on the same data set; without it the data are simulated
here with numpy (seed 0).
"""

import argparse
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="x,y CSV (header line) to use instead of simulated data")
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--grad-repeats", type=int, default=20000)
    args = ap.parse_args()

    import jax

    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.diagnostics import effective_sample_size
    from numpyro.infer import MCMC, NUTS
    from numpyro.infer.util import initialize_model

    numpyro.set_host_device_count(1)
    dt = jnp.float32 if args.dtype == "float32" else jnp.float64

    if args.data:
        d = np.loadtxt(args.data, delimiter=",", skiprows=1)
        x_np, y_np = d[:, 0], d[:, 1]
    else:
        rng = np.random.default_rng(0)
        x_np = np.linspace(-2.0, 2.0, 100)
        y_np = np.sin(3.0 * x_np) + 0.1 * rng.standard_normal(100)
    x = jnp.asarray(x_np, dtype=dt)[:, None]
    y = jnp.asarray(y_np, dtype=dt)
    H = 50

    def model(x, y=None):
        w1 = numpyro.sample("w1", dist.Normal(0.0, 1.0).expand([1, H]).to_event(2))
        b1 = numpyro.sample("b1", dist.Normal(0.0, 1.0).expand([H]).to_event(1))
        w2 = numpyro.sample("w2", dist.Normal(0.0, 1.0).expand([H, 1]).to_event(2))
        b2 = numpyro.sample("b2", dist.Normal(0.0, 1.0).expand([1]).to_event(1))
        f = (jnp.tanh(x @ w1 + b1) @ w2 + b2)[:, 0]
        numpyro.sample("y", dist.Normal(f, 0.1).to_event(1), obs=y)

    print(f"jax {jax.__version__}, numpyro {numpyro.__version__}, backend {jax.default_backend()}, dtype {args.dtype}")

    # Gradient evaluation time: jit(value_and_grad(potential)) on the flat parameter vector.
    key = jax.random.PRNGKey(args.seed)
    info = initialize_model(key, model, model_args=(x, y))
    pot = info.potential_fn
    from jax.flatten_util import ravel_pytree

    flat0, unravel = ravel_pytree(info.param_info.z)
    vg = jax.jit(jax.value_and_grad(lambda q: pot(unravel(q))))
    v, g = vg(flat0)
    jax.block_until_ready(g)
    n = args.grad_repeats
    t0 = time.perf_counter()
    for _ in range(n):
        v, g = vg(flat0)
    jax.block_until_ready(g)
    grad_us = (time.perf_counter() - t0) / n * 1e6
    print(f"parameters: {flat0.shape[0]}; gradient evaluation (jit value_and_grad, {n} repeats): {grad_us:.2f} us")

    # NUTS, twice on the same MCMC object: the first pass includes the compile of the warm-up
    # and sampling loops, the second reuses them (compile ~= first - second). Warm-up and
    # sampling are timed separately; the reported draws are the second pass's.
    mcmc = MCMC(NUTS(model), num_warmup=args.warmup, num_samples=args.samples, num_chains=1, progress_bar=False)
    fields = ("num_steps", "diverging")
    passes = []
    for rep in range(2):
        k = jax.random.fold_in(key, rep)
        t0 = time.perf_counter()
        mcmc.warmup(k, x, y, extra_fields=("num_steps",), collect_warmup=True)
        warm_steps = int(np.asarray(mcmc.get_extra_fields()["num_steps"]).sum())
        t_warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        mcmc.run(mcmc.post_warmup_state.rng_key, x, y, extra_fields=fields)
        samples = mcmc.get_samples(group_by_chain=True)
        jax.block_until_ready(samples["w1"])
        t_sample = time.perf_counter() - t0
        passes.append((t_warm, t_sample, warm_steps))
        print(f"pass {rep + 1}: warm-up {t_warm:.2f} s ({warm_steps} leapfrog steps), sampling {t_sample:.2f} s")
    (w1_, s1_, _), (t_warm, t_sample, warm_steps) = passes
    t_compile = (w1_ + s1_) - (t_warm + t_sample)
    step_size = float(mcmc.last_state.adapt_state.step_size)
    extra = mcmc.get_extra_fields()
    steps = np.asarray(extra["num_steps"])
    # Tree depth from the leapfrog count (a full tree of depth d has 2^d - 1 steps).
    depth = np.ceil(np.log2(steps + 1)).astype(int)
    div = int(np.asarray(extra["diverging"]).sum())

    ess = []
    for name, s in samples.items():
        s = np.asarray(s, dtype=np.float64)
        e = effective_sample_size(s.reshape(s.shape[0], s.shape[1], -1))
        ess.extend(np.ravel(e).tolist())
    min_ess = float(np.min(ess))
    wall = t_warm + t_sample
    n_grad = warm_steps + int(steps.sum())
    print(f"compile (pass 1 - pass 2): {t_compile:.2f} s")
    print(f"pass 2: warm-up {t_warm:.2f} s + sampling {t_sample:.2f} s = {wall:.2f} s of compute; "
          f"leapfrog steps {n_grad} ({wall / n_grad * 1e6:.1f} us each); step size {step_size:.4g}")
    print(f"min bulk ESS: {min_ess:.1f}; min-ESS/s (compute, warm-up + sampling): {min_ess / wall:.2f}; "
          f"min-ESS/s (incl. compile): {min_ess / (wall + t_compile):.2f}")
    print(f"divergences: {div}; tree depth: mean {depth.mean():.2f}, max {depth.max()}, "
          f"at 10: {(depth >= 10).sum()}/{depth.size}")

    # Posterior predictive of f at a grid.
    grid = np.linspace(-2.0, 2.0, 9)
    flat = {k: np.asarray(v)[0] for k, v in samples.items()}
    g = grid[:, None]
    preds = np.stack([
        (np.tanh(g @ flat["w1"][i] + flat["b1"][i]) @ flat["w2"][i] + flat["b2"][i])[:, 0]
        for i in range(flat["w1"].shape[0])
    ])
    mean = preds.mean(0)
    lo, hi = np.quantile(preds, [0.05, 0.95], axis=0)
    print("posterior predictive of f(x) (mean, 90% band; truth sin(3x)):")
    for j, gx in enumerate(grid):
        print(f"x = {gx:5.2f}: mean {mean[j]:7.3f}  band [{lo[j]:7.3f}, {hi[j]:7.3f}]  sin(3x) {np.sin(3 * gx):7.3f}")
    at = np.stack([
        (np.tanh(x_np[:, None] @ flat["w1"][i] + flat["b1"][i]) @ flat["w2"][i] + flat["b2"][i])[:, 0]
        for i in range(flat["w1"].shape[0])
    ]).mean(0)
    print(f"RMSE of the posterior mean against sin(3x) at the data: {np.sqrt(np.mean((at - np.sin(3 * x_np)) ** 2)):.4f}")


if __name__ == "__main__":
    main()
