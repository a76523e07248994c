#!/usr/bin/env bash
# The accuracy runs of docs/gradus-train.md, on real data, CPU:
# each trains gradus and the built-in optimizer side by side (--compare) and
# prints the table. Writes logs and metrics under ${1:-build/accuracy-runs}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/accuracy-runs}
mkdir -p "$out"
train="$root/build/examples/gradus-train"
"$root/scripts/fetch-mnist.sh" >/dev/null
run() {  # name, then gradus-train flags
  local name=$1; shift
  echo "== $name: $*"
  "$train" --compare --log-interval 400 --metrics-out "$out/$name" --plot "$out/$name.svg" "$@" >"$out/$name.log" 2>&1
  sed -n '/test accuracy (%)/,$p' "$out/$name.log" | sed -n '1,7p'
}
run mnist-mlp-adam   --dataset mnist --model mlp --epochs 2 --optimizer adam --lr 0.002 --batch-size 32 --scheduler linear-decay
run mnist-mlp-sgd    --dataset mnist --model mlp --epochs 2 --optimizer sgd --lr 0.05 --momentum 0.9 --scheduler linear-decay
run mnist-cnn-adam   --dataset mnist --model cnn --epochs 3 --optimizer adam --scheduler linear-decay
run mnist-cnn-sgd    --dataset mnist --model cnn --epochs 3 --optimizer sgd --lr 0.05 --momentum 0.9 --scheduler linear-decay
run fashion-cnn-adam --dataset fashion-mnist --model cnn --epochs 5 --optimizer adam --scheduler linear-decay
run fashion-cnn-sgd  --dataset fashion-mnist --model cnn --epochs 5 --optimizer sgd --lr 0.05 --momentum 0.9 --scheduler linear-decay
