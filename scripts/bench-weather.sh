#!/usr/bin/env bash
# Measures what the target's weather costs a run (issue #32): the exit status, the wall time, what
# the target (or its gateway) accepted and refused, and the lines of output of a run of the
# release binary against the release binary's reference target (`serve`) behind weather on
# loopback. The tests (tests/binary/weather.rs, nginx.rs, dead_target.rs) assert what happens;
# this script measures how long it takes, which no test asserts.
#
# Cases (the default run, `run --base-url URL`, unless said):
#   gw-429       a gateway (Python stdlib) that takes 20 requests in any one second and answers
#                429 without Retry-After to the rest
#   gw-503       the same answering 503
#   nginx-503    nginx, limit_req_zone rate=20r/s, limit_req burst=10 nodelay (its default 503)
#   nginx-429    the same with limit_req_status 429
#   nginx-502    nginx before a dead upstream (a closed port): 502 to everything
#   dead         a closed port; dead-q the same with -q
#   blackhole    a listener that accepts, reads and never answers (--timeout 2)
#   hung         a front that never answers the one request UEM-GET-003 sends and forwards the
#                rest (--tags @any-data --timeout 2)
#   restart      a front that forwards 40 requests, then closes its listener and every connection
#                for 1 s and listens again (--retries 3); restart-0 the same without --retries
# Columns: "accepted" and "refused" are what the gateway (or nginx's access log) counted: taken
# and forwarded, and answered with a push-back (429, 503); "busiest s" the most requests that
# arrived within any one second starting 1 s or more after the first refusal; "pace" the
# gateway's own pace, accepted ÷ 20 requests a second, and "wall ÷ pace" how close the run came
# to it (issue #32 aims at ≤ 1.5 × pace + 5 s).
#
# Usage: scripts/bench-weather.sh [--runs N] [CASES...]   (default: every case, 1 run each)
# Env: BIN (default target/release/vpp-conformance). Logs go to target/bench/logs/weather-*.
# Needs python3, curl, nginx (on PATH or in /usr/sbin), GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${BIN:-target/release/vpp-conformance}
time_limit=${BENCH_TIME_LIMIT:-300}
mem_limit_mb=0
runs=1
all=(gw-429 gw-503 nginx-503 nginx-429 nginx-502 dead dead-q blackhole hung restart restart-0)
cases=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    gw-429|gw-503|nginx-503|nginx-429|nginx-502|dead|dead-q|blackhole|hung|restart|restart-0)
      cases+=("$1"); shift ;;
    *) echo "unknown argument $1 (cases: ${all[*]})" >&2; exit 2 ;;
  esac
