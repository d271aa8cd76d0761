"""Webhook benchmark: prints one JSON object.

- ``webhook_delivery_p99_ms``: from the POST of a status change (suspend / reinstate by CR's writer)
  to the signed webhook arriving, verified, at a local receiver registered by PE (CR's MRA partner),
  ``--changes`` changes sent at ``--rate`` per second (target ≤ 500 ms). ``webhook_after_answer_*``:
  the part of it after the POST was answered (the write itself waits for its block to be indexed). The server is
  ``aeo-ledger serve`` in its own process on an embedded durable chain; the receiver is
  :class:`ledger_client.webhooks.receiver.Receiver` in this process, on loopback.

Usage: ``python -m benchmarks.webhooks [--changes 200 --rate 2]`` (``--quick``: 20 changes at 10/s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.api import Server

DOC_HASH = "0x" + "ab" * 32
DEADLINE_S = 600.0
WAIT_S = 10.0


def prepare(data_dir: Path) -> dict[str, str]:
    """CR and PE with an MRA in force, CR's keystore, a writer token each; return the tokens."""
    from api.signers import SignerRegistry
    from api.tokens import TokenStore
    from ledger_client.ledger import Ledger

    with Ledger.embedded(data_dir=data_dir) as ledger:
        dev = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", dev[1].address)
        ledger.administrations.register("PE", "Peru", dev[2].address)
        SignerRegistry(data_dir / "keystores").save("CR", dev[1], "benchmark-password")
        mra = ledger.with_signer(dev[1]).mras.propose(["CR", "PE"], 3, 0x1FF, 0, "0x" + "22" * 32)
        ledger.with_signer(dev[2]).mras.accept(mra.mra_id)
    store = TokenStore(data_dir / "tokens.sqlite")
    try:
        return {code: store.create("writer", code, "benchmark")[1] for code in ("CR", "PE")}
    finally:
        store.close()


def percentile(samples: list[float], q: int) -> float:
    """The ``q``-th percentile (1..99) of ``samples`` (seconds) in milliseconds."""
    if len(samples) == 1:
        return samples[0] * 1000
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] * 1000


def run(changes: int, rate: float) -> dict[str, Any]:
    """Measure ``changes`` status changes at ``rate`` per second."""
    from ledger_client.webhooks import new_secret
    from ledger_client.webhooks.receiver import Receiver

    with tempfile.TemporaryDirectory(prefix="aeo-webhooks-bench-") as tmp:
        data = Path(tmp) / "data"
        tokens = prepare(data)
        server = Server(data)
        secret = new_secret()
        latencies: list[float] = []
        after_answer: list[float] = []
        missing = 0
        try:
            with Receiver([secret]) as receiver, httpx.Client(base_url=server.url, timeout=30) as client:
                cr = {"Authorization": f"Bearer {tokens['CR']}"}
                pe = {"Authorization": f"Bearer {tokens['PE']}"}
                registered = client.post(
                    "/v1/webhooks/endpoints", headers=pe, json={"url": receiver.url, "secret": secret}
                )
                registered.raise_for_status()
                issue = {
                    "number": "CR-WH-BENCH-1",
                    "programmes": ["SECURITY"],
                    "roles": ["IMPORTER"],
                    "sme": False,
                    "valid_from": "2024-01-01T00:00:00Z",
                    "valid_until": None,
                    "document_hash": DOC_HASH,
                }
                created = client.post("/v1/certificates", headers=cr, json=issue)
                created.raise_for_status()
                cid = created.json()["certificate"]["id"]
                if not receiver.wait_for({f"ce_{cid[2:]}_1"}, WAIT_S):
                    raise RuntimeError("the first webhook never arrived")
                deadline = time.monotonic() + DEADLINE_S
                for i in range(changes):
                    if time.monotonic() > deadline:
                        break
                    started = time.monotonic()
                    if i % 2 == 0:
                        response = client.post(f"/v1/certificates/{cid}/suspend", headers=cr, json={"reason": 1})
                    else:
                        response = client.post(f"/v1/certificates/{cid}/reinstate", headers=cr, json={})
                    response.raise_for_status()
                    answered = time.monotonic()
                    message_id = f"ce_{cid[2:]}_{i + 2}"
                    if receiver.wait_for({message_id}, WAIT_S):
                        arrived = receiver.accepted[message_id].arrived
                        latencies.append(arrived - started)
                        after_answer.append(max(0.0, arrived - answered))
                    else:
                        missing += 1
                    time.sleep(max(0.0, started + 1 / rate - time.monotonic()))
                unverified = sum(not r.verified for r in receiver.requests)
        finally:
            server.stop()
    if not latencies:
        raise RuntimeError("no webhook arrived")
    return {
        "webhook_delivery_p99_ms": round(percentile(latencies, 99), 2),
        "webhook_delivery_p50_ms": round(percentile(latencies, 50), 2),
        "webhook_delivery_max_ms": round(max(latencies) * 1000, 2),
        "webhook_after_answer_p50_ms": round(percentile(after_answer, 50), 2),
        "webhook_after_answer_p99_ms": round(percentile(after_answer, 99), 2),
        "webhook_changes": len(latencies) + missing,
        "webhook_missing": missing,
        "webhook_unverified": unverified,
        "webhook_rate_per_s": rate,
        "webhook_chain": "durable",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--changes", type=int, default=200, help="status changes to send (bounded)")
    parser.add_argument("--rate", type=float, default=2.0, help="status changes per second")
    parser.add_argument("--quick", action="store_true", help="smoke size: 20 changes at 10 per second")
    args = parser.parse_args(argv)
    changes, rate = (20, 10.0) if args.quick else (max(1, min(args.changes, 10_000)), max(0.1, args.rate))
    print(json.dumps(run(changes, rate), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
