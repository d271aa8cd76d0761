"""``aeo-ledger backup --to FILE``: a gateway's state, while it runs (see :mod:`api.backup`).

aeo-ledger backup --data-dir aeo-data --to /backups/cr-gateway.tar.gz [--include-passwords]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger_client.cli.common import add_chain_arguments, settings_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--to FILE, --include-passwords, the state directory's options."""
    add_chain_arguments(parser)
    parser.add_argument("--to", type=Path, required=True, help="the backup file to write (tar.gz, mode 0600)")
    parser.add_argument(
        "--include-passwords",
        action="store_true",
        help="also copy the keystores' .password files (default: keystores only, still encrypted)",
    )


def run(args: argparse.Namespace) -> int:
    """Back up the tokens, idempotency store, webhook outbox, agency reads, documents and keystores."""
    from api.backup import backup
    from api.config import ApiSettings
    from api.server import effective_settings

    settings = effective_settings(settings_from(args, ApiSettings))
    report = backup(settings, args.to, include_passwords=args.include_passwords)
    print(f"backed up {len(report.files)} files ({sum(report.files.values()):,} bytes) to {args.to}")
    print("the index is not in it: a restored gateway rebuilds it from the chain")
    return 0
