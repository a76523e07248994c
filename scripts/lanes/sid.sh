#!/usr/bin/env bash
# Inside the sid root (scripts/test-in-debian.sh sid): the whole suite against
# Debian sid's LibTorch 2.14 with GCC 16 and CMake 4. The clone is at /gradus.
set -euo pipefail
cd /gradus
export GRADUS_BUILD_DIR=/gradus/build-sid
g++ --version | head -1
cmake --version | head -1
scripts/build.sh
cd "$GRADUS_BUILD_DIR" && ctest -j"$(nproc)" --output-on-failure
