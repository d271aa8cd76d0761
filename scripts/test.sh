#!/usr/bin/env bash
# The README's test command: installs everything into .venv/ and runs the whole suite —
# contract artifacts rebuilt and compared byte for byte, ruff, mypy --strict, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export ETH_HASH_BACKEND=pysha3

echo "== contracts: recompile and compare with the committed artifacts"
.venv/bin/python scripts/compile.py --check
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest -n 2 "$@"
