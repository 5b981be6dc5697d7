#!/usr/bin/env bash
# Times a full run (release build) against the built-in reference target, and against a reference
# target that waits 50 ms before every response. Uses hyperfine when installed, else repeats the
# run and prints each wall time. Usage: scripts/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --locked --quiet
bin=target/release/vpp-conformance

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --port "$port" --latency-ms 50 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$port/mdm/VPPServiceConfigSrv" -d '{}' 2>/dev/null && break
  sleep 0.1
done

local_cmd="$bin run"
slow_cmd="$bin run --base-url http://127.0.0.1:$port"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$runs" -N --export-markdown /dev/stdout \
    -n "built-in reference target" "$local_cmd" \
    -n "reference target + 50 ms per response" "$slow_cmd"
else
  for label in local slow; do
    cmd=$local_cmd; [ "$label" = slow ] && cmd=$slow_cmd
    for i in $(seq "$runs"); do
      start=$(date +%s.%N)
      $cmd >/dev/null
      end=$(date +%s.%N)
      printf '%s run %d: %.3f s\n' "$label" "$i" "$(echo "$end - $start" | bc)"
    done
  done
fi
