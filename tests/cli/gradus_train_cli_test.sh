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
grep -q "test acc %" "$work/out.txt" || fail "no comparison table"
grep -q "step() of builtin adam takes [0-9.]*x the time of gradus adam" "$work/out.txt" || fail "no step time ratio"
grep -q "gradus adam epoch 1/1 step" "$work/out.txt" || fail "no progress lines"
[[ $(grep -c '^gradus adam,' "$work/metrics/steps.csv") -ge 4 ]] || fail "steps.csv lacks gradus rows"
grep -q '^builtin adam,1,' "$work/metrics/epochs.csv" || fail "epochs.csv lacks the builtin epoch"
grep -q '"final_test_accuracy": 0\.[89]' "$work/metrics/summary.json" || fail "summary.json accuracy"
[[ $(grep -c '<polyline' "$work/plot.svg") -eq 6 ]] || fail "plot should have 3 panels x 2 runs"
grep -q "identical curves, one hides the other" "$work/plot.svg" || fail "the plot does not say the curves coincide"

# A shoot-out: 2 optimizers x 2 schedules, ranked; JSON that Python reads; one plot.
"$train" --dataset mnist --data-dir "$mnist" --model mlp --train-limit 12800 --test-limit 1000 --batch-size 64 \
  --optimizers sgd,adam --schedulers constant,loss-adaptive --lr-of sgd=0.1 --lr-of adam=0.002 \
  --target-accuracy 0.85 --metrics-out "$work/shootout" --plot "$work/shootout.svg" >"$work/shootout.txt" 2>&1 ||
  { cat "$work/shootout.txt"; fail "shoot-out run"; }
table=$(sed -n '/^#   run/,$p' "$work/shootout.txt")
[[ $(grep -cE '^[1-4] +gradus (sgd|adam), (constant|loss-adaptive) ' <<<"$table") -eq 4 ]] || { echo "$table"; fail "shoot-out table rows"; }
python3 - "$work/shootout/summary.json" "$table" <<'PY' || fail "shoot-out summary.json and ranking"
import json, sys
s = json.load(open(sys.argv[1]))
runs = s["runs"]
assert len(runs) == 4 and s["target_accuracy"] == 0.85, s
assert {(r["optimizer"], r["scheduler"]) for r in runs} == {(o, k) for o in ("sgd", "adam") for k in ("constant", "loss-adaptive")}
assert all(r["steps"] == 200 and r["final_test_accuracy"] > 0.85 and 0 < r["steps_to_target"] <= 200 for r in runs), runs
ranked = [l.split()[1] + " " + l.split()[2] + " " + l.split()[3] for l in sys.argv[2].splitlines()[1:] if l[:1].isdigit()]
by_accuracy = sorted(runs, key=lambda r: -r["final_test_accuracy"])
assert ranked == [r["run"] for r in by_accuracy], (ranked, [r["run"] for r in by_accuracy])
PY
[[ $(grep -c '<polyline' "$work/shootout.svg") -eq 12 ]] || fail "shoot-out plot: 3 panels x 4 runs"
grep -q "learning rate" "$work/shootout.svg" || fail "shoot-out plot lacks the lr panel"
[[ $(head -1 "$work/shootout/evals.csv") == "run,epoch,step,test_loss,test_accuracy,train_seconds" ]] || fail "evals.csv header"

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

