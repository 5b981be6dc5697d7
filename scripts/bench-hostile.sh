#!/usr/bin/env bash
# Measures what a hostile target costs the suite: the wall time and peak RSS of a default run
# (`vpp-conformance run --base-url URL`, no tags) against broken targets served on loopback by
# Python 3 (stdlib servers; every request, any method and path, gets the same treatment).
# The tests assert what happens (tests/in_process/hostile_bodies.rs: the client hangs up on a
# flood at the body cap; tests/binary/dead_target.rs: at most one wave of requests reaches a dead
# target); this script measures what that costs in time and memory, which no test asserts.
#
# Bodies it cannot use (`run --base-url URL`):
#   gzip           200, application/json, Content-Encoding: gzip and a 2 MiB body (random-ish
#                  JSON, gzip-compressed; the 2 MiB is the size on the wire), keep-alive
#   brackets       200, application/json and 400 KiB of nested brackets [[[[...]]]], keep-alive
# Floods (`run --base-url URL --timeout 20`; the body cap, 4 MiB unless --max-body-size, must end
# each one): 200, application/json and
#   flood-chunked  an endless chunked body (never a last chunk)
#   flood-close    a body without a length, written until the client hangs up (Connection: close)
#   flood-gigabyte Content-Length: 1073741824, and that gigabyte really sent (until the client
#                  hangs up)
#   expected: exit 1, wall time a few seconds, peak RSS bounded by the cap times the bodies in
#   flight (tens of MB, up to about a hundred, above the baseline run; nowhere near a gigabyte);
#   no one connection gets much more than the cap (and what the sockets buffer) into the kernel
# Dead targets (`run --base-url URL --timeout 2`; the suite finds the target down from its first
# wave of requests and reports the rest "not run"):
#   dead-closed    a closed port (nothing listens)
#   dead-hanging   a listener that accepts and reads every connection and never answers
#   dead-trickle   200, application/json, Content-Length: 100000 at once, then the body a byte
#                  every 300 ms
#   expected: exit 3 (not judged), wall time about one timeout (the first wave's; <= 3 s on an
#   idle machine)
# The baseline (`run --base-url URL --timeout 20`):
#   baseline       the release binary's own reference target (`serve`), which passes: the peak
#                  RSS an ordinary run takes, to compare the others with (exit 0)
# Exit 1 (3 for the dead targets) is expected of the broken targets; what matters is that time
# and memory stay bounded.
# The "target saw" column counts the requests (connections, for dead-hanging) a Python target got
# in a run (min-max over the runs) and, for the floods, the most body bytes it got into the
# kernel on one connection before the client hung up (the cap plus what the sockets buffer).
#
# Usage: scripts/bench-hostile.sh [--runs N] [--time-limit SECONDS] [--mem-limit MB] [TARGETS...]
#   TARGETS          any of the above, or the groups flood (the three floods) and dead (the three
#                    dead targets); default: all of them, the baseline first
#   --runs N         runs per target (default 1); the table shows the median and the range
#   --time-limit S   per-run wall limit, enforced with `timeout` (default 300; env BENCH_TIME_LIMIT)
#   --mem-limit MB   kill a run whose RSS exceeds MB (default 16384, 0 = off; env BENCH_MEM_LIMIT_MB)
# Env: BIN (default target/release/vpp-conformance). Logs go to target/bench/logs/hostile-*
# (hostile-TARGET-server.log, and hostile-TARGET-RUN.stdout/.stderr/.time per run).
# Needs python3, curl, GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."

time_limit=${BENCH_TIME_LIMIT:-300}
mem_limit_mb=${BENCH_MEM_LIMIT_MB:-16384}
bin=${BIN:-target/release/vpp-conformance}
runs=1
floods=(flood-chunked flood-close flood-gigabyte)
deads=(dead-closed dead-hanging dead-trickle)
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --time-limit) time_limit=$2; shift 2 ;;
    --mem-limit) mem_limit_mb=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    baseline|gzip|brackets|flood-chunked|flood-close|flood-gigabyte|dead-closed|dead-hanging|dead-trickle)
      targets+=("$1"); shift ;;
    flood) targets+=("${floods[@]}"); shift ;;
    dead) targets+=("${deads[@]}"); shift ;;
    *) echo "unknown argument $1 (targets: baseline, gzip, brackets, flood, ${floods[*]}, dead, ${deads[*]})" >&2
       exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(baseline gzip brackets "${floods[@]}" "${deads[@]}")
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "--runs wants a positive number, not $runs" >&2; exit 2; }

