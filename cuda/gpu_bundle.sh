#!/usr/bin/env bash
# Builds, on a machine without a GPU, everything the GPU suite needs into one folder that can be
# copied to a GPU machine and run there with one command:
#
#   bash cuda/gpu_bundle.sh [OUT]          # default OUT: target/gpu-bundle
#   scp -r target/gpu-bundle gpu-host:     # then, on the GPU machine:
#   bash gpu-bundle/run.sh                 # writes gpu-bundle/report.md
#
# What is bundled (release builds, linked here against stub libraries from
# cuda/scripts/make_stubs.sh):
#   - weft-cuda: the unit tests, the GPU parity suite (every primitive against the CPU, and
#     the backend-level MLP/GCN/GAT steps) and the kernel benches (GEMM vs cuBLAS, copy
#     bandwidth, SpMM on the 100k-node graph);
#   - the device suites of the upper crates with feature `cuda` (autograd ops, sparse ops,
#     optimisers and model steps; GNN model steps; BNN densities), listed in DEVICE_TESTS;
#   - the Cora epoch bench (`WEFT_BENCH_DEVICE=cuda`) and the examples (mlp,
#     node_classification, bnn_regression), run briefly with `--device cuda`; data/cora is
#     copied along.
# The stubs are NOT copied: on the GPU machine the real libcuda.so.1 (driver 13.0 or newer) and
# libcublas.so.13 are found through the system paths or LD_LIBRARY_PATH (run.sh also looks in
# the pip wheel nvidia-cublas's site-packages/nvidia/cu13/lib).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/gpu-bundle}"

source cuda/scripts/toolchain.sh
source cuda/scripts/make_stubs.sh

rm -rf "$out"
mkdir -p "$out/bin"
executables() { python3 -c 'import json,sys
for line in sys.stdin:
    m=json.loads(line)
    if m.get("reason")=="compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["target"]["kind"][0], m["executable"])'; }
# The device suites of the upper crates: "package test-target" pairs.
DEVICE_TESTS=(
    "weft-autograd cuda_ops" "weft-autograd cuda_model" "weft-autograd cuda_device"
    "weft-autograd cuda_sparse" "weft-autograd cuda_optim" "weft-gnn cuda_models"
    "weft-bayes cuda_bnn"
)
json=(--features cuda --message-format=json)
{
    cargo test -p weft-cuda --release --no-run "${json[@]}"
    cargo bench -p weft-cuda --bench cuda_kernels --no-run "${json[@]}"
    for pt in "${DEVICE_TESTS[@]}"; do
        read -r package target <<<"$pt"
        cargo test -p "$package" --release --no-run --test "$target" "${json[@]}"
    done
    cargo bench -p weft-bench --bench gnn --no-run "${json[@]}"
    cargo build -p weft-autograd --release --example mlp "${json[@]}"
    cargo build -p weft-gnn --release --example node_classification "${json[@]}"
    cargo build -p weft-bayes --release --example bnn_regression "${json[@]}"
} | executables | while read -r name kind exe; do
    case "$name:$kind" in
        faults:*) continue ;; # emulated-device tests: nothing to run on a GPU
        weft_cuda:lib) dest="unit_tests" ;;
        *:lib) continue ;;
        gnn:bench) dest="gnn_bench" ;;
        *) dest="$name" ;;
    esac
    cp "$exe" "$out/bin/$dest"
    echo "bundled $kind $name -> bin/$dest"
done
mkdir -p "$out/data"
cp -r data/cora "$out/data/"
# Symbols are not needed to run: stripping takes the bundle from ~75 to ~66 MiB.
strip "$out"/bin/*
suites="$(for pt in "${DEVICE_TESTS[@]}"; do printf '%s ' "${pt#* }"; done)"

commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
cat > "$out/run.sh" <<RUN
#!/usr/bin/env bash
# Runs weft's GPU suite (built from commit $commit) on this machine and writes report.md.
set -uo pipefail
here="\$(cd "\$(dirname "\$0")" && pwd)"
cd "\$here"
for d in \$(python3 -c 'import site,sys; print(" ".join(site.getsitepackages()+sys.path))' 2>/dev/null); do
    [ -e "\$d/nvidia/cu13/lib/libcublas.so.13" ] && export LD_LIBRARY_PATH="\$d/nvidia/cu13/lib:\${LD_LIBRARY_PATH:-}"
done
report="\$here/report.md"
status=0
{
    echo "# weft GPU suite report"
    echo
    echo "- commit: $commit"
    echo "- date: \$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- host: \$(hostname)"
    echo "- card: \$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi not available')"
    echo "- libraries: \$(ldd bin/parity | grep -E 'libcuda|libcublas' | tr -s ' \t' ' ' | tr '\n' ';')"
    echo
} > "\$report"
run() {
    local title="\$1"; shift
    echo "## \$title" >> "\$report"
    echo '\`\`\`' >> "\$report"
    "\$@" 2>&1 | tee -a "\$report"
    local rc=\${PIPESTATUS[0]}
    echo '\`\`\`' >> "\$report"
    echo "exit status: \$rc" >> "\$report"
    [ "\$rc" -eq 0 ] || status=1
}
run "unit tests" bin/unit_tests
run "GPU parity suite" bin/parity
grep -q "no CUDA device present" "\$report" && { echo "no CUDA device was found: nothing was tested" | tee -a "\$report"; exit 1; }
for suite in $suites; do
    run "device suite \$suite" bin/\$suite
done
run "example: mlp" bin/mlp --device cuda
run "example: node_classification (GCN)" bin/node_classification --data data/cora --device cuda
run "example: node_classification (GAT)" bin/node_classification --data data/cora --model gat --device cuda
run "example: bnn_regression" bin/bnn_regression --device cuda --chains 2 --warmup 300 --samples 300
run "CUDA benches" env CRITERION_HOME="\$here/criterion" bin/cuda_kernels --bench
run "Cora epoch benches" env CRITERION_HOME="\$here/criterion" WEFT_BENCH_DEVICE=cuda WEFT_DATA_DIR="\$here/data" bin/gnn_bench --bench
echo "report: \$report"
exit \$status
RUN
chmod +x "$out/run.sh"
# One compressed file (~17 MiB) for transports with a size limit.
tar czf "$out.tar.gz" -C "$(dirname "$out")" "$(basename "$out")"
echo "bundle ready: $out and $out.tar.gz (copy either to a GPU machine and run: bash $(basename "$out")/run.sh)"
