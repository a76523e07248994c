#!/usr/bin/env bash
# gradus-train as a user runs it: --compare on real MNIST (a subset), the
# metrics files and the plot; a CIFAR-10 ResNet run on generated files; and
# the error for a missing dataset.
#   gradus_train_cli_test.sh <gradus-train> <mnist dir> <scratch dir>
set -euo pipefail
train=$1 mnist=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$train" --dataset mnist --data-dir "$mnist" --model mlp --epochs 1 --train-limit 3000 --test-limit 1000 \
  --compare --optimizer adam --scheduler linear-decay --metrics-out "$work/metrics" --plot "$work/plot.svg" \
  --log-interval 10 >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "compare run exited $?"; }
grep -q "test accuracy (%)" "$work/out.txt" || fail "no comparison table"
grep -q "mean step() (ms)" "$work/out.txt" || fail "no step time row"
grep -q "gradus adam epoch 1/1 step" "$work/out.txt" || fail "no progress lines"
[[ $(grep -c '^gradus adam,' "$work/metrics/steps.csv") -ge 4 ]] || fail "steps.csv lacks gradus rows"
grep -q '^builtin adam,1,' "$work/metrics/epochs.csv" || fail "epochs.csv lacks the builtin epoch"
grep -q '"final_test_accuracy": 0\.[89]' "$work/metrics/summary.json" || fail "summary.json accuracy"
[[ $(grep -c '<polyline' "$work/plot.svg") -eq 6 ]] || fail "plot should have 3 panels x 2 runs"

# CIFAR-10 binary batches of the official format, generated.
python3 - "$work/cifar" <<'PY'
import os, random, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
random.seed(0)
def batch(name, n):
    with open(os.path.join(d, name), "wb") as f:
        for i in range(n):
            f.write(bytes([i % 10]) + bytes(random.randrange(256) for _ in range(3072)))
for i in range(1, 6): batch(f"data_batch_{i}.bin", 16)
batch("test_batch.bin", 16)
PY
"$train" --dataset cifar10 --data-dir "$work/cifar" --model resnet --epochs 1 --batch-size 16 \
  --optimizer sgd --lr 0.01 --momentum 0.9 --scheduler onecycle >"$work/cifar.txt" 2>&1 \
  || { cat "$work/cifar.txt"; fail "cifar10 resnet run"; }
grep -q "test accuracy" "$work/cifar.txt" || fail "cifar10 run printed no evaluation"

truncate -s 1000 "$work/cifar/test_batch.bin"
if "$train" --dataset cifar10 --data-dir "$work/cifar" --model resnet >"$work/bad.txt" 2>&1; then fail "truncated file accepted"; fi
grep -q "test_batch.bin: 1000 bytes is not a whole number of 3073-byte CIFAR-10 records" "$work/bad.txt" || { cat "$work/bad.txt"; fail "truncated message"; }

if "$train" --dataset mnist --data-dir "$work/none" >"$work/missing.txt" 2>&1; then fail "missing data accepted"; fi
grep -q "cannot open $work/none/train-images-idx3-ubyte" "$work/missing.txt" || { cat "$work/missing.txt"; fail "missing message"; }

if "$train" --optimizer adadelta --impl builtin --data-dir "$mnist" >"$work/adadelta.txt" 2>&1; then fail "builtin adadelta accepted"; fi
grep -q "LibTorch has no built-in Adadelta" "$work/adadelta.txt" || fail "adadelta message"

# The optimizers LibTorch lacks train from the command line too.
# ASGD (plain SGD until it averages) and Adafactor (relative steps) get more steps.
for opt in adamax radam rprop nadam asgd adafactor muon sparse_adam; do
  extra=(--lr 0.01 --epochs 1); [[ $opt == radam ]] && extra+=(--weight-decay 0.01 --decoupled-weight-decay)
  [[ $opt == nadam ]] && extra=(--lr 0.005 --epochs 1 --momentum-decay 0.005)
  [[ $opt == asgd ]] && extra=(--lr 0.05 --epochs 4 --t0 20 --lambd 0.001)
  [[ $opt == adafactor ]] && extra=(--lr 0.05 --epochs 2 --beta2-decay -0.8 --d 1)
  # Muon: 2-D hidden weights, AdamW the rest; SparseAdam: the sparse embedding, Adam the rest.
  [[ $opt == muon ]] && extra=(--lr 0.02 --epochs 1 --momentum 0.9 --ns-steps 5 --companion-lr 0.002)
  model=mlp; [[ $opt == sparse_adam ]] && model=sparse-mlp extra=(--lr 0.003 --epochs 1)
  "$train" --dataset mnist --data-dir "$mnist" --model $model --train-limit 2000 --test-limit 500 \
    --optimizer $opt "${extra[@]}" >"$work/$opt.txt" 2>&1 || { cat "$work/$opt.txt"; fail "$opt run"; }
  grep "test accuracy" "$work/$opt.txt" | tail -1 | grep -Eq "test accuracy[^0-9]*(8|9)[0-9]\." ||
    { cat "$work/$opt.txt"; fail "$opt did not learn"; }
done
# The optimizers that take part of a model refuse, before training, a model they can't take.
if "$train" --data-dir "$mnist" --model mlp --optimizer sparse_adam >"$work/sparse.txt" 2>&1; then fail "sparse_adam on a dense model"; fi
grep -q "SparseAdam takes a sparse embedding: --model sparse-mlp" "$work/sparse.txt" || { cat "$work/sparse.txt"; fail "sparse_adam message"; }
if "$train" --data-dir "$mnist" --model sparse-mlp --optimizer adam >"$work/dense.txt" 2>&1; then fail "adam on a sparse model"; fi
grep -q "has sparse gradients, which only sparse_adam takes" "$work/dense.txt" || { cat "$work/dense.txt"; fail "sparse model message"; }
grep -q "frame #" "$work/dense.txt" && fail "the error prints LibTorch's backtrace"
echo "1 passed, 0 failed"
