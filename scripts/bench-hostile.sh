#!/usr/bin/env bash
# Measures what a hostile target costs the suite: the wall time and peak RSS of the default run
# (`vpp-conformance run --base-url URL`, no tags) against two broken targets served on loopback
# by Python 3 (stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive with Content-Length):
#   gzip     every request (any method, any path) gets 200, Content-Type: application/json,
#            Content-Encoding: gzip and a 2 MiB body (random-ish JSON, gzip-compressed; the
#            2 MiB is the size on the wire)
#   brackets every request gets 200, Content-Type: application/json and 400 KiB of nested
#            brackets [[[[...]]]]
# Exit 1 is expected (the targets are broken); what matters is that time and memory stay bounded.
#
# Usage: scripts/bench-hostile.sh [--time-limit SECONDS] [--mem-limit MB] [TARGETS...]
#   TARGETS          gzip and/or brackets (default: both)
#   --time-limit S   per-run wall limit, enforced with `timeout` (default 300; env BENCH_TIME_LIMIT)
#   --mem-limit MB   kill a run whose RSS exceeds MB (default 16384, 0 = off; env BENCH_MEM_LIMIT_MB)
# Env: BIN (default target/release/vpp-conformance). Logs go to target/bench/logs/hostile-*.
# Needs python3, curl, GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."

time_limit=${BENCH_TIME_LIMIT:-300}
mem_limit_mb=${BENCH_MEM_LIMIT_MB:-16384}
bin=${BIN:-target/release/vpp-conformance}
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --time-limit) time_limit=$2; shift 2 ;;
    --mem-limit) mem_limit_mb=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    gzip|brackets) targets+=("$1"); shift ;;
    *) echo "unknown argument $1 (targets: gzip, brackets)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(gzip brackets)

[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
log_dir=target/bench/logs
mkdir -p "$log_dir"

# The hostile target: python3 -c "$hostile_py" MODE PORT
hostile_py='
import gzip, io, json, random, sys, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, port = sys.argv[1], int(sys.argv[2])
if mode == "gzip":
    target = 2 * 1024 * 1024
    rng = random.Random(7)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write(b"{\"vppAccounts\": [")
        i = 0
        while out.tell() < target:
            rec = {"guid": "%032x" % rng.getrandbits(128), "name": "acct-%d" % i,
                   "token": "%046x" % rng.getrandbits(184), "blob": rng.randbytes(48).hex()}
            gz.write((b"," if i else b"") + json.dumps(rec).encode())
            i += 1
            if i % 256 == 0:
                gz.flush(zlib.Z_SYNC_FLUSH)
        gz.write(b"]}")
    body = out.getvalue()
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
elif mode == "brackets":
    depth = 200 * 1024
    body = b"[" * depth + b"]" * depth
    headers = [("Content-Type", "application/json")]
else:
    sys.exit("mode must be gzip or brackets")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = answer

class Server(ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        pass

print("%s target: %d body bytes on port %d" % (mode, len(body), port), flush=True)
Server(("127.0.0.1", port), Handler).serve_forever()
'

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

rows=()
for target in "${targets[@]}"; do
  port=$(free_port)
  python3 -c "$hostile_py" "$target" "$port" >"$log_dir/hostile-$target-server.log" 2>&1 &
  server=$!
  pids+=("$server")
  up=no
  for _ in $(seq 300); do # at most ~30 s
    if curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/" 2>/dev/null; then up=yes; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" != yes ]; then
    echo "$target target did not answer; see $log_dir/hostile-$target-server.log" >&2
    rows+=("| $target | - | - | target did not start | - |")
    kill_tree "$server" TERM; wait "$server" 2>/dev/null || true
    continue
  fi
  body_bytes=$(curl -sS --max-time 10 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/x")

  run_time=$log_dir/hostile-$target.time
  mem_flag=$log_dir/hostile-$target.memkill
  rm -f "$run_time" "$mem_flag"
  echo "running the default suite against the $target target ($body_bytes-byte bodies, limit ${time_limit}s)..." >&2
  measured_run "$run_time" "$mem_flag" "$log_dir/hostile-$target" "$bin" run --base-url "http://127.0.0.1:$port"
  kill_tree "$server" TERM
  wait "$server" 2>/dev/null || true

  read -r wall rss_kb < <(grep -E '^[0-9.]+ [0-9]+$' "$run_time" 2>/dev/null | tail -1 || echo "- -") || true
  exit_col=$code
  case $code in
    1) exit_col="1 (expected)" ;;
    124) exit_col="124 (timed out after ${time_limit}s)" ;;
    137) [ -e "$mem_flag" ] && exit_col="137 (killed above ${mem_limit_mb} MB)" || exit_col="137 (killed)" ;;
  esac
  verdict=$(grep -a '^VERDICT:' "$log_dir/hostile-$target.stdout" | tail -1 | cut -c1-120 || true)
  verdict=${verdict//|/\\|}
  case $target in
    gzip) label="gzip, $body_bytes B gzip body" ;;
    brackets) label="brackets, $body_bytes B of [[[…]]]" ;;
  esac
  rows+=("| $label | ${wall:--} | $(mb "${rss_kb:-}") | $exit_col | ${verdict:-(none)} |")
  echo "${rows[-1]}" >&2
done

echo
echo "binary: $bin_label"
echo
echo "| target | wall (s) | peak memory (MB) | exit | verdict line |"
echo "|---|---:|---:|---|---|"
printf '%s\n' "${rows[@]}"
