#!/usr/bin/env bash
# gradus-train across processes, as a user runs it: --nproc 2 --zero on real
# MNIST against one process; a checkpoint saved by 2 ranks resumed by 3;
# ranks started by an outside launcher (RANK, WORLD_SIZE, MASTER_ADDR,
# MASTER_PORT), on loopback and in two network namespaces joined by a veth
# pair; and the faults: different settings, a port in use, a rank killed,
# flags that make no sense.
#   gradus_train_distributed_test.sh <gradus-train> <mnist dir> <scratch dir>
set -euo pipefail
train=$1 mnist=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
accuracy() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["final_test_accuracy"])' "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mnist_args=(--dataset mnist --data-dir "$mnist" --model mlp --optimizer adam)

# 1. Two ranks with sharded optimizer state end within 0.3 points of one process.
for n in 1 2; do
  zero=(); [[ $n -gt 1 ]] && zero=(--zero)
  start=$SECONDS
  "$train" "${mnist_args[@]}" --epochs 1 --nproc $n "${zero[@]}" --metrics-out "$work/nproc$n" >"$work/nproc$n.txt" 2>&1 ||
    { cat "$work/nproc$n.txt"; fail "--nproc $n run"; }
  echo "--nproc $n ${zero[*]}: test accuracy $(accuracy "$work/nproc$n/summary.json"), $((SECONDS - start)) s"
done
python3 - "$(accuracy "$work/nproc1/summary.json")" "$(accuracy "$work/nproc2/summary.json")" <<'PY' || fail "accuracy of --nproc 2 --zero against --nproc 1"
import sys
one, two = map(float, sys.argv[1:])
assert one > 0.9 and abs(one - two) <= 0.003, (one, two)
PY
[[ $(grep -c "epoch 1/1 done" "$work/nproc2.txt") -eq 1 ]] || fail "rank 0 alone should report the epoch"

# 2. A checkpoint written by 2 ranks (ZeRO, consolidated) resumed by 3.
subset=("${mnist_args[@]}" --train-limit 6000 --test-limit 2000 --scheduler linear-decay)
small=("${subset[@]}" --epochs 2)
"$train" "${small[@]}" --nproc 2 --zero --checkpoint "$work/ckpt.pt" --stop-after-epoch 1 >"$work/first.txt" 2>&1 ||
  { cat "$work/first.txt"; fail "2-rank run to epoch 1"; }
"$train" "${small[@]}" --nproc 3 --zero --resume "$work/ckpt.pt" --metrics-out "$work/resumed" >"$work/resumed.txt" 2>&1 ||
  { cat "$work/resumed.txt"; fail "resume with 3 ranks"; }
grep -q "epoch 2/2 done" "$work/resumed.txt" && ! grep -q "epoch 1/2 done" "$work/resumed.txt" ||
  { cat "$work/resumed.txt"; fail "the resumed run should train epoch 2 only"; }
"$train" "${small[@]}" --nproc 3 --zero --metrics-out "$work/straight" >"$work/straight.txt" 2>&1 ||
  { cat "$work/straight.txt"; fail "3-rank run"; }
python3 - "$(accuracy "$work/resumed/summary.json")" "$(accuracy "$work/straight/summary.json")" <<'PY' || fail "resumed vs uninterrupted"
import sys
resumed, straight = map(float, sys.argv[1:])
assert straight > 0.8 and abs(resumed - straight) <= 0.003, (resumed, straight)
PY
# The consolidated checkpoint is a plain one: one process resumes it too.
"$train" "${small[@]}" --resume "$work/ckpt.pt" >"$work/resumed1.txt" 2>&1 || { cat "$work/resumed1.txt"; fail "resume in one process"; }

# 3. Ranks started by an outside launcher, as torchrun starts them.
launch() {  # launch NAME PORT [per-rank extra args for rank 1]...
  local name=$1 port=$2; shift 2
  RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$train" "${subset[@]}" --epochs 1 --zero \
    >"$work/$name.0.txt" 2>&1 &
  local rank0=$!
  set +e
  RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$train" "${subset[@]}" --epochs 1 --zero "$@" \
    >"$work/$name.1.txt" 2>&1
  echo $? >"$work/$name.1.rc"
  wait $rank0; echo $? >"$work/$name.0.rc"
  set -e
}
launch outside "$(free_port)"
[[ $(cat "$work/outside.0.rc") -eq 0 && $(cat "$work/outside.1.rc") -eq 0 ]] ||
  { cat "$work"/outside.*.txt; fail "ranks from an outside launcher"; }
