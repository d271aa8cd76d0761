#!/usr/bin/env bash
# The README's demo command: installs everything into .venv/, then runs `aeo-ledger demo`
# (durable embedded chain in ./aeo-data, seeded once, API on http://127.0.0.1:8000).
# Extra arguments go to `aeo-ledger demo` (e.g. --port 8080, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export ETH_HASH_BACKEND=pysha3
exec .venv/bin/aeo-ledger demo "$@"
