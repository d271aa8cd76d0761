"""``aeo-ledger import --admin CR FILE``: bulk import of a national AEO registry (CSV, JSON, JSONL).

The file format is documented in :mod:`ledger_client.importer`. Rows are issued in batched
transactions with a progress line; an interrupted import resumes where it stopped; each bad row
is reported with its line and reason while the good rows land. Exit status 1 when any row failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ledger_client.cli.common import DEFAULT_DATA_DIR, add_chain_arguments, open_ledger, settings_from
from ledger_client.importer import TextProgress, run_import
from ledger_client.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Administration, file, batch size."""
    add_chain_arguments(parser)
    parser.add_argument("--admin", required=True, help="ISO alpha-2 code of the issuing administration")
    parser.add_argument("file", type=Path, help="registry file: .csv, .json (array) or .jsonl")
    parser.add_argument("--batch-size", type=int, default=None, help="certificates per transaction")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def run(args: argparse.Namespace) -> int:
    """Import and print the report."""
    settings = settings_from(args, Settings)
    data_dir = settings.data_dir or DEFAULT_DATA_DIR
    with open_ledger(settings) as ledger:
        report = run_import(
            ledger,
            args.admin.upper(),
            args.file,
            data_dir=data_dir,
            batch_size=args.batch_size,
            progress=None if args.quiet else TextProgress(sys.stderr),
        )
    print(report.summary())
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 0 if not report.errors else 1