[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
log_dir=target/bench/logs
mkdir -p "$log_dir"

# The hostile target: python3 -c "$hostile_py" MODE PORT. It prints "listening ..." once it is
# bound, then one line per event: "request" (or "connection", for hanging) and, when it is done
# with a request, "sent BYTES" (the body bytes it got into the kernel).
hostile_py='
import gzip, io, json, random, socketserver, sys, threading, time, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, port = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()
def event(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

GIB = 1 << 30
block = b"7" * (256 * 1024)
body, extra = b"", []
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
    extra = [("Content-Encoding", "gzip")]
elif mode == "brackets":
    depth = 200 * 1024
    body = b"[" * depth + b"]" * depth
elif mode not in ("flood-chunked", "flood-close", "flood-gigabyte", "hanging", "trickle"):
    sys.exit("unknown mode " + mode)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def answer(self):
        event("request")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        sent = 0
        try:
            if mode == "flood-chunked":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                frame = b"%x\r\n" % len(block) + block + b"\r\n"
                while True:
                    self.wfile.write(frame)
                    sent += len(block)
            elif mode == "flood-close":
                self.send_header("Connection", "close")
                self.end_headers()
                while True:
                    self.wfile.write(block)
                    sent += len(block)
            elif mode == "flood-gigabyte":
                self.send_header("Content-Length", str(GIB))
                self.end_headers()
                while sent < GIB:
                    self.wfile.write(block)
                    sent += len(block)
            elif mode == "trickle":
                self.send_header("Content-Length", "100000")
                self.end_headers()
                while True:
                    self.wfile.write(b" ")
                    sent += 1
                    time.sleep(0.3)
            else:
                for k, v in extra:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                    sent = len(body)
        except OSError:
            self.close_connection = True
        event("sent %d" % sent)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = answer

class Hang(socketserver.BaseRequestHandler):
    def handle(self):
        event("connection")
        try:
            while self.request.recv(65536):
                pass
        except OSError:
            pass

class Quiet:
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    def handle_error(self, request, client_address):
        pass
class HttpServer(Quiet, ThreadingHTTPServer):
    pass
class TcpServer(Quiet, socketserver.ThreadingTCPServer):
    pass

server = TcpServer(("127.0.0.1", port), Hang) if mode == "hanging" else HttpServer(("127.0.0.1", port), Handler)
event("listening: %s target on port %d (%d body bytes)" % (mode, port, len(body)))
server.serve_forever()
'

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

# Starts the server for $target (sets $server, $url, $events); returns 1 when it did not start.
start_target() {
  local port mode up=no
  port=$(free_port)
  url=http://127.0.0.1:$port
  events=$log_dir/hostile-$target-server.log
  server=
  case $target in
    dead-closed) # nothing listens: make sure of it
      : >"$events"
      local rc=0
      curl -sS -o /dev/null --max-time 2 "$url/" 2>/dev/null || rc=$?
      [ "$rc" -eq 7 ] || { echo "port $port is not closed (curl exit $rc)" >&2; return 1; }
      return 0 ;;
    baseline)
      "$bin" serve --port "$port" >"$events" 2>&1 &
      server=$!
      pids+=("$server")
      for _ in $(seq 300); do # at most ~30 s
        if curl -fsS -o /dev/null -X POST "$url/mdm/VPPServiceConfigSrv" -d '{}' 2>/dev/null; then up=yes; break; fi
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
      done ;;
    *)
      mode=${target#dead-}
      # Emptied here, not only by the server's redirection (done in the child, maybe after the
      # first look): a "listening" line left from an earlier run must not pass for this one.
      : >"$events"
      python3 -c "$hostile_py" "$mode" "$port" >>"$events" 2>&1 &
      server=$!
      pids+=("$server")
      for _ in $(seq 300); do # at most ~30 s
        if grep -q "^listening: .* on port $port " "$events" 2>/dev/null; then up=yes; break; fi
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
      done ;;
  esac
  [ "$up" = yes ] && return 0
  echo "$target target did not start; see $events" >&2
  return 1
}

stop_target() {
  [ -n "$server" ] || return 0
  kill_tree "$server" TERM
  wait "$server" 2>/dev/null || true
}

run_args() { # the run's arguments for $target
  case $target in
    gzip|brackets) echo "" ;;
    dead-*) echo "--timeout 2" ;;
    *) echo "--timeout 20" ;;
  esac
}

