"""Client benchmarks (issue "ledger_client"): prints one JSON object.

- ``batch_issue_per_s``: certificates per second through ``Ledger.certificates.issue_many`` on the
  embedded in-memory chain (chunks of ``--chunk`` certificates, validation and result decoding
  included).
- ``single_write_per_s``: single ``suspend``/``reinstate`` transactions per second through the client,
  each awaiting its receipt, on the in-memory chain (instant blocks: one block per transaction at once;
  the earlier target, ≥ 50/s).
- ``realtime_<N>_writers_per_s`` / ``_p50_ms`` / ``_p99_ms`` for N = 1, 8, 64 concurrent writers: the
  same writes (one signer, each writer its own certificate) on the durable embedded node in its default
  ``realtime`` block mode (block time within 2 s of the wall clock; concurrent writes share blocks):
  target ≥ 50 writes/s and p99 ≤ 2.5 s at 64 writers.
- ``history_p95_ms``, ``recognition_at_p95_ms``, ``index_sync_events_per_s``: the index's figures
  (see benchmarks/index_bench.py), with ``certificates`` and ``events`` held by the read model.

Usage: ``python -m benchmarks.client [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from eth_utils.crypto import keccak

from benchmarks.index_bench import measure_index_sync, measure_read_latency
from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, ReasonCode, Role
from ledger_client.settings import Settings

#: Realtime block mode: concurrent writers → writes per writer (full size).
REALTIME_LEVELS = {1: 30, 8: 12, 64: 6}


def _requests(prefix: str, count: int) -> list[CertificateRequest]:
    doc = keccak(text=prefix)
    return [
        CertificateRequest(
            number=f"{prefix}-{i:07d}",
            programmes=int(Programme.SECURITY | Programme.SIMPLIFICATIONS),
            roles=int(Role.IMPORTER | Role.EXPORTER),
            sme=i % 3 == 0,
            valid_from=1_700_000_000,
            valid_until=None,
            document_hash=doc,
        )
        for i in range(count)
    ]


def measure_writes(batch_total: int, chunk: int, singles: int) -> dict[str, Any]:
    """Batch issuance and single-write throughput on a fresh embedded chain."""
    with Ledger.embedded() as ledger:
        cr = ledger.dev_signers()[1]
        ledger.administrations.register("CR", "Costa Rica", cr.address)
        writer = ledger.with_signer(cr)
        writer.certificates.issue_many(_requests("WARM", 10))  # warm code paths and caches
        requests = _requests("CR-AEO", batch_total)
        started = time.perf_counter()
        results = writer.certificates.issue_many(requests, chunk_size=chunk)
        batch_s = time.perf_counter() - started
        ids = [r.certificate_id for r in results if r.ok and r.certificate_id is not None]
        assert len(ids) == batch_total, "every certificate of the batch must land"
        started = time.perf_counter()
        for i in range(singles):
            certificate = ids[i // 2]
            if i % 2 == 0:
                writer.certificates.suspend(certificate, ReasonCode.INVESTIGATION)
            else:
                writer.certificates.reinstate(certificate, ReasonCode.CORRECTIVE_ACTION_COMPLETED)
        single_s = time.perf_counter() - started
    return {
        "batch_issue_per_s": round(batch_total / batch_s, 1),
        "batch_issue_certificates": batch_total,
        "batch_chunk": chunk,
        "single_write_per_s": round(singles / single_s, 1),
        "single_writes": singles,
    }


def measure_realtime_writes(quick: bool) -> dict[str, Any]:
    """Writes/s and latency percentiles of 1, 8 and 64 concurrent writers on realtime blocks."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="aeo-client-bench-") as tmp:
        settings = Settings(block_mode="realtime")
        with Ledger.embedded(data_dir=Path(tmp) / "data", settings=settings) as ledger:
            cr = ledger.dev_signers()[1]
            ledger.administrations.register("CR", "Costa Rica", cr.address)
            writer = ledger.with_signer(cr)
            issued = writer.certificates.issue_many(_requests("CR-RT", max(REALTIME_LEVELS)))
            ids = [r.certificate_id for r in issued if r.certificate_id is not None]
            for writers, per_writer in REALTIME_LEVELS.items():
                count = max(2, per_writer // 3) if quick else per_writer  # even: each ends Active
                latencies: list[float] = []

                def work(index: int, count: int = count, latencies: list[float] = latencies) -> None:
                    for i in range(count):
                        started = time.perf_counter()
                        if i % 2 == 0:
                            writer.certificates.suspend(ids[index], ReasonCode.INVESTIGATION)
                        else:
                            writer.certificates.reinstate(ids[index], ReasonCode.CORRECTIVE_ACTION_COMPLETED)
                        latencies.append(time.perf_counter() - started)

                threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=300)
                elapsed = time.perf_counter() - started
                latencies.sort()
                prefix = f"realtime_{writers}_writers"
                result |= {
                    f"{prefix}_per_s": round(len(latencies) / elapsed, 1),
                    f"{prefix}_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
                    f"{prefix}_p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
                }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        result = measure_writes(batch_total=1_000, chunk=500, singles=50)
        result |= measure_realtime_writes(quick=True)
        result |= measure_index_sync(batches=10, batch_size=100)
        result |= measure_read_latency(certificates=10_000, queries=500)
    else:
        result = measure_writes(batch_total=10_000, chunk=500, singles=400)
        result |= measure_realtime_writes(quick=False)
        result |= measure_index_sync()
        result |= measure_read_latency()
    result["quick"] = args.quick
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
