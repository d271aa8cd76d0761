"""Client benchmarks (issue "ledger_client"): prints one JSON object.

- ``batch_issue_per_s``: certificates per second through ``Ledger.certificates.issue_many`` on the
  embedded in-memory chain (chunks of ``--chunk`` certificates, validation and result decoding
  included).
- ``single_write_per_s``: single ``suspend``/``reinstate`` transactions per second through the client.
- ``history_p95_ms``, ``recognition_at_p95_ms``, ``index_sync_events_per_s``: the index's figures
  (see benchmarks/index_bench.py), with ``certificates`` and ``events`` held by the read model.

Usage: ``python -m benchmarks.client [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from eth_utils.crypto import keccak

from benchmarks.index_bench import measure_index_sync, measure_read_latency
from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, ReasonCode, Role


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        result = measure_writes(batch_total=1_000, chunk=500, singles=50)
        result |= measure_index_sync(batches=10, batch_size=100)
        result |= measure_read_latency(certificates=10_000, queries=500)
    else:
        result = measure_writes(batch_total=10_000, chunk=500, singles=400)
        result |= measure_index_sync()
        result |= measure_read_latency()
    result["quick"] = args.quick
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
