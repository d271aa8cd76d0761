"""Benchmark of ``aeo-ledger import``: prints ONE JSON object.

Keys: ``import_certificates_per_s`` (end to end: read the CSV, validate every row, build and hash
each certificate document, issue in batched transactions, store the documents, checkpoint; on
the embedded chain), ``issue_many_certificates_per_s`` (rows over the wall time during which at
least one batch's ``certificates.issue_many`` ran, i.e. the chain; the importer keeps batches in
flight while it prepares the next ones), ``importer_overhead_ms_per_row`` (the rest: time when no
batch was on its way),
``resume_noop_s`` (running the finished import again: every row skipped, nothing sent), plus the
parameters. Target: ``import_certificates_per_s`` >= 800.

Usage: ``ETH_HASH_BACKEND=pysha3 .venv/bin/python benchmarks/import_bench.py [--rows 5000]
[--batch-size N] [--format csv|json|jsonl] [--chain durable|memory]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger_client.certificates import Certificates, Issuable  # noqa: E402
from ledger_client.demo.generator import issuer_documents  # noqa: E402
from ledger_client.importer import record_of, run_import, write_records  # noqa: E402
from ledger_client.ledger import Ledger  # noqa: E402
from ledger_client.results import BatchItemResult  # noqa: E402

TARGET_PER_S = 800


def _timed_issue_many(spent: list[float]) -> None:
    """Accumulate into ``spent[0]`` the wall time during which at least one ``Certificates.issue_many`` ran.

    The importer keeps several batches in flight at once (its pipeline), so the calls overlap: the
    sum of their durations would count the overlap twice and exceed the import's whole time.
    """
    original = Certificates.issue_many
    lock = threading.Lock()
    state = {"running": 0, "since": 0.0}

    def issue_many(self: Certificates, certificates: Sequence[Issuable], **kwargs: Any) -> list[BatchItemResult]:
        with lock:
            if state["running"] == 0:
                state["since"] = time.perf_counter()
            state["running"] += 1
        try:
            return original(self, certificates, **kwargs)
        finally:
            with lock:
                state["running"] -= 1
                if state["running"] == 0:
                    spent[0] += time.perf_counter() - state["since"]

    Certificates.issue_many = issue_many  # type: ignore[method-assign]


def run(rows: int, batch_size: int | None, file_format: str, chain: str) -> dict[str, Any]:
    """Generate a registry of ``rows`` records, import it, and measure."""
    with tempfile.TemporaryDirectory(prefix="aeo-import-bench-") as scratch:
        data_dir = Path(scratch) / "data"
        records = [record_of(d) for d in issuer_documents("CR", rows, seed=2025, today=date(2025, 9, 1))]
        path = write_records(Path(scratch) / f"registry.{file_format}", records)
        ledger = Ledger.embedded(data_dir=data_dir) if chain == "durable" else Ledger.embedded()
        with ledger:
            signer = ledger.dev_signers()[1]
            ledger.administrations.register("CR", "Costa Rica", signer.address)
            costa_rica = ledger.with_signer(signer)
            spent = [0.0]
            _timed_issue_many(spent)
            started = time.perf_counter()
            report = run_import(costa_rica, "CR", path, data_dir=data_dir, batch_size=batch_size)
            elapsed = time.perf_counter() - started
            if report.errors or len(report.landed) != rows:
                raise SystemExit(f"benchmark import failed: {report.summary()}; first errors {report.errors[:3]}")
            started = time.perf_counter()
            again = run_import(costa_rica, "CR", path, data_dir=data_dir, batch_size=batch_size)
            resume = time.perf_counter() - started
            if len(again.skipped) != rows or again.landed:
                raise SystemExit(f"re-running the finished import did not skip every row: {again.summary()}")
    per_s = rows / elapsed
    return {
        "import_certificates_per_s": round(per_s, 1),
        "target_per_s": TARGET_PER_S,
        "meets_target": per_s >= TARGET_PER_S,
        "rows": rows,
        "elapsed_s": round(elapsed, 3),
        "batches": report.batches,
        "issue_many_certificates_per_s": round(rows / spent[0], 1) if spent[0] else None,
        "importer_overhead_ms_per_row": round((elapsed - spent[0]) / rows * 1000, 3),
        "resume_noop_s": round(resume, 3),
        "format": file_format,
        "chain": chain,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the flags, run, print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000, help="records in the generated registry (default 5000)")
    parser.add_argument("--batch-size", type=int, default=None, help="certificates per transaction (default: max)")
    parser.add_argument("--format", choices=("csv", "json", "jsonl"), default="csv")
    parser.add_argument("--chain", choices=("durable", "memory"), default="durable", help="embedded chain kind")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rows, args.batch_size, args.format, args.chain)))


if __name__ == "__main__":
    main()