grep -q "epoch 1/1 done" "$work/outside.0.txt" || fail "rank 0 should report"
# (Gloo itself may log its connections, as sid's does.)
grep -q "epoch" "$work/outside.1.txt" && { cat "$work/outside.1.txt"; fail "rank 1 should report nothing"; }

# 4. Different settings: every rank refuses, naming the flag.
launch mismatch "$(free_port)" --lr 0.01
for r in 0 1; do
  [[ $(cat "$work/mismatch.$r.rc") -eq 1 ]] || fail "rank $r with different settings exited $(cat "$work/mismatch.$r.rc")"
  grep -q "error (rank $r): gradus::distributed: the ranks were started with different settings: rank 1 has lr=0.01" \
    "$work/mismatch.$r.txt" || { cat "$work/mismatch.$r.txt"; fail "rank $r: the settings message"; }
done

# 5. A port in use: a clear error, at once, that says where rank 0 listened.
port=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
holder=$!
sleep 0.5
start=$SECONDS
set +e
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$train" "${subset[@]}" --epochs 1 --dist-timeout 10 \
  >"$work/busy.txt" 2>&1; rc=$?
set -e
kill $holder 2>/dev/null || true
[[ $rc -eq 1 ]] || { cat "$work/busy.txt"; fail "port in use: exit $rc"; }
# LibTorch 2.6 and later: rank 0 binds 127.0.0.1 only; 1.13's store binds every interface.
grep -qE "error \(rank 0\): gradus::distributed: rank 0: listening on (127\.0\.0\.1:$port|port $port of every interface) for tcp://127\.0\.0\.1:$port \(is the port in use\?\)" \
  "$work/busy.txt" || { cat "$work/busy.txt"; fail "port in use: message"; }
echo "port in use: refused in $((SECONDS - start)) s"
(( SECONDS - start < 30 )) || fail "port in use took $((SECONDS - start)) s"

# 6. A rank killed mid-run: the other stops with an error, within the timeout.
port=$(free_port)
long=("${mnist_args[@]}" --epochs 20 --dist-timeout 20)
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$train" "${long[@]}" >"$work/killed.0.txt" 2>&1 &
rank0=$!
RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$train" "${long[@]}" >"$work/killed.1.txt" 2>&1 &
rank1=$!
for _ in $(seq 100); do grep -q "step 50/" "$work/killed.0.txt" 2>/dev/null && break; sleep 0.2; done
kill -9 $rank1
start=$SECONDS
set +e; wait $rank0; rc=$?; set -e
echo "rank 1 killed: rank 0 stopped after $((SECONDS - start)) s"
[[ $rc -eq 1 ]] || { cat "$work/killed.0.txt"; fail "rank 0 after rank 1 was killed: exit $rc"; }
grep -q "error (rank 0): gradus::distributed: rank 0: .*(another rank may have stopped)" "$work/killed.0.txt" ||
  { cat "$work/killed.0.txt"; fail "rank 0's message when rank 1 died"; }
(( SECONDS - start <= 25 )) || fail "rank 0 took $((SECONDS - start)) s to stop"

# 7. Flags that make no sense are refused before anything starts.
expect_2() {
  local message=$1; shift
  set +e; "$train" "$@" >"$work/flags.txt" 2>&1; local rc=$?; set -e
  [[ $rc -eq 2 ]] && grep -qF -- "$message" "$work/flags.txt" || { cat "$work/flags.txt"; fail "$* should exit 2 with: $message"; }
}
expect_2 "--zero shards the optimizer state across ranks: it needs --nproc 2 or more" "${small[@]}" --zero
(export RANK=0 WORLD_SIZE=2; expect_2 "--nproc 2 starts its own ranks, but RANK and WORLD_SIZE are set" "${small[@]}" --nproc 2)
expect_2 "--model sparse-mlp: its sparse embedding gradients are not averaged" --dataset mnist --data-dir "$mnist" \
  --model sparse-mlp --optimizer sparse_adam --nproc 2
set +e; "$train" "${small[@]}" --nproc 0 >"$work/flags.txt" 2>&1; rc=$?; set -e
[[ $rc -eq 105 ]] && grep -q -- "--nproc: must be a whole number from 1 to 256, not '0'" "$work/flags.txt" ||
  { cat "$work/flags.txt"; fail "--nproc 0"; }

# 9. --nproc exposes nothing beyond this machine: every TCP socket of its
# ranks, listening or connected, is on loopback. Then the launcher is stopped (SIGTERM, then
# SIGKILL in a second run): the ranks end with it, and the checkpoint of the
# last finished epoch stays whole.
tcp_sockets() {  # "local-address state" of every TCP socket of these processes, in /proc/net/tcp's hex
  python3 - "$@" <<'PY'
import os, sys
inodes = set()
for pid in sys.argv[1:]:
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).read().splitlines()[1:]:
        f = line.split()
        if f[9] in inodes:
            print(f[1], f[3])
