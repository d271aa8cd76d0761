"""``aeo-ledger import --admin CR FILE``: bulk import of a national AEO registry (CSV, JSON, JSONL).

The file format is documented in :mod:`ledger_client.importer`. Rows are issued in batched
transactions with a progress line; an interrupted import resumes where it stopped; each bad row
is reported with its line and reason while the good rows land. Exit status 1 when any row failed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import ledger_client.importer
from ledger_client.cli.common import DEFAULT_DATA_DIR, add_chain_arguments, open_ledger, settings_from
from ledger_client.importer import ImportProgress, TextProgress, checkpoint_path, run_import
from ledger_client.settings import Settings


def input_format() -> str:
    """The file format (columns, CSV example) as documented in :mod:`ledger_client.importer`: one text for both."""
    doc = ledger_client.importer.__doc__ or ""
    _, _, rest = doc.partition("Input format\n============\n")
    text, _, _ = rest.partition("\nBehaviour\n")
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?(\w+)`", r"\1", text)  # :class:`~a.b.Name` -> Name
    return "input format:\n" + text.replace("``", "").replace("::", ":").strip("\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Administration, file, batch size; the file's columns in the epilog."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = input_format()
    add_chain_arguments(parser)
    parser.add_argument("--admin", required=True, help="ISO alpha-2 code of the issuing administration")
    parser.add_argument("file", type=Path, help="registry file: .csv, .json (array) or .jsonl")
    parser.add_argument("--batch-size", type=int, default=None, help="certificates per transaction")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


class _Watch:
    """Forwards progress to the bar (unless quiet) and keeps the latest, to say where an interruption stopped."""

    def __init__(self, bar: TextProgress | None) -> None:
        self.bar = bar
        self.last: ImportProgress | None = None

    def __call__(self, state: ImportProgress) -> None:
        self.last = state
        if self.bar is not None:
            self.bar(state)


def interrupted(last: ImportProgress | None, checkpoint: Path) -> str:
    """What a person reads after Ctrl-C: where the import stopped and how to resume."""
    if last is None:
        where = "before any record was settled"
    else:
        where = (
            f"after {last.processed} of {last.total} records "
            f"({last.landed} landed, {last.skipped} already on the ledger, {last.errors} rejected)"
        )
    return (
        f"aeo-ledger import: interrupted {where}.\n"
        f"  Every batch that landed is recorded in {checkpoint}.\n"
        "  Run the same aeo-ledger import command again to resume: landed records are skipped (never sent "
        "twice) and a batch that was in flight is looked up on the chain."
    )


def run(args: argparse.Namespace) -> int:
    """Import and print the report; on Ctrl-C say where it stopped and that a rerun resumes (exit 130)."""
    settings = settings_from(args, Settings)
    data_dir = settings.data_dir or DEFAULT_DATA_DIR
    code = args.admin.strip().upper()
    watch = _Watch(None if args.quiet else TextProgress(sys.stderr))
    try:
        with open_ledger(settings) as ledger:
            report = run_import(ledger, code, args.file, data_dir=data_dir, batch_size=args.batch_size, progress=watch)
    except KeyboardInterrupt:
        if watch.bar is not None:
            watch.bar.close()
        print(interrupted(watch.last, checkpoint_path(data_dir, code, args.file)), file=sys.stderr)
        return 130
    print(report.summary())
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 0 if not report.errors else 1
