#!/usr/bin/env bash
# Installs the independent tools the tests cross-check with (openapi-spec-validator and
# Schemathesis read the OpenAPI description in tests/binary/openapi/, junitparser the JUnit XML
# in tests/binary/agreement/) into a virtualenv at target/py-tools/, pinned to
# scripts/python-tools.txt. Idempotent: does nothing when the venv already holds those pins, and
# rebuilds the venv when the pins change. Needs Python 3.11+ with venv, and PyPI.
# Usage: scripts/install-python-tools.sh   (PYTHON=python3.12 to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=target/py-tools
requirements=scripts/python-tools.txt
stamp=$venv/.installed-requirements

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$requirements" "$stamp" \
  && "$venv/bin/python" -c 'import schemathesis, openapi_spec_validator, junitparser' 2>/dev/null; then
  echo "python tools already installed in $venv"
  exit 0
fi

if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  # Debian splits venv (and ensurepip) out of python3.
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  else
    echo "$python -m venv is unavailable: install Python 3.11+ with venv" >&2
    exit 1
  fi
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "$python is $("$python" --version 2>&1); Schemathesis needs Python 3.11+ (set PYTHON=...)" >&2
  exit 1
fi

mkdir -p target
rm -f "$stamp"
"$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c 'import schemathesis, openapi_spec_validator, junitparser'
cp "$requirements" "$stamp"
echo "installed in $venv: $("$venv/bin/st" --version 2>/dev/null | head -n1), openapi-spec-validator $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))'), junitparser $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("junitparser"))')"