# Robustness: each bad flag or path is refused with its own message and exit
# code, before any training where it can be known before.
mlp=(--dataset mnist --data-dir "$mnist" --model mlp --train-limit 500 --test-limit 200)
# expect CODE TEXT NAME ARGS...: exits CODE, prints TEXT, and (for code 2) trained nothing.
expect() {
  local code=$1 text=$2 name=$3; shift 3
  set +e; "$train" "$@" >"$work/$name.txt" 2>&1; local got=$?; set -e
  [[ $got -eq $code ]] || { cat "$work/$name.txt"; fail "$name: exit $got, expected $code"; }
  grep -qF -- "$text" "$work/$name.txt" || { cat "$work/$name.txt"; fail "$name: no '$text'"; }
  if [[ $code -eq 2 ]] && grep -q " epoch 1/" "$work/$name.txt"; then fail "$name: trained before refusing"; fi
  if grep -q "frame #" "$work/$name.txt"; then fail "$name: printed LibTorch's backtrace"; fi
}
expect 2 "LibTorch has no built-in Adadelta" compare_adadelta "${mlp[@]}" --compare --optimizer adadelta
expect 2 "cannot write $work/none/plot.svg: no folder $work/none" plot_folder "${mlp[@]}" --plot "$work/none/plot.svg"
expect 2 "cannot write $work: it is a folder" checkpoint_folder "${mlp[@]}" --checkpoint "$work"
expect 2 "invalid learning rate: inf" lr_inf "${mlp[@]}" --lr inf
expect 1 "cannot write /dev/full: No space left on device" checkpoint_full "${mlp[@]}" --checkpoint /dev/full
expect 1 "cannot write /dev/full: No space left on device" plot_full "${mlp[@]}" --plot /dev/full
expect 3 "the gradus adam run diverged: the training loss became" diverged "${mlp[@]}" --lr 1e300 --metrics-out "$work/diverged"
grep -q "with lr 1e+300 (a smaller --lr may train)" "$work/diverged.txt" || { cat "$work/diverged.txt"; fail "diverged: the lr"; }
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); r=s["runs"][0]; assert r["diverged"] and "lr" in s["config"], s' \
  "$work/diverged/summary.json" || fail "diverged summary.json"
expect 105 "--epochs" epochs_huge "${mlp[@]}" --epochs 9223372036854775807
expect 105 "--batch-size" batch_huge "${mlp[@]}" --batch-size 9223372036854775807
expect 105 "--train-limit" limit_negative "${mlp[@]}" --train-limit -1
# Flags that would run twice, be ignored, or be read in part are refused;
# range errors say the range in words.
expect 105 "--threads: must be a whole number from 1 to 65536, not '0'" threads_zero "${mlp[@]}" --threads 0
expect 105 "--dist-timeout: must be a number above 0 and at most 31536000, not 'nan'" timeout_nan "${mlp[@]}" --dist-timeout nan
expect 105 "--warmup-fraction: must be a number from 0 to 1, not '-0.1'" warmup_negative "${mlp[@]}" --scheduler wsd --warmup-fraction -0.1
expect 105 "--milestones: must be a whole number from 0 to" milestone_negative "${mlp[@]}" --scheduler multistep --milestones 2 -3
expect 105 "--patience: must be a whole number from 0 to" patience_negative "${mlp[@]}" --scheduler plateau --patience -1
expect 2 "--warmup-fraction 0.600000 and --decay-fraction 0.600000 take more than all the steps" wsd_past_one \
  "${mlp[@]}" --scheduler wsd --warmup-fraction 0.6 --decay-fraction 0.6
expect 2 "eta_min 0.5 is above the lr of param group 0 (0.1)" eta_min_high "${mlp[@]}" --optimizer sgd --lr 0.1 --scheduler cosine --eta-min 0.5
expect 2 "--compensation kahan is for --param-dtype bf16" kahan_fp32 "${mlp[@]}" --compensation kahan
expect 2 "keeps float32 state and rounds to nearest; use --impl gradus" builtin_int8 "${mlp[@]}" --compare --state-precision int8
expect 105 "--state-precision: int4 not in" state_int4 "${mlp[@]}" --state-precision int4
expect 2 "state_precision int8 and compensation none are not available here" adafactor_int8 "${mlp[@]}" --optimizer adafactor --state-precision int8
# Low-memory training trains, and the table says how.
"$train" "${mlp[@]}" --param-dtype bf16 --compensation sr --state-precision int8 --lr 0.005 \
  --metrics-out "$work/low_memory" >"$work/low_memory.txt" 2>&1 || { cat "$work/low_memory.txt"; fail "low-memory run"; }
grep -q '"precision": "bf16+sr int8-state"' "$work/low_memory/summary.json" ||
  { cat "$work/low_memory/summary.json"; fail "low-memory precision"; }
