# Sourced by .ci/cuda.sh and cuda/gpu_bundle.sh: installs the pinned CUDA 13.0 toolchain wheels
# (nvcc, ptxas, cuda.h; no driver, no GPU needed) once, and exports what the build needs:
#   WEFT_CUDA_HOME      where the toolchain and stubs live (default ~/.cache/weft-cuda)
#   CUDA_NVCC           nvcc, for cuda/build.rs
#   CUDA_BIN            the toolchain's bin/ (nvcc, ptxas)
#   CUDA_LIBRARY_PATH   a directory whose lib64/ holds libcuda.so / libcublas.so to link
#                       against (the stubs of make_stubs.sh), for cust's build script
#   CUBLAS_LIB_DIR      the same lib64/, for cublas-sys's build script
set -euo pipefail

WEFT_CUDA_HOME="${WEFT_CUDA_HOME:-$HOME/.cache/weft-cuda}"
_weft_site="$WEFT_CUDA_HOME/toolchain-13.0.88"
_weft_cu13="$_weft_site/nvidia/cu13"
if [ ! -x "$_weft_cu13/bin/nvcc" ] || [ ! -x "$_weft_cu13/bin/ptxas" ] || [ ! -f "$_weft_cu13/include/cuda.h" ]; then
    echo "cuda toolchain: installing the CUDA 13.0 wheels into $_weft_site"
    mkdir -p "$_weft_site"
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore --upgrade \
        --target "$_weft_site" \
        nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-cuda-runtime==13.0.96
fi
export WEFT_CUDA_HOME
export CUDA_BIN="$_weft_cu13/bin"
export CUDA_NVCC="$CUDA_BIN/nvcc"
export CUDA_LIBRARY_PATH="$WEFT_CUDA_HOME/stubs"
export CUBLAS_LIB_DIR="$CUDA_LIBRARY_PATH/lib64"
mkdir -p "$CUBLAS_LIB_DIR"
"$CUDA_NVCC" --version | tail -2
