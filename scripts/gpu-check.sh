#!/usr/bin/env bash
# Builds gradus with CUDA against the PyTorch of this machine's python3
# (torch.utils.cmake_prefix_path), runs the CUDA tests and the unit tests,
# runs the CUDA tests again under compute-sanitizer memcheck, runs the CUDA
# benchmark and PyTorch's fused optimizers on the same lists, and prints one
# table, then Adam's step in each low-memory format. The logs go to OUTDIR (default build-gpu/logs). docs/cuda.md.
#   scripts/gpu-check.sh [--deps DIR] [OUTDIR]
# --deps DIR (or GRADUS_DEPS_DIR): where a machine without Debian's
# GoogleTest finds its sources, DIR/googletest (scripts/copy-deps.sh).
# GRADUS_GPU_SKIP_UNIT=1 skips the unit tests (a rerun after a CUDA-only change).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps=${GRADUS_DEPS_DIR:-}
if [[ "${1:-}" == "--deps" ]]; then
  deps=$2
  shift 2
fi
build=$root/build-gpu
out=${1:-$build/logs}
mkdir -p "$out"
gtest=()
if [[ -n "$deps" ]]; then
  [[ -d "$deps/googletest" ]] || { echo "--deps $deps: no googletest/ there (scripts/copy-deps.sh)" >&2; exit 1; }
  gtest=(-DGRADUS_GTEST_SOURCE_DIR="$(cd "$deps/googletest" && pwd)")
fi
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda)'
stage() { echo "--- $1 at $SECONDS s"; }
# Ninja and the one architecture of the card: the build is most of the run.
generator=$(command -v ninja >/dev/null && echo "-GNinja")
arch=$(python3 -c 'import torch;m,n=torch.cuda.get_device_capability();print(f"{m}{n}")')
stage configure
cmake -S "$root" -B "$build" $generator -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CUDA_ARCHITECTURES="$arch" \
  "${gtest[@]}" -DGRADUS_BUILD_EXAMPLES=OFF -DGRADUS_WITH_CUDA=ON \
  -DGRADUS_INSTALL=OFF >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
stage build
cmake --build "$build" -j"$(nproc)" >"$out/build.log" 2>&1 || { grep -B2 -A8 error "$out/build.log" | head -80; exit 1; }

status=0
stage tests
timeout 120 "$build/tests/cuda_optim_test" >"$out/cuda_tests.log" 2>&1 || status=1
tail -3 "$out/cuda_tests.log"
if [[ -z "${GRADUS_GPU_SKIP_UNIT:-}" ]]; then
  stage unit
  (cd "$build" && ctest -L unit -j"$(nproc)" --timeout 120 >"$out/ctest.log" 2>&1) || status=1
  tail -3 "$out/ctest.log"
fi
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
stage memcheck
timeout 180 "$sanitizer" --tool memcheck --error-exitcode 1 "$build/tests/cuda_optim_test" --gtest_filter='Cuda.Every*:Cuda.Reduced*:Cuda.FoundInf*:Cuda.BadDeviceLr*:Cuda.LowPrecision*' \
  >"$out/memcheck.log" 2>&1 || status=1
grep -E "ERROR SUMMARY" "$out/memcheck.log" | tail -1

stage bench
timeout 120 "$build/benchmarks/gradus_cuda_bench" >"$out/bench.txt" 2>&1 || status=1
timeout 120 python3 "$root/scripts/gpu_fused_reference.py" >"$out/pyfused.txt" 2>&1 || status=1
python3 - "$out/bench.txt" "$out/pyfused.txt" <<'PY'
import sys
bench, fused = open(sys.argv[1]).read().split("\n"), open(sys.argv[2]).read().split("\n")
pyf = {(l.split()[1], l.split()[2]): float(l.split()[4]) for l in fused if l.startswith("pyfused") and " ms " in l}
print(next(l for l in bench if l.startswith("copy_gbps")))
print(f"{'list':9} {'optimizer':9} {'gradus ms':>10} {'builtin ms':>11} {'vs builtin':>10} {'py fused ms':>12} {'vs fused':>9} {'GB/s':>7} {'of copy':>8} {'graph ms':>9} {'of copy':>8}")
for l in bench:
    if not l.startswith("row"):
        continue
    f = l.split()
    lst, opt, g, b, gbps, pct, graph, graph_pct = f[1], f[2], float(f[4]), float(f[6]), f[8], f[10], float(f[12]), f[14]
    p = pyf.get((lst, opt))
    print(f"{lst:9} {opt:9} {g:10.3f} {b:11.3f} {b / g if b else 0:9.2f}x {p if p else float('nan'):12.3f} "
          f"{(p / g) if p else float('nan'):8.2f}x {gbps:>7} {pct:>7}% {graph:9.3f} {graph_pct:>7}%")
PY
# Adam's step in each low-memory format (docs/low-memory.md), 100M params.
stage low-memory
timeout 120 "$build/benchmarks/gradus_low_memory_bench" --device cuda --numel 100000000 --pairs 9 \
  >"$out/low_memory.txt" 2>&1 || status=1
cat "$out/low_memory.txt"
stage done
exit $status