# A shoot-out of precisions: one row each, the built-in in float32.
"$train" "${mlp[@]}" --optimizers adam --precisions fp32,int8-state,bf16+kahan --compare --lr 0.005 \
  --metrics-out "$work/precisions" >"$work/precisions.txt" 2>&1 || { cat "$work/precisions.txt"; fail "precisions run"; }
python3 - "$work/precisions/summary.json" <<'PY' || { cat "$work/precisions.txt"; fail "precisions summary.json"; }
import json, sys
runs = {r["run"]: r["precision"] for r in json.load(open(sys.argv[1]))["runs"]}
assert runs == {"gradus adam, none, fp32": "fp32", "gradus adam, none, int8-state": "fp32 int8-state",
                "gradus adam, none, bf16+kahan": "bf16+kahan", "builtin adam, none": "fp32"}, runs
PY
grep -qE '^[1-4] +gradus adam, none, bf16\+kahan +bf16\+kahan +[0-9]' "$work/precisions.txt" ||
  { cat "$work/precisions.txt"; fail "precisions table row"; }
expect 2 "--precisions names int8-state+bf16 (bf16+int8-state) twice" precisions_twice "${mlp[@]}" --precisions int8-state+bf16,bf16+int8-state
expect 2 "--precisions bf16+kahn: 'kahn' is not one of" precisions_word "${mlp[@]}" --precisions fp32,bf16+kahn
expect 2 "--precisions kahan+sr+bf16: two words for the rounding" precisions_two "${mlp[@]}" --precisions kahan+sr+bf16
expect 2 "--state-precision does nothing with --precisions" precisions_and_state "${mlp[@]}" --precisions fp32,bf16 --state-precision int8
expect 2 "--compensation kahan is for --param-dtype bf16" precisions_kahan_fp32 "${mlp[@]}" --precisions fp32,kahan
expect 2 "dampening value: -5" dampening_negative "${mlp[@]}" --optimizer sgd --lr 0.1 --momentum 0.9 --dampening -5
expect 2 "--optimizers names sgd twice" optimizers_twice "${mlp[@]}" --optimizers sgd,sgd --lr-of sgd=0.1
expect 2 "--schedulers names constant twice" schedulers_twice "${mlp[@]}" --optimizers adam --schedulers constant,constant
expect 2 "--schedulers names constant (none) twice" schedulers_alias "${mlp[@]}" --optimizers adam --schedulers constant,none
expect 2 "--optimizer does nothing with --optimizers" optimizer_and_optimizers "${mlp[@]}" --optimizers adam --optimizer sgd
expect 2 "--lr-of sgd=0.1x: expected NAME=LR" lr_of_suffix "${mlp[@]}" --optimizers sgd,adam --lr-of sgd=0.1x
expect 2 "--lr-of names sgd twice" lr_of_twice "${mlp[@]}" --optimizers sgd,adam --lr-of sgd=0.1 --lr-of sgd=0.5
expect 2 "--stop-after-epoch 3 is past --epochs 1" stop_after "${mlp[@]}" --stop-after-epoch 3
echo "not a checkpoint" >"$work/bad.pt"
expect 2 "cannot read the checkpoint $work/bad.pt" bad_checkpoint "${mlp[@]}" --resume "$work/bad.pt"
# Flags that would do nothing say so; a checkpoint from another configuration,
# or with NaN weights, is refused naming what is wrong.
expect 2 "--nesterov does nothing with --optimizer adam (it is for sgd, lars, muon)" nesterov_adam "${mlp[@]}" --optimizer adam --nesterov
expect 2 "--gamma does nothing with --scheduler cosine" gamma_cosine "${mlp[@]}" --scheduler cosine --gamma 0.5
"$train" "${mlp[@]}" --checkpoint "$work/good.pt" >"$work/good.txt" 2>&1 || { cat "$work/good.txt"; fail "checkpoint run"; }
expect 2 "--lr does nothing with --resume" lr_on_resume "${mlp[@]}" --resume "$work/good.pt" --lr 0.1
expect 2 "$work/good.pt: written by a run with --model mlp; this run has --model cnn" other_model \
  --dataset mnist --data-dir "$mnist" --model cnn --train-limit 500 --test-limit 200 --resume "$work/good.pt"
