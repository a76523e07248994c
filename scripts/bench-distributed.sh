#!/usr/bin/env bash
# The data-parallel benchmark: 1 rank with 2 threads, then 2 ranks with 1
# thread each (the same 2 cores), on loopback; per step, the gradient
# all-reduce, Adam whole on every rank, and ZeRO-1 Adam (local shard step +
# broadcast). Prints each run's JSON line and the ratios 2 ranks / 1 rank.
#   scripts/bench-distributed.sh [build dir]     (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${1:-$root/build}/benchmarks/gradus_distributed_bench
[[ -x $bench ]] || { echo "no $bench: build gradus first (scripts/build.sh)" >&2; exit 2; }
cores=$(nproc)
run() {  # run RANKS
  local n=$1 port pids=()
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  for ((r = 0; r < n; r++)); do
    RANK=$r WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 MASTER_PORT=$port GRADUS_BENCH_THREADS=$((cores / n > 0 ? cores / n : 1)) \
      "$bench" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
}
one=$(run 1 | tail -1)
two=$(run 2 | tail -1)
echo "$one"
echo "$two"
python3 - "$one" "$two" <<'PY'
import json, sys
one, two = (json.loads(a) for a in sys.argv[1:])
print(f"2 ranks / 1 rank, per rank and step: Adam whole {two['adam_whole_ms'] / one['adam_whole_ms']:.2f}x, "
      f"ZeRO step {two['zero_step_ms'] / one['zero_step_ms']:.2f}x "
      f"(local shard {two['zero_local_ms'] / one['zero_local_ms']:.2f}x, broadcast {two['zero_broadcast_ms']:.1f} ms), "
      f"gradient all-reduce {two['all_reduce_ms']:.1f} ms ({two['all_reduce_GBps']:.2f} GB/s of gradients)")
data_parallel = two['all_reduce_ms'] + two['adam_whole_ms']
zero = two['all_reduce_ms'] + two['zero_step_ms']
print(f"optimizer-side time per step with 2 ranks: data parallel {data_parallel:.1f} ms, ZeRO-1 {zero:.1f} ms; "
      f"1 rank: {one['adam_whole_ms']:.1f} ms")
PY
