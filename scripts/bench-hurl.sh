#!/usr/bin/env bash
# Like for like against hurl: the seven documented samples as a hurl file (scripts/hurl/samples.hurl)
# beside `run --tags @sample` and the whole default run, against the release binary's reference
# target served locally and with 50 ms before every answer; medians of RUNS runs (default 21).
# Needs hurl on the PATH (or HURL=path): `cargo install hurl --locked` needs libcurl, libxml2 and
# libclang development packages. Usage: scripts/bench-hurl.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
bin=${BIN:-target/release/vpp-conformance}
hurl=${HURL:-hurl}
command -v "$hurl" >/dev/null || { echo "hurl not found (set HURL=path)" >&2; exit 2; }
[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
local_port=$(free_port); slow_port=$(free_port)
"$bin" serve --port "$local_port" >/dev/null 2>&1 & pids+=("$!")
"$bin" serve --port "$slow_port" --latency-ms 50 >/dev/null 2>&1 & pids+=("$!")
sleep 1
python3 - "$runs" "$bin" "$hurl" "$local_port" "$slow_port" <<'PY'
import statistics, subprocess, sys, time
runs, bin, hurl, local, slow = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def median_ms(cmd):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{cmd} exited {done.returncode}")
    return statistics.median(times) * 1000
print("| target | hurl, 7 requests | run --tags @sample | ratio | whole default run |")
print("|---|---:|---:|---:|---:|")
for name, port in [("local", local), ("50 ms before every answer", slow)]:
    base = f"http://127.0.0.1:{port}"
    h = median_ms([hurl, "--test", "--variable", f"base={base}", "scripts/hurl/samples.hurl"])
    s = median_ms([bin, "run", "--base-url", base, "--tags", "@sample"])
    w = median_ms([bin, "run", "--base-url", base])
    print(f"| {name} | {h:.0f} ms | {s:.0f} ms | {s / h:.2f}x | {w:.0f} ms ({w / h:.2f}x) |")
PY
