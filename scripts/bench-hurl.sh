#!/usr/bin/env bash
# Like for like against hurl: the seven documented samples as a hurl file (scripts/hurl/samples.hurl)
# beside `run --tags @sample` and the whole default run, against the release binary's reference
# target served locally and with 50 ms before every answer; medians of RUNS turns (default 21), the
# commands taken in turn and each ratio within a turn.
# Needs hurl on the PATH (or HURL=path): `cargo install hurl --locked --version 8.0.1` builds it
# (3.5 min here) with Debian's libcurl4-openssl-dev, libxml2-dev and libclang-dev.
# Usage: scripts/bench-hurl.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
bin=${BIN:-target/release/vpp-conformance}
hurl=${HURL:-hurl}
command -v "$hurl" >/dev/null || { echo "hurl not found (set HURL=path)" >&2; exit 2; }
[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
logs=target/bench/hurl
mkdir -p "$logs"
local_port=$(free_port); slow_port=$(free_port)
"$bin" serve --port "$local_port" >"$logs/serve-local.log" 2>&1 & pids+=("$!")
"$bin" serve --port "$slow_port" --latency-ms 50 >"$logs/serve-slow.log" 2>&1 & pids+=("$!")
wait_listening "$logs/serve-local.log"
wait_listening "$logs/serve-slow.log"
python3 - "$runs" "$bin" "$hurl" "$local_port" "$slow_port" <<'PY'
import statistics, subprocess, sys, time
runs, bin, hurl, local, slow = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def timed(cmd):
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode != 0:
        sys.exit(f"{cmd} exited {done.returncode}")
    return (time.perf_counter() - start) * 1000
print("| target | hurl, 7 requests | run --tags @sample | ratio | whole default run |")
print("|---|---:|---:|---:|---:|")
for name, port in [("local", local), ("50 ms before every answer", slow)]:
    base = f"http://127.0.0.1:{port}"
    commands = [
        [hurl, "--test", "--variable", f"base={base}", "scripts/hurl/samples.hurl"],
        [bin, "run", "--base-url", base, "--tags", "@sample"],
        [bin, "run", "--base-url", base],
    ]
    # In turn, hurl then the suite, so that a change in the machine's load falls on both alike;
    # each ratio is taken within one turn, and the medians are printed.
    turns = [[timed(cmd) for cmd in commands] for _ in range(runs)]
    h, s, w = (statistics.median(column) for column in zip(*turns))
    sample_ratio = statistics.median(t[1] / t[0] for t in turns)
    whole_ratio = statistics.median(t[2] / t[0] for t in turns)
    print(f"| {name} | {h:.0f} ms | {s:.0f} ms | {sample_ratio:.2f}x | {w:.0f} ms ({whole_ratio:.2f}x) |")
PY
