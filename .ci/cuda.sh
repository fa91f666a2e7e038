#!/usr/bin/env bash
# CUDA checks for a machine without a GPU (called by .ci/run; idempotent; installs what it
# needs). Fails when anything below fails:
#  1. installs the pinned CUDA 13.0 toolchain wheels (nvcc, ptxas) and makes stub libcuda /
#     libcublas with the real SONAMEs;
#  2. clippy (a superset of `cargo check`) of weft-cuda, all targets, with feature `cuda`
#     (this also compiles every kernel to PTX through build.rs) and with feature `emulated`;
#  3. compiles every cuda/kernels/*.cu to PTX (compute_80) and assembles it with
#     `ptxas -arch=sm_90`: a kernel that does not compile fails here;
#  4. builds the GPU test binaries (weft-cuda's, and the device suites of weft-autograd,
#     weft-gnn and weft-bayes) against the stubs and runs them: with no device they say so
#     and skip;
#  5. runs the GPU parity suite and the planted-fault tests on the emulated CUDA device, with
#     the threads of each block scheduled in ascending and then in descending order;
#  6. weft-autograd on the emulated device: clippy with features `cuda` and `cuda-emulated`,
#     then every op family's forward and gradient, the MLP step parity (Adam, SGD) and the
#     device surface against the CPU (tests/cuda_*.rs, sparse ops included), in both thread orders;
#  7. weft-gnn: clippy with features `cuda` and `cuda-emulated`, every model's training step and
#     the training loops on the emulated device against the CPU (both thread orders), and the
#     node_classification example on Cora for 2 epochs on the emulated device;
#  8. weft-bayes: clippy with both features, BNN densities and a seeded NUTS run on the
#     emulated device against the CPU (both thread orders).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cuda: toolchain and stubs"
source cuda/scripts/toolchain.sh
source cuda/scripts/make_stubs.sh

echo "== cuda: clippy (feature cuda, feature emulated)"
cargo clippy -p weft-cuda --all-targets --features cuda -- -D warnings
cargo clippy -p weft-cuda --all-targets --features emulated -- -D warnings

echo "== cuda: every kernel to PTX (compute_80), assembled for sm_90"
ptx_dir="$(mktemp -d)"
trap 'rm -rf "$ptx_dir"' EXIT
for cu in cuda/kernels/*.cu; do
    name="$(basename "$cu" .cu)"
    "$CUDA_NVCC" -ptx -arch=compute_80 -std=c++17 -O3 -o "$ptx_dir/$name.ptx" "$cu"
    "$CUDA_BIN/ptxas" -arch=sm_90 -o "$ptx_dir/$name.cubin" "$ptx_dir/$name.ptx"
    echo "  $name: $(grep -c '^.visible .entry' "$ptx_dir/$name.ptx") kernels, sm_90 cubin $(stat -c %s "$ptx_dir/$name.cubin") bytes"
done

echo "== cuda: GPU test binaries linked against the stubs (no device here: they must skip)"
LD_LIBRARY_PATH="$CUBLAS_LIB_DIR" cargo test -p weft-cuda --features cuda 2>&1 | tee "$ptx_dir/gpu.log"
grep -q "no CUDA device present" "$ptx_dir/gpu.log" || { echo "the GPU suite did not report a missing device"; exit 1; }
echo "== cuda: the upper crates' device suites linked against the stubs (they must skip too)"
LD_LIBRARY_PATH="$CUBLAS_LIB_DIR" cargo test -p weft-autograd -p weft-gnn -p weft-bayes --features cuda \
    --test cuda_ops --test cuda_sparse --test cuda_models --test cuda_bnn -- --nocapture 2>&1 | tee "$ptx_dir/upper.log"
[ "$(grep -c "no CUDA device present" "$ptx_dir/upper.log")" -ge 4 ] || { echo "a device suite did not report a missing device"; exit 1; }

echo "== cuda: parity suite and planted faults on the emulated device (ascending thread order)"
WEFT_EMU_ORDER=forward cargo test -p weft-cuda --features emulated
echo "== cuda: parity suite on the emulated device (descending thread order)"
WEFT_EMU_ORDER=reverse cargo test -p weft-cuda --features emulated --test parity

echo "== cuda: weft-autograd clippy (feature cuda, feature cuda-emulated)"
cargo clippy -p weft-autograd --all-targets --features cuda -- -D warnings
cargo clippy -p weft-autograd --all-targets --features cuda-emulated -- -D warnings
echo "== cuda: weft-autograd ops, gradients and model steps on the emulated device (both thread orders)"
autograd_cuda_tests=(--test cuda_ops --test cuda_model --test cuda_device --test cuda_sparse --test cuda_optim)
WEFT_EMU_ORDER=forward cargo test -p weft-autograd --features cuda-emulated "${autograd_cuda_tests[@]}"
WEFT_EMU_ORDER=reverse cargo test -p weft-autograd --features cuda-emulated "${autograd_cuda_tests[@]}"

echo "== cuda: weft-gnn clippy (feature cuda, feature cuda-emulated)"
cargo clippy -p weft-gnn --all-targets --features cuda -- -D warnings
cargo clippy -p weft-gnn --all-targets --features cuda-emulated -- -D warnings
echo "== cuda: GNN models and training loops on the emulated device against the CPU (both thread orders)"
WEFT_EMU_ORDER=forward cargo test -p weft-gnn --features cuda-emulated --test cuda_models
WEFT_EMU_ORDER=reverse cargo test -p weft-gnn --features cuda-emulated --test cuda_models
echo "== cuda: node_classification example on Cora on the emulated device (2 epochs)"
cargo run -p weft-gnn --features cuda-emulated --example node_classification -- --device cuda --epochs 2

echo "== cuda: weft-bayes clippy (feature cuda, feature cuda-emulated) and BNN densities on the emulated device"
cargo clippy -p weft-bayes --all-targets --features cuda -- -D warnings
cargo clippy -p weft-bayes --all-targets --features cuda-emulated -- -D warnings
WEFT_EMU_ORDER=forward cargo test -p weft-bayes --features cuda-emulated --test cuda_bnn
WEFT_EMU_ORDER=reverse cargo test -p weft-bayes --features cuda-emulated --test cuda_bnn