expect 2 "written by a run with --optimizer adam; this run has --optimizer sgd" other_optimizer "${mlp[@]}" --optimizer sgd --resume "$work/good.pt"
expect 2 "$work/good.pt: the checkpoint has done 1 epochs, so a run to epoch 1 would train no step" nothing_to_train \
  "${mlp[@]}" --resume "$work/good.pt"
# MNIST files of the exact format with no training records.
python3 - "$work/empty" <<'PY'
import os, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
def idx(name, magic, dims, n):
    with open(os.path.join(d, name), "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", x) for x in dims) + bytes(n))
idx("train-images-idx3-ubyte", 0x803, (0, 28, 28), 0); idx("train-labels-idx1-ubyte", 0x801, (0,), 0)
idx("t10k-images-idx3-ubyte", 0x803, (2, 28, 28), 2 * 784); idx("t10k-labels-idx1-ubyte", 0x801, (2,), 2)
PY
expect 2 "the training set is empty" empty_training_set --dataset mnist --data-dir "$work/empty" --model mlp
python3 - "$work/good.pt" "$work/nan.pt" <<'PY'
import sys, zipfile  # every stored tensor's bytes set to 0xff: float NaN
src, out = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED)
for info in src.infolist():
    data = src.read(info.filename)
    out.writestr(info.filename, b"\xff" * len(data) if "/data/" in info.filename else data)
out.close()
PY
expect 2 "$work/nan.pt: the checkpoint's 1.weight holds NaN or infinite values" nan_checkpoint "${mlp[@]}" --resume "$work/nan.pt"
# Crafted checkpoints that torch::load takes as they are: a storage that
# claims more floats than its record holds (a heap leak or a crash at the
# next save), 100 weights overwritten without fixing the CRC, a weight of
# another shape, a FIFO. Each is refused before training, naming it.
python3 - "$work/good.pt" "$work" <<'PY'
import pickletools, struct, sys, zipfile
src, out = zipfile.ZipFile(sys.argv[1]), sys.argv[2]
infos = src.infolist()
pkl = next(i.filename for i in infos if i.filename.endswith("/data.pkl") and i.filename.count("/") == 1)
def rewrite(path, pickle):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in infos:
            z.writestr(i.filename, pickle if i.filename == pkl else src.read(i.filename))
def ints_after_first_storage(pickle):  # [(pos, length, value)] of the storage's count, then size and stride
    ops, found = list(pickletools.genops(pickle)), []
    first = next(k for k, (op, _, _) in enumerate(ops) if op.name == "BINPERSID")
    for k in list(range(first - 1, -1, -1))[:4] + list(range(first + 1, first + 12)):
        op, arg, pos = ops[k]
        if op.name in ("BININT1", "BININT2", "BININT", "LONG1"):
            end = ops[k + 1][2]
            found.append((pos, end - pos, arg))
    count = max((f for f in found if f[0] < ops[first][2]), key=lambda f: f[0])
    return count, sorted(f for f in found if f[0] > ops[first][2])
def replace(pickle, edits):  # edits: {pos: (length, new value)}, as LONG1 of 8 bytes
    for pos in sorted(edits, reverse=True):
        length, value = edits[pos]
        pickle = pickle[:pos] + b"\x8a\x08" + struct.pack("<q", value) + pickle[pos + length:]
    return pickle
pickle = src.read(pkl)
(count_pos, count_len, numel), rest = ints_after_first_storage(pickle)
for extra in (1024, 65536, 2**31 - 1):
    rewrite(f"{out}/over_{extra}.pt", replace(pickle, {count_pos: (count_len, numel + extra)}))
offset, (rows_pos, rows_len, rows), (cols_pos, cols_len, cols), (stride_pos, stride_len, _) = rest[:4]
rewrite(f"{out}/transposed.pt", replace(pickle, {rows_pos: (rows_len, cols), cols_pos: (cols_len, rows),
                                                 stride_pos: (stride_len, rows)}))
