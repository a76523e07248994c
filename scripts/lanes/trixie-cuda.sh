#!/usr/bin/env bash
# Inside the trixie-cuda root (scripts/test-in-debian.sh trixie-cuda): builds
# gradus with GRADUS_WITH_CUDA=ON against Debian trixie's CUDA LibTorch 2.6 and
# CUDA 12.4 (the library, the CUDA tests, the CUDA benchmark, gradus::distributed with
# NCCL), then checks that
# every gradus operator has a CUDA kernel registered, and builds a separate
# project against the installed package. There is no GPU here: the CUDA
# trajectory tests start and skip.
set -euo pipefail
cd /gradus
build=/gradus/build-trixie-cuda
stubs=$build/stub-libs

# libtorch_cuda needs cuDNN (libcudnn.so.9), which Debian installs only by
# downloading it from NVIDIA. A stub with the same soname exporting every
# symbol libtorch_cuda takes from it (each aborts if called) lets the tests
# link and start; nothing here calls cuDNN.
make_stub() {  # make_stub SONAME LIBRARY_THAT_NEEDS_IT
  local soname=$1 user=$2 prefix undefined
  prefix=$(echo "$soname" | sed 's/^lib//; s/\.so.*//')
  mkdir -p "$stubs"
  # e.g. "cudnnCreate@libcudnn.so.9": the symbols are versioned, so the stub
  # defines the same version nodes.
  undefined=$(nm -D --undefined-only "$user" | awk '{print $NF}' | grep "^${prefix}" | sort -u)
  {
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    echo "static void stub_called(const char* f) { fprintf(stderr, \"$soname stub: %s called\\n\", f); abort(); }"
    echo "$undefined" | sed 's/@.*//' | sort -u |
      while read -r sym; do echo "void $sym(void) { stub_called(\"$sym\"); }"; done
  } >"$stubs/$soname.c"
  echo "$undefined" | grep -o '@.*' | tr -d '@' | sort -u |
    while read -r node; do echo "$node { global: *; };"; done >"$stubs/$soname.map"
  [[ -s "$stubs/$soname.map" ]] || echo "{ global: *; };" >"$stubs/$soname.map"
  gcc -shared -fPIC -o "$stubs/$soname" -Wl,-soname,"$soname" -Wl,--version-script,"$stubs/$soname.map" \
    "$stubs/$soname.c"
  echo "stub $soname: $(grep -c '^void' "$stubs/$soname.c") symbols, versions: $(tr '\n' ' ' <"$stubs/$soname.map")"
}
torch_cuda=$(find /usr/lib -name 'libtorch_cuda.so*' | head -1)
for missing in $(ldd "$torch_cuda" | awk '/not found/ {print $1}'); do
  make_stub "$missing" "$torch_cuda"
done
export LD_LIBRARY_PATH=$stubs
ldd "$torch_cuda" | grep "not found" && { echo "libtorch_cuda still misses libraries"; exit 1; }

nvcc --version | tail -2
# One architecture (sm_90, the H100's): the lane shows that the code compiles
# and links, and each further one costs nvcc as long again.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGRADUS_WITH_CUDA=ON -DCMAKE_UNITY_BUILD=ON \
  -DGRADUS_BUILD_EXAMPLES=OFF -DCMAKE_CUDA_ARCHITECTURES=90-real >"$stubs/configure.log" 2>&1 || { cat "$stubs/configure.log"; exit 1; }
grep "gradus" "$stubs/configure.log"
grep -q "distributed NCCL (CUDA tensors) ON" "$stubs/configure.log" || { echo "gradus::distributed without NCCL"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target gradus cuda_optim_test cuda_registration_test cuda_launch_plan_test gradus_cuda_bench \
  gradus_distributed distributed_test
# The CUDA tests, gradus::distributed's (on CPU: Gloo), then the installed
# package used from another project.
cd "$build" && ctest -j"$(nproc)" -R "^cuda_|^install\.|^Ranks/ZeroSharding|^DataParallel|^ZeroCheckpoint|^DistributedFaults" --output-on-failure
