"""``aeo-ledger restore --from FILE --data-dir DIR``: unpack a gateway backup into an empty directory.

aeo-ledger restore --from /backups/cr-gateway.tar.gz --data-dir /srv/cr-gateway
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--from FILE, --data-dir DIR."""
    parser.add_argument("--from", dest="source", type=Path, required=True, help="the backup file (tar.gz)")
    parser.add_argument("--data-dir", type=Path, required=True, help="the new state directory (absent or empty)")


def run(args: argparse.Namespace) -> int:
    """Restore; every file is checked against the backup's manifest."""
    from api.backup import restore

    report = restore(args.source, args.data_dir)
    print(f"restored {len(report.files)} files into {args.data_dir}")
    print("serve it against the chain's node; the index is rebuilt from the chain at start")
    return 0