PY
}
any_alive() {  # any of these processes running (a zombie is not)
  local pid; for pid in "$@"; do [[ -n $(ps -o stat= -p "$pid" | grep -v Z) ]] && return 0; done; return 1
}
stop_launcher() {  # stop_launcher NAME SIGNAL
  local name=$1 signal=$2
  rm -f "$work/$name.pt"
  # The launcher's private folder goes here: SIGKILL leaves it behind.
  local tmp="$work/$name.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  TMPDIR="$tmp" "$train" "${subset[@]}" --epochs 200 --nproc 2 --checkpoint "$work/$name.pt" >"$work/$name.txt" 2>&1 &
  local launcher=$!
  for _ in $(seq 300); do grep -q "epoch 2/200 done" "$work/$name.txt" 2>/dev/null && break; sleep 0.1; done
  grep -q "epoch 2/200 done" "$work/$name.txt" || { cat "$work/$name.txt"; fail "$name: no epoch finished"; }
  local ranks; ranks=$(pgrep -P $launcher | tr '\n' ' ')
  [[ $(wc -w <<<"$ranks") -eq 2 ]] || fail "$name: expected 2 ranks under the launcher, found '$ranks'"
  local sockets; sockets=$(tcp_sockets $ranks)
  [[ -n $sockets ]] || fail "$name: the ranks have no TCP socket (Gloo's should be there, on loopback)"
  grep -vE '^(0100007F|00000000000000000000000001000000):' <<<"$sockets" &&
    fail "$name: a rank has a socket beyond loopback (hex address:port state above; 0A is listening)"
  kill -$signal $launcher
  set +e; wait $launcher; local rc=$?; set -e
  for _ in $(seq 50); do any_alive $ranks || break; sleep 0.1; done
  any_alive $ranks && fail "$name: ranks $ranks outlived their launcher"
  [[ $signal == KILL || -z $(ls -A "$tmp") ]] || fail "$name: the launcher left its folder behind: $(ls "$tmp")"
  echo "$name: launcher exit $rc, its ranks ended, its $(wc -l <<<"$sockets") TCP sockets all on loopback"
  local done_epochs; done_epochs=$(grep -o "epoch [0-9]*/200 done" "$work/$name.txt" | tail -1 | grep -o "[0-9]*" | head -1)
  "$train" "${subset[@]}" --epochs $((done_epochs + 1)) --resume "$work/$name.pt" >"$work/$name.resumed.txt" 2>&1 ||
    { cat "$work/$name.resumed.txt"; fail "$name: the checkpoint of epoch $done_epochs does not resume"; }
}
stop_launcher sigterm TERM
stop_launcher sigkill KILL

# 8. Two machines, as far as one allows: two network namespaces joined by a
# veth pair, each rank in its own, meeting at rank 0's address.
if [[ $(id -u) -eq 0 ]] && ip netns add "gradus-probe-$$" 2>/dev/null; then
  ip netns del "gradus-probe-$$"
  a=gra$$ b=grb$$
  cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
  trap cleanup EXIT
  ip netns add "$a"; ip netns add "$b"
  ip link add "va$$" type veth peer name "vb$$"
  ip link set "va$$" netns "$a"; ip link set "vb$$" netns "$b"
  ip -n "$a" addr add 10.213.7.1/24 dev "va$$"; ip -n "$b" addr add 10.213.7.2/24 dev "vb$$"
  for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
  ip -n "$a" link set "va$$" up; ip -n "$b" link set "vb$$" up
  ip netns exec "$a" env RANK=0 WORLD_SIZE=2 MASTER_ADDR=10.213.7.1 MASTER_PORT=29500 \
    "$train" "${subset[@]}" --epochs 1 --zero >"$work/netns.0.txt" 2>&1 &
  rank0=$!
  ip netns exec "$b" env RANK=1 WORLD_SIZE=2 MASTER_ADDR=10.213.7.1 MASTER_PORT=29500 \
    "$train" "${subset[@]}" --epochs 1 --zero >"$work/netns.1.txt" 2>&1 || { cat "$work"/netns.*.txt; fail "rank 1 in its namespace"; }
  wait $rank0 || { cat "$work"/netns.*.txt; fail "rank 0 in its namespace"; }
  grep -q "epoch 1/1 done" "$work/netns.0.txt" || fail "the two-namespace run did not finish"
  echo "two network namespaces over a veth pair: $(grep 'epoch 1/1 done' "$work/netns.0.txt")"
else
  echo "skipped the two-namespace case: needs root and ip netns"
fi
echo "distributed gradus-train: all passed"
