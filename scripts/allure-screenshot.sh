#!/usr/bin/env bash
# Regenerates docs/allure-report.png: the suite's own Allure report (Allure Report 3, as
# scripts/install-node-tools.sh pins it) of a small mixed run, screenshot by headless chromium.
#
# Two builds of one history file: build 1 against a conformant target (`serve`, every scenario
# passes); build 2 with the Apple VPP API on a closed port (its 11 scenarios not judged: broken)
# and the UEM API served a data set with the Toronto account left out (the samples and rules
# that expect it fail; what needs no particular data passes). The report of build 2 is written as
# one self-contained page (singleFile), so chromium opens it from disk.
#
# Needs node and npm (scripts/install-node-tools.sh runs here), chromium (Debian: apt-get install
# chromium) and a build of the binary (cargo build runs here).
# Usage: scripts/allure-screenshot.sh [OUT.png]   (default docs/allure-report.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/allure-report.png}

command -v chromium >/dev/null 2>&1 || { echo "chromium is required (Debian: apt-get install chromium)" >&2; exit 1; }
scripts/install-node-tools.sh >/dev/null
cargo build --locked --quiet
bin=target/debug/vpp-conformance
allure=target/node-tools/node_modules/.bin/allure

work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts `serve` with these arguments on a free port; prints its base URL.
serve() {
  local log
  log=$(mktemp -p "$work" serve.XXXX)
  "$bin" serve --port 0 "$@" >"$log" 2>&1 &
  servers+=($!)
  for _ in $(seq 100); do
    if grep -q "listening on" "$log"; then
      sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log" | head -1
      return
    fi
    sleep 0.1
  done
  echo "serve did not start: $(cat "$log")" >&2
  exit 1
}

# The canonical data set without the Toronto account (the second VPP-token-version-3).
"$bin" fixtures >"$work/canonical.json"
node -e '
  const fs = require("fs");
  const data = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  data.vppAccounts = data.vppAccounts.filter((a) => !a.accountHolderInfo.includes("Toronto"));
  fs.writeFileSync(process.argv[2], JSON.stringify(data));
' "$work/canonical.json" "$work/without-toronto.json"
closed=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')

conformant=$(serve)
without_toronto=$(serve --accounts "$work/without-toronto.json")

cat >"$work/allurerc.json" <<EOF
{
  "name": "vpp-conformance",
  "historyPath": "$work/history.jsonl",
  "plugins": { "awesome": { "options": { "singleFile": true, "reportLanguage": "en", "theme": "light" } } }
}
EOF
# Each build: a run into the results directory, then the report of it with the history so far.
build() {
  local n=$1; shift
  "$bin" run --seed 1 --timeout 5 --label "build=$n" --allure-results "$work/allure-results" -q "$@" || true
  "$allure" generate "$work/allure-results" -o "$work/report-$n" --config "$work/allurerc.json"
}
build 1 --base-url "$conformant"
build 2 --vpp-base-url "http://127.0.0.1:$closed" --uem-base-url "$without_toronto"

# The page draws itself with scripts: give it time before the picture is taken.
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$work/chromium" \
  --virtual-time-budget=10000 --window-size=1400,1250 --screenshot="$work/shot.png" \
  "file://$work/report-2/index.html" >/dev/null 2>&1
mkdir -p "$(dirname "$out")"
cp "$work/shot.png" "$out"
echo "wrote $out ($(wc -c <"$out") bytes) from $work/report-2"
