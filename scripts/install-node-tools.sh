#!/usr/bin/env bash
# Installs the readers the tests check the suite's counts with into target/node-tools/, exactly as
# scripts/node-tools/package-lock.json pins them (`npm ci`): node_modules stays out of the tree.
# multiple-cucumber-html-reporter reads the Cucumber JSON (tests/binary/agreement/); allure
# (Allure Report 3, target/node-tools/node_modules/.bin/allure) reads the Allure results and
# builds its report and history from them (tests/binary/allure/).
# Idempotent: does nothing when target/node-tools already holds that lock, and reinstalls when it
# changes. Needs node and npm (Debian's nodejs and npm will do: .ci/run installs them if missing),
# and the npm registry.
# Usage: scripts/install-node-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

src=scripts/node-tools
dest=target/node-tools
stamp=$dest/.installed-lock

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is required (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
done

# Both load: the reporter as a module, allure as its command (an ES module, so it is run).
check() {
  (cd "$dest" && node -e 'require("multiple-cucumber-html-reporter")' \
    && node_modules/.bin/allure --version) >/dev/null 2>&1
}

if [ -f "$stamp" ] && cmp -s "$src/package-lock.json" "$stamp" && cmp -s "$src/package.json" "$dest/package.json" \
  && check; then
  echo "node tools already installed in $dest"
  exit 0
fi

mkdir -p "$dest"
rm -f "$stamp"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
if ! check; then
  echo "multiple-cucumber-html-reporter or allure does not load from $dest" >&2
  exit 1
fi
cp "$src/package-lock.json" "$stamp"
echo "installed in $dest: multiple-cucumber-html-reporter $(cd "$dest" && node -p 'require("multiple-cucumber-html-reporter/package.json").version'), allure $("$dest/node_modules/.bin/allure" --version), node $(node --version)"