done
[ ${#cases[@]} -gt 0 ] || cases=("${all[@]}")
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "--runs wants a positive number, not $runs" >&2; exit 2; }
[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
log_dir=target/bench/logs
mkdir -p "$log_dir"

# The front: python3 -c "$front_py" PORT UPSTREAM MODE ARGS..., one line per request in its log:
# "A TIME" taken and forwarded, "R TIME" refused, "H TIME" held unanswered.
#   ratelimit RATE STATUS   takes RATE requests in any one second, answers STATUS to the rest
#   hang TEXT               never answers a request whose path holds TEXT
#   restart N SECONDS       after N requests, nothing listens for SECONDS, every connection dropped
#   blackhole               accepts and reads every connection, never answers
front_py='
import collections, http.client, socket, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, (uh, up), mode, args = int(sys.argv[1]), sys.argv[2].split(":"), sys.argv[3], sys.argv[4:]
lock, window, conns, taken = threading.Lock(), collections.deque(), set(), [0]
def event(kind):
    with lock:
        sys.stdout.write("%s %.6f\n" % (kind, time.time())); sys.stdout.flush()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def setup(self):
        super().setup(); conns.add(self.connection)
    def finish(self):
        conns.discard(self.connection); super().finish()
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        now = time.time()
        if mode == "ratelimit":
            with lock:
                while window and now - window[0] >= 1.0: window.popleft()
                ok = len(window) < int(args[0])
                if ok: window.append(now)
            if not ok:
                event("R"); msg = b"slow down"
                self.send_response(int(args[1])); self.send_header("Content-Length", str(len(msg)))
                self.end_headers(); self.wfile.write(msg); return
        if mode == "hang" and args[0] in self.path:
            event("H"); time.sleep(3600); return
        event("A")
        c = http.client.HTTPConnection(uh, int(up), timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse(); data = r.read(); c.close()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
        if mode == "restart":
            with lock:
                taken[0] += 1; now_restart = taken[0] == int(args[0])
            if now_restart: threading.Thread(target=server.shutdown).start()
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = answer
class Hole(socketserver.BaseRequestHandler):
    def handle(self):
        event("H")
        while self.request.recv(65536): pass
class Quiet:
    daemon_threads = True; allow_reuse_address = True; request_queue_size = 256
    def handle_error(self, request, client_address): pass
class Http(Quiet, ThreadingHTTPServer): pass
class Tcp(Quiet, socketserver.ThreadingTCPServer): pass
def make():
    return Tcp(("127.0.0.1", port), Hole) if mode == "blackhole" else Http(("127.0.0.1", port), H)
server = make()
sys.stderr.write("listening on %d\n" % port); sys.stderr.flush()
server.serve_forever()
if mode == "restart":
    server.server_close()
    for s in list(conns):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
    time.sleep(float(args[1]))
    server = make()
    server.serve_forever()
'

# The numbers of one run from its events ("KIND TIME" lines, A taken, R refused, G a gateway's
# 502): taken, refused, the most arrivals within one second from a second after the first refusal
# ("-" if none), and the 502s.
counts_py='
import sys
ev = [(l.split()[0], float(l.split()[1])) for l in open(sys.argv[1]) if len(l.split()) == 2]
ts = sorted(t for k, t in ev if k in "AR")
taken = sum(1 for k, _ in ev if k == "A"); refused = sum(1 for k, _ in ev if k == "R")
first = min((t for k, t in ev if k == "R"), default=None)
busiest = "-"
if first is not None:
    busiest = max((sum(1 for u in ts[i:] if u < t + 1) for i, t in enumerate(ts) if t >= first + 1), default=0)
print(taken, refused, busiest, sum(1 for k, _ in ev if k == "G"))
'

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

wait_for_port() { # PORT PROCESS LOG: until something listens on PORT, or the process died
  for _ in $(seq 300); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "nothing listens on $1; see $3" >&2
  exit 2
}

reference= reference_port=
start_reference() { # the release binary's reference target, once for every case
  [ -z "$reference" ] || return 0
  reference_port=$(free_port)
  "$bin" serve --port "$reference_port" >"$log_dir/weather-serve.log" 2>&1 &
  reference=$!
  pids+=("$reference")
  wait_for_port "$reference_port" "$reference" "$log_dir/weather-serve.log"
}

start_front() { # MODE ARGS... -> $url, $server, $events (the front's "KIND TIME" lines)
  local port
  port=$(free_port)
  url=http://127.0.0.1:$port
  python3 -c "$front_py" "$port" "127.0.0.1:$reference_port" "$@" >"$events" 2>"$events.stderr" &
  server=$!
  pids+=("$server")
  wait_for_port "$port" "$server" "$events.stderr"
}

start_nginx() { # UPSTREAM-PORT [STATUS|none|off] -> $url, $server; nginx logs "TIME STATUS"
  local port dir=$log_dir/weather-nginx limit= zone=
  port=$(free_port)
  url=http://127.0.0.1:$port
  rm -rf "$dir" && mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$2" != off ]; then
    zone='limit_req_zone $binary_remote_addr zone=weather:1m rate=20r/s;'
    limit='limit_req zone=weather burst=10 nodelay;'
    [ "$2" = none ] || limit="$limit limit_req_status $2;"
  fi
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    log_format weather '\$msec \$status';
    access_log $dir/access.log weather;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    $zone
    server {
        listen 127.0.0.1:$port;
        location / {
            $limit
            proxy_pass http://127.0.0.1:$1;
            proxy_set_header Host \$http_host;
        }
    }
}
EOF
  "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  server=$!
  pids+=("$server")
  wait_for_port "$port" "$server" "$dir/error.log"
}

# nginx's access log as events: 429 and 503 refused (R), anything else but 502 taken (A).
nginx_events() {
  awk '{ print (($2 == 429 || $2 == 503) ? "R" : ($2 == 502 ? "G" : "A")), $1 }' "$log_dir/weather-nginx/access.log"
}

stop_server() {
  [ -n "$server" ] || return 0
  kill_tree "$server" TERM
  wait "$server" 2>/dev/null || true
  server=
}

args_of() { # the run's flags for $case
  case $case in
    blackhole) echo "--timeout 2" ;;
    hung) echo "--tags @any-data --timeout 2" ;;
    restart) echo "--retries 3" ;;
    dead-q) echo "-q" ;;
    *) echo "" ;;
  esac
}

