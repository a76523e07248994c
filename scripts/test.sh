#!/usr/bin/env bash
# The whole test suite from a clean clone: installs dependencies and data,
# builds, runs every test with ctest.
#   scripts/test.sh              all tests, Release build in build/
#   scripts/test.sh --sanitize   the library's unit and multi-process tests under
#                                AddressSanitizer and UndefinedBehaviorSanitizer,
#                                in build-sanitize/; no examples, benchmarks or
#                                gradus-train (the host and sid lanes run those)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/fetch-mnist.sh" >/dev/null

if [[ "${1:-}" == "--sanitize" ]]; then
  export GRADUS_BUILD_DIR=$root/build-sanitize
  # -O1 -g1 (line tables: enough for the sanitizers' reports) compiles this
  # lane 2.3x faster than -O2 -g (92 s against 41 s for one test file).
  # A unity build (sources compiled in batches) here: the host lane compiles
  # every file on its own, this one only needs the sanitizers' view. No CUDA
  # kernels: the sanitizers see no nvcc code, and the host lane compiles them.
  "$root/scripts/build.sh" -DGRADUS_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DGRADUS_BUILD_BENCHMARKS=OFF -DGRADUS_BUILD_EXAMPLES=OFF -DCMAKE_UNITY_BUILD=ON \
    -DGRADUS_WITH_CUDA=OFF
  # LibTorch itself is not built with ASan: its allocations at exit are not leaks of ours.
  export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  cd "$GRADUS_BUILD_DIR" && ctest -L "^(unit|distributed)$" -j"$(nproc)" --output-on-failure
else
  "$root/scripts/build.sh"
  cd "$root/build" && ctest -j"$(nproc)" --output-on-failure
fi
