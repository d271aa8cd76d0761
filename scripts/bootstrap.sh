#!/usr/bin/env bash
# Create .venv/ at the repository root and install everything the project needs into it:
# the package with its dev extras (pinned ranges in pyproject.toml) and, for recompiling the
# contracts, the pinned solc-js from package-lock.json, and the pinned anvil (@foundry-rs/anvil, a
# real JSON-RPC node the suite runs against). Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    touch "$stamp"
fi
if command -v npm >/dev/null 2>&1; then
    if [ ! -f node_modules/solc/package.json ] || [ ! -f node_modules/@foundry-rs/anvil/package.json ] \
        || [ ! -f node_modules/@safe-global/safe-contracts/package.json ] \
        || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi
fi