# Starts the target of $case (sets $url, $server); the events of the run go to $events.
start_case() {
  server=
  case $case in
    gw-429) start_front ratelimit 20 429 ;;
    gw-503) start_front ratelimit 20 503 ;;
    nginx-503) start_nginx "$reference_port" none ;;
    nginx-429) start_nginx "$reference_port" 429 ;;
    nginx-502) start_nginx "$(free_port)" off ;;
    dead|dead-q) url=http://127.0.0.1:$(free_port) ;;
    blackhole) start_front blackhole ;;
    hung) start_front hang 00000000-0000-4000-8000-00000000d0c5 ;;
    restart|restart-0) start_front restart 40 1 ;;
  esac
}

rows=()
start_reference
for case in "${cases[@]}"; do
  read -r -a extra <<<"$(args_of)"
  walls=() codes=() taken=() refused=() busiest=() paces=() ratios=() lines=() gateway=() verdict=
  for i in $(seq "$runs"); do
    logs=$log_dir/weather-$case-$i
    events=$logs.events
    : >"$events"
    start_case
    echo "run $i/$runs against $case (${extra[*]:-no flags})..." >&2
    measured_run "$logs.time" "$logs.memkill" "$logs" "$bin" run --base-url "$url" "${extra[@]}"
    case $case in nginx-*) stop_server; nginx_events >"$events" ;; *) stop_server ;; esac
    read -r wall _ < <(grep -E '^[0-9.]+ [0-9]+( |$)' "$logs.time" | tail -1 || echo "- -")
    read -r a r b g < <(python3 -c "$counts_py" "$events")
    walls+=("$wall") codes+=("$code") taken+=("$a") refused+=("$r") busiest+=("$b") gateway+=("$g")
    lines+=("$(wc -l <"$logs.stdout")")
    case $case in
      gw-*|nginx-429|nginx-503) # a gateway of 20 requests a second: its own pace, and how close the run came
        paces+=("$(awk -v a="$a" 'BEGIN { printf "%.1f", a / 20 }')")
        ratios+=("$(awk -v w="$wall" -v a="$a" 'BEGIN { if (a > 0) printf "%.2f", w / (a / 20); else print "-" }')") ;;
      *) paces+=(-) ratios+=(-) ;;
    esac
    verdict=$(grep -a '^VERDICT:' "$logs.stdout" | tail -1 | sed 's/ (http[^)]*)$//' | cut -c1-110 || true)
    echo "  $case run $i: exit $code, ${wall}s, accepted $a, refused $r, busiest $b, $(wc -l <"$logs.stdout") lines" >&2
  done
  cell() { printf '%s\n' "$@" | spread; }
  exits=$(printf '%s\n' "${codes[@]}" | sort -u | paste -sd/ -)
  label=$case
  [ "$(printf '%s\n' "${gateway[@]}" | sort -n | tail -1)" = 0 ] || label="$case (502 answered: $(printf '%s\n' "${gateway[@]}" | range))"
  rows+=("| $label | ${extra[*]:-} | $exits | $(cell "${walls[@]}") | $(cell "${taken[@]}") | $(cell "${refused[@]}") | $(cell "${busiest[@]}") | $(cell "${paces[@]}") | $(cell "${ratios[@]}") | $(printf '%s\n' "${lines[@]}" | range) | ${verdict//|/\\|} |")
  echo "${rows[-1]}" >&2
done

stop_reference() { kill "$reference" 2>/dev/null || true; wait "$reference" 2>/dev/null || true; }
stop_reference

echo
echo "binary: $bin_label; runs per case: $runs (median, and the range over the runs)"
echo
echo "| case | flags | exit | wall (s) | accepted | refused | busiest s after refusal | pace (s) | wall ÷ pace | lines | verdict (last run) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
