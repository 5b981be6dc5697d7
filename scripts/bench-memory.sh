#!/usr/bin/env bash
# Where a large @any-data run's memory goes: builds the suite with the heap profiler (`--features
# dhat-heap`, into target/dhat so the release binary stays as it is), runs `--tags @any-data`
# against `serve --accounts` holding a generated tenant (gen-tenant.py, pinned data version and
# seed, as bench-any-data.sh), and prints the heap's peak and the allocation sites that held the
# most at that moment. Peak RSS, the figure that counts, is bench-any-data.sh's; the profiler slows
# the run several times over, so its times mean nothing, and bodies waiting to be judged pile up
# more than in a release run.
#
# Usage: scripts/bench-memory.sh [ACCOUNTS]   (default 10000)
# Env: BENCH_GEN_SEED (default 1), BENCH_GEN_VERSION (default 2), TOP (sites shown, default 12).
# Writes target/bench/memory-ACCOUNTS/dhat-heap.json (viewable with dhat's dh_view.html).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
seed=${BENCH_GEN_SEED:-1}
version=${BENCH_GEN_VERSION:-2}
top=${TOP:-12}
mkdir -p target/bench
data=target/bench/tenant-$n-v$version-seed$seed.json
[ -s "$data" ] || python3 scripts/gen-tenant.py "$n" "$data" --seed "$seed" --data-version "$version"
cargo build --release --locked --features dhat-heap --target-dir target/dhat >&2
cargo build --release --locked >&2
bin=$PWD/target/dhat/release/vpp-conformance
server=$PWD/target/release/vpp-conformance
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
port=$(free_port)
"$server" serve --port "$port" --accounts "$data" >target/bench/memory-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q "listening on" target/bench/memory-serve.log && break; sleep 0.1; done
out=target/bench/memory-$n
mkdir -p "$out"
extra=()
[ "$n" -le 10000 ] || extra=(--max-body-size 64MiB)
(cd "$out" && "$bin" run --base-url "http://127.0.0.1:$port" --tags @any-data --seed 1 -q ${extra[@]+"${extra[@]}"}) 2>&1 | tail -5
python3 - "$out/dhat-heap.json" "$top" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ftbl, top = d["ftbl"], int(sys.argv[2])
sites = sorted(d["pps"], key=lambda p: -p.get("gb", 0))
print(f"\nheap at its peak: {sum(p.get('gb', 0) for p in d['pps']) / 1e6:.1f} MB; the sites that held the most then:")
for p in sites[:top]:
    frames = [ftbl[i].split(": ", 1)[-1].split(" (")[0] for i in p["fs"]]
    ours = [f for f in frames if "vpp_conformance" in f][:3] or frames[:2]
    print(f"{p['gb'] / 1e6:8.2f} MB in {p.get('gbk', 0):>6} blocks  " + " <- ".join(ours))
PY
