#!/usr/bin/env bash
# Measures how `vpp-conformance run --tags @any-data` scales with the number of accounts a target
# lists. For each size it generates a tenant with scripts/gen-tenant.py (cached under
# target/bench/), serves it with the release binary's reference target (`serve --accounts`), runs
# the @any-data scenarios against it with `--seed 1`, and prints a Markdown table of the suite
# process's wall time, CPU time (user and system: what a busy machine's load changes least), peak
# RSS and exit code, the server's peak RSS, and the run's VERDICT line.
#
# Usage: scripts/bench-any-data.sh [--time-limit SECONDS] [--mem-limit MB] [--check N:MB[:S]]... [SIZES...]
#   --check N:MB[:S] after the table, check that the run against N accounts peaked at MB or less
#                    (and took S seconds or less); the script exits 1 when a check fails
#                    (issue #35's goals: --check 10000:60 --check 50000:150:10)
#   SIZES            account counts (default: 1000 10000 50000)
#   --time-limit S   per-run wall limit, enforced with `timeout` (default 300; env BENCH_TIME_LIMIT)
#   --mem-limit MB   kill a run whose RSS exceeds MB (default 16384, 0 = off; env BENCH_MEM_LIMIT_MB)
# Env: BIN (default target/release/vpp-conformance), BENCH_GEN_SEED (data seed, default 1),
# BENCH_GEN_VERSION (scripts/gen-tenant.py --data-version, default 2). The figures in
# docs/production.md pin both: data version 2, seed 1 (version 1 is the data of earlier figures).
# `--max-body-size 64MiB` is passed for sizes above 10000 when `run --help` mentions the flag.
# Logs of every run and server are kept in target/bench/logs/. Needs python3, curl, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

time_limit=${BENCH_TIME_LIMIT:-300}
mem_limit_mb=${BENCH_MEM_LIMIT_MB:-16384}
gen_seed=${BENCH_GEN_SEED:-1}
gen_version=${BENCH_GEN_VERSION:-2}
bin=${BIN:-target/release/vpp-conformance}
sizes=()
checks=()
while [ $# -gt 0 ]; do
  case $1 in
    --time-limit) time_limit=$2; shift 2 ;;
    --mem-limit) mem_limit_mb=$2; shift 2 ;;
    --check) checks+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) [[ $1 =~ ^[0-9]+$ ]] || { echo "size must be a number: $1" >&2; exit 2; }; sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 50000)

[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
bench_dir=target/bench
log_dir=$bench_dir/logs
mkdir -p "$bench_dir" "$log_dir"

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

supports_max_body=no
if "$bin" run --help 2>&1 | grep -q -- '--max-body-size'; then supports_max_body=yes; fi

rows=()
declare -A measured_wall measured_kb
for n in "${sizes[@]}"; do
  data=$bench_dir/tenant-$n-v$gen_version-seed$gen_seed.json
  if [ ! -s "$data" ]; then
    echo "generating $n accounts -> $data" >&2
    python3 scripts/gen-tenant.py "$n" "$data" --seed "$gen_seed" --data-version "$gen_version"
  fi

  # ---- server under GNU time, so its peak RSS is known after SIGTERM ----
  port=$(free_port)
  server_time=$log_dir/serve-$n.time
  rm -f "$server_time"
  /usr/bin/time -f '%e %M' -o "$server_time" \
    "$bin" serve --port "$port" --accounts "$data" >"$log_dir/serve-$n.log" 2>&1 &
  server=$!
  pids+=("$server")
  up=no
  for _ in $(seq 600); do # at most ~60 s for the server to load the data set
    if curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/SRP00000/api/v1/vppAccounts?query=name=x" 2>/dev/null; then
      up=yes; break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" != yes ]; then
    echo "server for $n accounts did not answer; see $log_dir/serve-$n.log" >&2
    kill_tree "$server" TERM; wait "$server" 2>/dev/null || true
    rows+=("| $n | - | - | - | - | server did not start | - |")
    continue
  fi

  # ---- the suite under GNU time (outside `timeout`, so a time-out still reports) ----
  extra=()
  if [ "$n" -gt 10000 ] && [ "$supports_max_body" = yes ]; then extra=(--max-body-size 64MiB); fi
  run_time=$log_dir/run-$n.time
  mem_flag=$log_dir/run-$n.memkill
  rm -f "$run_time" "$mem_flag"
  echo "running @any-data against $n accounts (limit ${time_limit}s)..." >&2
  measured_run "$run_time" "$mem_flag" "$log_dir/run-$n" \
    "$bin" run --base-url "http://127.0.0.1:$port" --tags @any-data --seed 1 ${extra[@]+"${extra[@]}"}

  # ---- stop the server; GNU time then writes its line ----
  server_child=$(pgrep -P "$server" | head -1 || true)
  [ -z "$server_child" ] || kill -TERM "$server_child" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  kill_tree "$server" KILL
  wait "$server" 2>/dev/null || true

  read -r wall rss_kb user sys < <(grep -E '^[0-9.]+ [0-9]+( |$)' "$run_time" 2>/dev/null | tail -1 || echo "- -") || true
  cpu=$(awk -v u="${user:-}" -v s="${sys:-}" 'BEGIN { if (u == "" || s == "") print "-"; else printf "%.2f", u + s }')
  read -r _ srv_kb < <(grep -E '^[0-9.]+ [0-9]+$' "$server_time" 2>/dev/null | tail -1 || echo "- -") || true
  exit_col=$code
  case $code in
    124) exit_col="124 (timed out after ${time_limit}s)" ;;
    137) [ -e "$mem_flag" ] && exit_col="137 (killed above ${mem_limit_mb} MB)" || exit_col="137 (killed)" ;;
  esac
  verdict=$(grep -a '^VERDICT:' "$log_dir/run-$n.stdout" | tail -1 || true)
  verdict=${verdict//|/\\|}
  rows+=("| $n | ${wall:--} | $cpu | $(mb "${rss_kb:-}") | $exit_col | ${verdict:-(none)} | $(mb "${srv_kb:-}") |")
  measured_wall[$n]=${wall:-}
  measured_kb[$n]=${rss_kb:-}
  echo "${rows[-1]}" >&2
done

echo
echo "binary: $bin_label, run --max-body-size supported: $supports_max_body, data: gen-tenant.py --data-version $gen_version --seed $gen_seed, run seed: 1"
echo
echo "| accounts | wall (s) | CPU (s) | peak memory (MB) | exit | verdict line | server peak (MB) |"
echo "|---:|---:|---:|---:|---|---|---:|"
printf '%s\n' "${rows[@]}"

# ---- the checks asked for (--check N:MB[:S]): memory and time are measured here, never in cargo test ----
failed=0
for check in ${checks[@]+"${checks[@]}"}; do
  IFS=: read -r n max_mb max_s <<<"$check"
  kb=${measured_kb[$n]:-}
  wall=${measured_wall[$n]:-}
  if [ -z "$kb" ]; then
    echo "CHECK $n accounts: not measured (give $n among the sizes)"; failed=1; continue
  fi
  verdict=$(awk -v kb="$kb" -v mb="$max_mb" -v w="${wall:-0}" -v s="${max_s:-}" 'BEGIN {
    ok = (kb / 1024 <= mb) && (s == "" || w <= s); print (ok ? "ok" : "FAILED") }')
  echo "CHECK $n accounts: peak $(mb "$kb") MB (at most $max_mb), wall ${wall}s${max_s:+ (at most ${max_s}s)}: $verdict"
  [ "$verdict" = ok ] || failed=1
done
exit $failed
