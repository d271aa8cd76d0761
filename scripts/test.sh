#!/usr/bin/env bash
# The README's test command: installs everything into .venv/ and runs the whole suite —
# contract artifacts rebuilt and compared byte for byte, ruff, mypy --strict, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export ETH_HASH_BACKEND=pysha3

# The console's browser tests drive Debian's chromium (Playwright never downloads a browser).
if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (browser tests)"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    fi
fi

echo "== contracts: recompile and compare with the committed artifacts"
.venv/bin/python scripts/compile.py --check
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest -n 2 "$@"
