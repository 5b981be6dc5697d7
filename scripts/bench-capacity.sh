#!/usr/bin/env bash
# Measures whether the suite's own load decides the verdict, on targets of modest capacity, and
# whether it uses the capacity of a target that has it. The targets are the release binary's
# reference target (`serve --latency-ms MS [--workers N]`): with --workers N it serves N requests
# at once, each taking MS of a worker's time, the others queueing, as a small staging host does.
#
# For each case it runs the suite at its default --concurrency (64, the ceiling of the adaptive
# per-target limit) and, where it says so, strictly serially (--concurrency 1: the serial floor,
# every request alone), and prints a Markdown table: wall time, the VERDICT line, and what the run
# learned of the target's capacity.
#
# Usage: scripts/bench-capacity.sh [RUNS]   (RUNS per case, default 1; the median is shown)
# Env: BIN (default target/release/vpp-conformance). Needs python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
bin=${BIN:-target/release/vpp-conformance}
time_limit=600
[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
log_dir=target/bench/logs
mkdir -p "$log_dir"
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

serve() { # serve ARGS... -> sets $url, starts the server in the background
  local port
  port=$(free_port)
  "$bin" serve --port "$port" "$@" >"$log_dir/capacity-serve-$port.log" 2>&1 &
  pids+=("$!")
  url=http://127.0.0.1:$port
  for _ in $(seq 100); do
    curl -fsS -o /dev/null -X POST "$url/mdm/VPPServiceConfigSrv" -d '{}' 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the server ($*) did not start" >&2
  exit 2
}

rows=()
measure() { # measure LABEL TARGET-LABEL ARGS... -> a row of the table
  local label=$1 target=$2 walls=() start end out verdict capacity
  shift 2
  out=$log_dir/capacity-run.stdout
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    timeout "$time_limit" "$bin" run --base-url "$url" "$@" >"$out" 2>/dev/null </dev/null || true
    end=$(date +%s.%N)
    walls+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')")
  done
  verdict=$(grep -a '^VERDICT:' "$out" | tail -1 | sed 's/ (http[^)]*)//; s/|/\\|/g' || true)
  capacity=$(grep -a 'served up to' "$out" | head -1 | sed 's/^.*served up to/served up to/; s/ (learned[^)]*)//' || true)
  wall=$(printf '%s\n' "${walls[@]}" | median)
  rows+=("| $target | $label | $wall | ${verdict:-(none)} | ${capacity:--} |")
  echo "${rows[-1]}" >&2
}

any=(--tags @any-data --timeout 2 --max-requests 20)

serve --latency-ms 100 --workers 1
measure "@any-data, --timeout 2 --max-requests 20" "1 worker, 100 ms" "${any[@]}"
measure "the same, --concurrency 1 (serial floor)" "1 worker, 100 ms" "${any[@]}" --concurrency 1
measure "default run, --timeout 2" "1 worker, 100 ms" --timeout 2
measure "the same, --concurrency 1 (serial floor)" "1 worker, 100 ms" --timeout 2 --concurrency 1

serve --latency-ms 100 --workers 2
measure "default run, --timeout 2" "2 workers, 100 ms" --timeout 2

serve --latency-ms 50
measure "default run" "50 ms latency, workers enough" 
measure "the same, --concurrency 1 (serial floor)" "50 ms latency, workers enough" --concurrency 1

serve
measure "default run" "built-in reference (local)"

echo
echo "binary: $bin_label; runs per case: $runs (median wall time)"
echo
echo "| target | run | wall (s) | verdict | learned |"
echo "|---|---|---:|---|---|"
printf '%s\n' "${rows[@]}"
