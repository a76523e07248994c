#!/usr/bin/env bash
# The main job, from a clean clone: installs what is needed, fetches MNIST,
# builds, then trains a small CNN on MNIST twice with the same seed and
# initial weights -- gradus Adam with LinearDecay, and torch::optim::Adam
# with the same LinearDecay -- and prints the side-by-side table. The curves
# go to build/demo/mnist-compare.svg, the metrics to build/demo/metrics/.
# Extra arguments go to gradus-train (e.g. --epochs 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/fetch-mnist.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
mkdir -p "$root/build/demo"
"$root/build/examples/gradus-train" --dataset mnist --data-dir "$root/data/mnist" --model cnn --epochs 2 \
  --optimizer adam --scheduler linear-decay --compare --log-interval 200 \
  --metrics-out "$root/build/demo/metrics" --plot "$root/build/demo/mnist-compare.svg" "$@"
