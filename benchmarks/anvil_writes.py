"""Writes against a real JSON-RPC node (Foundry's anvil from npm, default settings): prints JSON.

- ``anvil_single_write_per_s``: single writes (one issue, then suspend/reinstate in turn) through
  ``Ledger.connect``'s client, each awaiting its receipt (adaptive receipt polling) — target ≥ 50/s;
  ``anvil_single_write_p50_ms`` / ``_p99_ms`` their latencies.
- ``anvil_capped_batch_per_s``: certificates per second through ``issue_many`` on an anvil that
  enforces EIP-7825's per-transaction cap (``--enable-tx-gas-limit``), with ``anvil_capped_batch_chunks``
  the transactions it took.

Usage: ``python -m benchmarks.anvil_writes [--quick] [--writes N] [--batch N] [--max-seconds S]``.
Loops are bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, ReasonCode, Role
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.support.anvil import ANVIL_VERSION, DEV_KEYS, AnvilNode, start_anvil


def _request(number: str) -> CertificateRequest:
    return CertificateRequest(
        number=number,
        programmes=int(Programme.SECURITY),
        roles=int(Role.IMPORTER | Role.EXPORTER),
        sme=False,
        valid_from=1_700_000_000,
        valid_until=None,
        document_hash=b"\x11" * 32,
    )


def _writer(node: AnvilNode, directory: Path) -> Ledger:
    settings = Settings(deployments_dir=directory)
    governance = Ledger.deploy(node.url, signer=Signer.from_key(DEV_KEYS[0]), name="bench", settings=settings)
    writer_key = Signer.from_key(DEV_KEYS[1])
    governance.administrations.register("CR", "Costa Rica", writer_key.address)
    return governance.with_signer(writer_key)


def measure_single_writes(writes: int, max_seconds: float) -> dict[str, Any]:
    """Single writes, one receipt at a time, on an anvil with default settings."""
    with start_anvil() as node, tempfile.TemporaryDirectory() as directory:
        writer = _writer(node, Path(directory))
        certificate = writer.certificates.issue(_request("BENCH-0")).certificate_id
        latencies: list[float] = []
        deadline = time.perf_counter() + max_seconds
        started = time.perf_counter()
        for i in range(writes):
            if time.perf_counter() > deadline:
                break
            begin = time.perf_counter()
            if i % 2 == 0:
                writer.certificates.suspend(certificate, ReasonCode.INVESTIGATION)
            else:
                writer.certificates.reinstate(certificate, ReasonCode.CORRECTIVE_ACTION_COMPLETED)
            latencies.append(time.perf_counter() - begin)
        elapsed = time.perf_counter() - started
        writer.close()
    ordered = sorted(latencies)
    return {
        "anvil_single_writes": len(latencies),
        "anvil_single_write_per_s": round(len(latencies) / elapsed, 1),
        "anvil_single_write_p50_ms": round(statistics.median(ordered) * 1000, 2),
        "anvil_single_write_p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


def measure_capped_batch(count: int) -> dict[str, Any]:
    """``issue_many`` of ``count`` certificates on an anvil enforcing the 2**24 per-transaction cap."""
    with start_anvil("--enable-tx-gas-limit") as node, tempfile.TemporaryDirectory() as directory:
        writer = _writer(node, Path(directory))
        started = time.perf_counter()
        results = writer.certificates.issue_many([_request(f"CAP-{i:06d}") for i in range(count)])
        elapsed = time.perf_counter() - started
        writer.close()
    issued = sum(1 for r in results if r.ok)
    return {
        "anvil_capped_batch_certificates": count,
        "anvil_capped_batch_issued": issued,
        "anvil_capped_batch_chunks": len({r.tx_hash for r in results if r.ok}),
        "anvil_capped_batch_per_s": round(issued / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--writes", type=int, default=None, help="single writes (default 400, quick 40)")
    parser.add_argument("--batch", type=int, default=None, help="certificates of the capped batch (default 2000)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time bound of the single-write loop")
    args = parser.parse_args(argv)
    writes = args.writes or (40 if args.quick else 400)
    batch = args.batch or (500 if args.quick else 2_000)
    result = measure_single_writes(writes, args.max_seconds) | measure_capped_batch(batch)
    result["anvil_version"] = ANVIL_VERSION
    result["quick"] = args.quick
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