data = bytearray(open(sys.argv[1], "rb").read())
record = next(i for i in infos if "/data/" in i.filename and i.file_size >= 400)
local = record.header_offset
start = local + 30 + struct.unpack("<H", data[local + 26:local + 28])[0] + struct.unpack("<H", data[local + 28:local + 30])[0]
data[start:start + 400] = struct.pack("<f", 1e30) * 100
open(f"{out}/crc.pt", "wb").write(bytes(data))
PY
for extra in 1024 65536 2147483647; do
  expect 2 "cannot read the checkpoint $work/over_$extra.pt: tensor model.1.weight declares a storage of" \
    "overstated_$extra" "${mlp[@]}" --resume "$work/over_$extra.pt"
done
expect 2 "cannot read the checkpoint $work/crc.pt: record archive/data/" crc "${mlp[@]}" --resume "$work/crc.pt"
grep -q "is damaged: its CRC-32 is" "$work/crc.txt" || fail "crc: the message should name the CRC"
expect 2 "$work/transposed.pt: the checkpoint's 1.weight is Float [784, 128], the model's is Float [128, 784]" \
  transposed "${mlp[@]}" --resume "$work/transposed.pt"
mkfifo "$work/fifo.pt"
expect 2 "cannot read the checkpoint $work/fifo.pt: not a regular file" fifo_checkpoint "${mlp[@]}" --resume "$work/fifo.pt"
mkdir -p "$work/fifo_data" && cp "$mnist"/t10k-* "$mnist"/train-labels* "$work/fifo_data/" 2>/dev/null
mkfifo "$work/fifo_data/train-images-idx3-ubyte"
expect 1 "$work/fifo_data/train-images-idx3-ubyte: not a regular file" fifo_data --dataset mnist --data-dir "$work/fifo_data" --model mlp

# --betas takes the two numbers docs/gradus-train.md writes; JSON leaves an unset lr out.
"$train" "${mlp[@]}" --optimizer adam --betas 0.8 0.99 --metrics-out "$work/betas" >"$work/betas.txt" 2>&1 ||
  { cat "$work/betas.txt"; fail "--betas 0.8 0.99"; }
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert "lr" not in s["config"] and s["runs"][0]["final_test_accuracy"] > 0.5, s' \
  "$work/betas/summary.json" || fail "summary.json of the --betas run"

# A full disk: the write fails with an error, and the previous checkpoint
# stays whole and resumable (a tmpfs too small for a second copy).
if [[ $(id -u) -eq 0 ]] && unshare --mount true 2>/dev/null; then
  unshare --mount bash -c '
    set -e; mkdir -p "$1/small"; mount -t tmpfs -o size=1700k tmpfs "$1/small"
    set +e; "$2" "${@:3}" --epochs 2 --checkpoint "$1/small/ckpt.pt" >"$1/small_disk.txt" 2>&1; echo $? >"$1/small_disk.rc"
    "$2" "${@:3}" --epochs 2 --resume "$1/small/ckpt.pt" >"$1/small_resume.txt" 2>&1; echo $? >"$1/small_resume.rc"
    ls -la "$1/small" >"$1/small_ls.txt"' _ "$work" "$train" "${mlp[@]}"
  [[ $(cat "$work/small_disk.rc") -eq 1 ]] || { cat "$work/small_disk.txt"; fail "full tmpfs: exit $(cat "$work/small_disk.rc")"; }
  grep -q "epoch 1/2 done" "$work/small_disk.txt" || { cat "$work/small_disk.txt"; fail "full tmpfs: epoch 1 did not finish"; }
  grep -q "cannot write $work/small/ckpt.pt: No space left on device" "$work/small_disk.txt" || { cat "$work/small_disk.txt"; fail "full tmpfs message"; }
  [[ $(cat "$work/small_resume.rc") -eq 0 ]] || { cat "$work/small_resume.txt" "$work/small_ls.txt"; fail "the epoch-1 checkpoint did not survive"; }
  grep -q "epoch 2/2 done" "$work/small_resume.txt" || fail "resume from the surviving checkpoint"
  grep -q "ckpt.pt\." "$work/small_ls.txt" && { cat "$work/small_ls.txt"; fail "a temporary file was left behind"; }
else
  echo "skipped the full-tmpfs case: needs root and unshare"
fi
echo "1 passed, 0 failed"