label_of() {
  case $target in
    baseline) echo "baseline: the reference target (\`serve\`)" ;;
    gzip) echo "gzip, $body_bytes B gzip body" ;;
    brackets) echo "brackets, $body_bytes B of [[[…]]]" ;;
    flood-chunked) echo "flood-chunked: endless chunked body" ;;
    flood-close) echo "flood-close: body until close" ;;
    flood-gigabyte) echo "flood-gigabyte: Content-Length 1 GiB, sent" ;;
    dead-closed) echo "dead-closed: closed port" ;;
    dead-hanging) echo "dead-hanging: accepts, never answers" ;;
    dead-trickle) echo "dead-trickle: a byte every 300 ms" ;;
  esac
}

expected_of() {
  case $target in
    baseline) echo "exit 0" ;;
    gzip|brackets) echo "exit 1, bounded" ;;
    flood-*) echo "exit 1, a few s, RSS ≪ 1 GB (cap × bodies in flight)" ;;
    dead-*) echo "exit 3, ≲ 1 timeout (3 s)" ;;
  esac
}

rows=()
for target in "${targets[@]}"; do
  if ! start_target; then
    rows+=("| $target | - | - | target did not start | - | - | - |")
    stop_target
    continue
  fi
  body_bytes=-
  case $target in
    gzip|brackets)
      body_bytes=$(curl -sS --max-time 10 -o /dev/null -w '%{size_download}' "$url/x") ;;
  esac
  read -r -a extra <<<"$(run_args)"

  walls=() rss=() codes=() seen=() most=0 verdict=
  for i in $(seq "$runs"); do
    logs=$log_dir/hostile-$target-$i
    run_time=$logs.time
    mem_flag=$logs.memkill
    rm -f "$run_time" "$mem_flag"
    before=$(grep -cE '^(request|connection)$' "$events" || true)
    echo "run $i/$runs of the default suite against the $target target (${extra[*]:-no flags}, limit ${time_limit}s)..." >&2
    measured_run "$run_time" "$mem_flag" "$logs" "$bin" run --base-url "$url" "${extra[@]}"
    sleep 0.3 # let the target log the hang-ups
    after=$(grep -cE '^(request|connection)$' "$events" || true)
    seen+=("$(( after - before ))")

    read -r wall rss_kb _ < <(grep -E '^[0-9.]+ [0-9]+( |$)' "$run_time" 2>/dev/null | tail -1 || echo "- -") || true
    walls+=("${wall:--}")
    rss+=("$(mb "${rss_kb:-}")")
    case $code in
      124) codes+=("124 (timed out after ${time_limit}s)") ;;
      137) [ -e "$mem_flag" ] && codes+=("137 (killed above ${mem_limit_mb} MB)") || codes+=("137 (killed)") ;;
      *) codes+=("$code") ;;
    esac
    verdict=$(grep -a '^VERDICT:' "$logs.stdout" | tail -1 | cut -c1-120 || true)
    echo "  $target run $i: ${wall:--} s, $(mb "${rss_kb:-}") MB, exit $code" >&2
  done
  most=$(awk '$1 == "sent" && $2 > m { m = $2 } END { print m + 0 }' "$events")
  stop_target

  verdict=${verdict//|/\\|}
  exits=$(printf '%s\n' "${codes[@]}" | sort -u | paste -sd/ -)
  case $target in
    baseline) saw="-" ;;
    dead-closed) saw="nothing listens" ;;
    dead-hanging) saw="$(printf '%s\n' "${seen[@]}" | range) connections" ;;
    flood-*) saw="$(printf '%s\n' "${seen[@]}" | range) requests, ≤ $(mb "$(( most / 1024 ))") MB on one" ;;
    *) saw="$(printf '%s\n' "${seen[@]}" | range) requests" ;;
  esac
  rows+=("| $(label_of) | $(printf '%s\n' "${walls[@]}" | spread) | $(printf '%s\n' "${rss[@]}" | spread) | $exits | $saw | $(expected_of) | ${verdict:-(none)} |")
  echo "${rows[-1]}" >&2
done

echo
echo "binary: $bin_label; runs per target: $runs (median, and the range over the runs)"
echo
echo "| target | wall (s) | peak memory (MB) | exit | target saw | expected | verdict line (last run) |"
echo "|---|---:|---:|---|---|---|---|"
printf '%s\n' "${rows[@]}"
