# Shared by the benchmark scripts (sourced, not run): a private copy of the binary, process
# bookkeeping that leaves nothing running, a free loopback port, a memory watchdog, KB -> MB,
# the median and range of a few runs.
# Expects $bin to name the binary; sets $bin to the copy and $bin_label to what was copied.

# Run a private copy, so a concurrent `cargo build` cannot swap the binary between runs.
bin_label="$bin ($(stat -c '%y' "$bin" | cut -d. -f1))"
snapshot=$(mktemp "${TMPDIR:-/tmp}/vpp-conformance-bench.XXXXXX")
cp "$bin" "$snapshot" && chmod 755 "$snapshot"
bin=$snapshot

# ---- process bookkeeping: every process we start is killed by id on exit ---------------------
pids=()
descendants() { # all descendants of a process
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do echo "$child"; descendants "$child"; done
}

kill_tree() { # kill a process and its descendants, children first
  local pid=$1 sig=${2:-TERM} child
  for child in $(pgrep -P "$pid" 2>/dev/null || true); do kill_tree "$child" "$sig"; done
  kill -s "$sig" "$pid" 2>/dev/null || true
}
cleanup() { # signal the workers first, so GNU time / timeout reap them and exit by themselves
  local pid child
  for pid in "${pids[@]}"; do
    for child in $(descendants "$pid"); do kill -TERM "$child" 2>/dev/null || true; done
  done
  sleep 0.3
  for pid in "${pids[@]}"; do kill_tree "$pid" KILL; done
  wait 2>/dev/null || true
  rm -f "$snapshot"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (10 s at most) for `serve`'s "listening" line in its log $1: it prints it once it answers.
wait_listening() {
  local log=$1
  for _ in $(seq 100); do grep -q "listening on" "$log" 2>/dev/null && return 0; sleep 0.1; done
  echo "serve did not start: $log" >&2
  return 1
}

# Polls the RSS of every process under $1 (GNU time) and SIGKILLs the one past $2 MB, so its
# parent reaps it and GNU time still reports its peak; touches $3 when it did.
mem_watchdog() {
  local root=$1 limit_kb=$(( $2 * 1024 )) flag=$3 pid rss
  while kill -0 "$root" 2>/dev/null; do
    for pid in $(descendants "$root"); do
      rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      if [ "${rss:-0}" -gt "$limit_kb" ]; then
        : >"$flag"
        kill -KILL "$pid" 2>/dev/null || true
        return 0
      fi
    done
    sleep 0.5
  done
}

mb() { # KB -> MB with one decimal, or "-"
  if [[ ${1:-} =~ ^[0-9]+$ ]]; then awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; else echo -; fi
}


# Runs a command under GNU time (wall seconds, peak KB, user and system CPU seconds into $1) and the time limit
# ($time_limit), its stdout and stderr into $3.stdout and $3.stderr, with the memory watchdog
# ($mem_limit_mb, touching $2 when it kills); sets $code to the command's exit status.
measured_run() {
  local run_time=$1 mem_flag=$2 logs=$3 runner watchdog=
  shift 3
  /usr/bin/time -f '%e %M %U %S' -o "$run_time" timeout --kill-after=10 "$time_limit" "$@" \
    >"$logs.stdout" 2>"$logs.stderr" </dev/null &
  runner=$!
  pids+=("$runner")
  if [ "$mem_limit_mb" -gt 0 ]; then
    mem_watchdog "$runner" "$mem_limit_mb" "$mem_flag" &
    watchdog=$!
    pids+=("$watchdog")
  fi
  code=0
  wait "$runner" || code=$?
  [ -z "$watchdog" ] || { kill "$watchdog" 2>/dev/null || true; wait "$watchdog" 2>/dev/null || true; }
}

# ---- a few runs in one cell of a table ---------------------------------------------------------
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { # numbers (one a line, "-" ignored) -> "median" or "median (min-max)", or "-"
  local values
  values=$(grep -E '^[0-9.]+$' || true)
  [ -n "$values" ] || { echo -; return; }
  if [ "$(wc -l <<<"$values")" -eq 1 ]; then echo "$values"; return; fi
  echo "$(median <<<"$values") ($(sort -n <<<"$values" | head -1)–$(sort -n <<<"$values" | tail -1))"
}
range() { # integers, one a line -> "n" or "min–max"
  local lo hi
  lo=$(sort -n | sed -n '1p;$p' | tr '\n' ' ')
  read -r lo hi <<<"$lo"
  [ "$lo" = "$hi" ] && echo "$lo" || echo "$lo–$hi"
}
