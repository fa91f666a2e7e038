#!/usr/bin/env bash
# Builds, on a machine without a GPU, everything the GPU suite needs into one folder that can be
# copied to a GPU machine and run there with one command:
#
#   bash cuda/gpu_bundle.sh [OUT]          # default OUT: target/gpu-bundle
#   scp -r target/gpu-bundle gpu-host:     # then, on the GPU machine:
#   bash gpu-bundle/run.sh                 # writes gpu-bundle/report.md
#
# The binaries are release builds of weft-cuda's GPU tests (the parity suite and the unit
# tests) and CUDA benches, linked here against stub libraries (cuda/scripts/make_stubs.sh).
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
{
    cargo test -p weft-cuda --features cuda --release --no-run --message-format=json
    cargo bench -p weft-cuda --features cuda --no-run --message-format=json
} | executables | while read -r name kind exe; do
    case "$name:$kind" in
        faults:*) continue ;; # emulated-device tests: nothing to run on a GPU
        *:lib) dest="unit_tests" ;;
        *) dest="$name" ;;
    esac
    cp "$exe" "$out/bin/$dest"
    echo "bundled $kind $name -> bin/$dest"
done

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
grep -q "no CUDA device present" "\$report" && { echo "no CUDA device was found: nothing was tested" | tee -a "\$report"; status=1; }
run "CUDA benches" env CRITERION_HOME="\$here/criterion" bin/cuda_kernels --bench
echo "report: \$report"
exit \$status
RUN
chmod +x "$out/run.sh"
echo "bundle ready: $out (copy it to a GPU machine and run: bash $(basename "$out")/run.sh)"
