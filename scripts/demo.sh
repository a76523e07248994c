#!/usr/bin/env bash
# The main job, from a clean clone: installs what is needed, fetches MNIST,
# builds gradus-train (and only that), then runs the shoot-out. On real
# MNIST and the 784-128-10 MLP, the five adaptive methods (SGD, Adagrad,
# RMSprop, Adadelta, Adam) and Lion each train with the three lr rules
# (constant, linear decay lr0*(1-t/T), loss-adaptive lr0/(1+loss/min_loss)),
# and Schedule-Free AdamW with a constant lr (it needs no schedule), same
# seed and initial weights, plus LibTorch's built-in Adam for the speed-up.
# Prints the table ranked by test accuracy; the plot goes to
# build/demo/mnist-shootout.svg, the metrics to build/demo/metrics/.
# Extra arguments go to gradus-train (e.g. --epochs 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
step() { echo "== $* ($SECONDS s)"; }
step "dependencies (Debian packages, once)"
"$root/scripts/install-deps.sh"
step "MNIST"
"$root/scripts/fetch-mnist.sh" >/dev/null
step "building gradus-train"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" --target gradus-train -j"$(nproc)"
mkdir -p "$root/build/demo"
step "training: 20 runs"
# PyTorch's default lrs, except SGD's (PyTorch has none) and RMSprop's
# (its 0.01 is tuned for other work than a small MLP).
"$root/build/examples/gradus-train" --dataset mnist --data-dir "$root/data/mnist" --model mlp --epochs 3 \
  --optimizers sgd,adagrad,rmsprop,adadelta,adam,lion,adamw-schedulefree --schedulers constant,linear-decay,loss-adaptive --builtin adam \
  --lr-of sgd=0.1 --lr-of rmsprop=0.001 --log-interval 100 \
  --metrics-out "$root/build/demo/metrics" --plot "$root/build/demo/mnist-shootout.svg" "$@"
step "done"
