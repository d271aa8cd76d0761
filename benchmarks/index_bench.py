"""Index benchmarks: sync throughput from a real chain, and read latency on a large read model.

Prints one JSON object:

- ``index_sync_events_per_s``: a fresh index syncing a real eth-tester chain (AeoLedger deployed,
  certificates issued in batches, status changes, MRAs, acknowledgements) through the
  in-process log source; decoding and SQLite writes included.
- ``history_p95_ms`` and ``recognition_at_p95_ms``: query latency on an index holding
  ``certificates`` (>= 100,000) and ``events`` (>= 300,000). That store is populated with
  synthetic decoded events through the index's own write path (``Store.commit_blocks``), since
  producing 300,000 events on py-evm would take many minutes.

Usage: ``python -m benchmarks.index_bench [--certificates N] [--sync-batches N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eth_tester import EthereumTester
from web3 import Web3

from ledger_client.events import (
    AdministrationRegistered,
    CertificateIssued,
    CertificateStatusChanged,
    EventRecord,
    LedgerEvent,
    LogPosition,
    MraAccepted,
    MraProposed,
    Terms,
)
from ledger_client.hashing import certificate_id, code_bytes, number_bytes
from ledger_client.index import EthTesterLogSource, Index
from ledger_client.index.schema import connect
from ledger_client.index.sources import BlockHeader
from ledger_client.index.store import Store
from ledger_client.models import CertificateAction, MraStatus
from tests.support.artifacts import deploy_on_tester

DOC = Web3.keccak(text="certificate document")
CODES = ["CR", "PE", "MX", "CO", "CL", "GT", "HN", "SV", "PA", "DO"]
START_TIME = 1_750_000_000


def p95_ms(samples: list[float]) -> float:
    """95th percentile of durations in seconds, as milliseconds."""
    return statistics.quantiles(samples, n=100)[94] * 1000


# --- sync from a real chain ----------------------------------------------------------------------


def _build_chain(batches: int, batch_size: int) -> tuple[EthereumTester, str, int, int]:
    deployed = deploy_on_tester("AeoLedgerHarness")
    tester, accounts, ledger = deployed.tester, deployed.accounts, deployed.contract
    cr, pe = accounts[1], accounts[2]
    ledger.functions.registerAdministration(code_bytes("CR"), "Costa Rica", cr).transact({"from": accounts[0]})
    ledger.functions.registerAdministration(code_bytes("PE"), "Peru", pe).transact({"from": accounts[0]})
    ledger.functions.proposeMra([code_bytes("CR"), code_bytes("PE")], 3, 5, 0, DOC).transact({"from": cr})
    ledger.functions.acceptMra(1).transact({"from": pe})
    for b in range(batches):
        batch = [
            (number_bytes(f"CR-{b}-{i}"), 1 + i % 3, 1 + i % 7, i % 2, 1_700_000_000, 0, DOC) for i in range(batch_size)
        ]
        ledger.functions.issueBatch(batch).transact({"from": cr, "gas": 30_000_000})
    for i in range(20):
        cid = certificate_id("CR", f"CR-0-{i}")
        ledger.functions.suspend(cid, 1).transact({"from": cr})
        ledger.functions.acknowledge(cid, 2).transact({"from": pe})
    return tester, ledger.address, deployed.block_number, batches * batch_size + 44


def measure_index_sync(batches: int = 80, batch_size: int = 100) -> dict[str, Any]:
    """Events per second of a fresh index catching up with a real eth-tester chain."""
    tester, address, start_block, expected = _build_chain(batches, batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        index = Index(Path(tmp) / "sync.sqlite", EthTesterLogSource(tester, address), start_block=start_block)
        began = time.perf_counter()
        report = index.sync()
        elapsed = time.perf_counter() - began
        index.close()
    assert report.events == expected, (report.events, expected)
    return {
        "index_sync_events": report.events,
        "index_sync_seconds": round(elapsed, 3),
        "index_sync_events_per_s": round(report.events / elapsed),
    }


# --- read latency on a large synthetic read model -------------------------------------------------


class _Synth:
    """Generates decoded events block by block (100 events per block, 12 s apart)."""

    def __init__(self) -> None:
        self.block = 0
        self.records: list[EventRecord] = []
        self.headers: list[BlockHeader] = []
        self.rng = random.Random(7)

    def emit(self, event: LedgerEvent) -> None:
        if len(self.records) % 100 == 0:
            self.block += 1
            parent = self.block.to_bytes(32, "big")
            self.headers.append(
                BlockHeader(self.block, (self.block + 1).to_bytes(32, "big"), parent, START_TIME + 12 * self.block)
            )
        header = self.headers[-1]
        position = LogPosition(
            header.number,
            header.hash,
            header.timestamp,
            self.rng.randbytes(32),
            0,
            len(self.records) % 100,
            "0x" + "11" * 20,
        )
        self.records.append(EventRecord(position, event))

    def drain(self) -> Iterator[tuple[list[EventRecord], list[BlockHeader]]]:
        yield self.records, self.headers
        self.records, self.headers = [], []


def populate(path: Path, certificates: int) -> tuple[list[bytes], int, int]:
    """Fill an index database with administrations, MRAs, ``certificates`` and ~3 events each."""
    store = Store(connect(path))
    store.bind("0x" + "00" * 20, 1, None)
    synth = _Synth()
    head = b"\x01" * 16
    for code in CODES:
        synth.emit(AdministrationRegistered(code, f"Administration {code}", "0x" + "22" * 20))
    mra_id = 0
    for i, a in enumerate(CODES):
        for b in CODES[i + 1 :]:
            mra_id += 1
            synth.emit(MraProposed(mra_id, a, (a, b), 1 + mra_id % 3, 0x7F, 0, DOC, b"\x02" * 32))
            synth.emit(MraAccepted(mra_id, b, 2, MraStatus.ACTIVE, b"\x03" * 32))
    ids: list[bytes] = []
    events = 0
    for n in range(certificates):
        code = CODES[n % len(CODES)]
        cid = certificate_id(code, f"{code}-{n:07d}")
        ids.append(cid)
        synth.emit(
            CertificateIssued(
                cid,
                code,
                f"{code}-{n:07d}",
                Terms(1 + n % 3, 1 + n % 11, n % 2, START_TIME, 0 if n % 4 else START_TIME + 10**8),
                DOC,
                head,
            )
        )
    rng = random.Random(11)
    for round_ in range(2):
        for cid in ids:
            action = CertificateAction.SUSPENDED if round_ == 0 else CertificateAction.REINSTATED
            if rng.random() < 0.05:
                action = CertificateAction.REVOKED if round_ == 1 else action
            synth.emit(CertificateStatusChanged(cid, cid[:2].decode(), action, 2 + round_, 1, head))
            if len(synth.records) >= 20_000:
                events += _commit(store, synth)
        events += _commit(store, synth)
    events += _commit(store, synth)
    return ids, events + 0, synth.block


def _commit(store: Store, synth: _Synth) -> int:
    count = 0
    for records, headers in synth.drain():
        if records:
            store.commit_blocks(records, headers[:-1], headers[-1])
            count += len(records)
    return count


def measure_read_latency(certificates: int = 100_000, queries: int = 3_000) -> dict[str, Any]:
    """p95 of ``history`` and ``recognition_at`` on a large index."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.sqlite"
        began = time.perf_counter()
        ids, _, last_block = populate(path, certificates)
        populate_s = time.perf_counter() - began
        with Index(path, _NoChain(), start_block=1) as index:
            reader = index.reader
            totals = reader.execute(
                "SELECT (SELECT COUNT(*) FROM certificates), (SELECT COUNT(*) FROM"
                " certificate_events) + (SELECT COUNT(*) FROM mra_events) +"
                " (SELECT COUNT(*) FROM administration_events)"
            )[0]
            rng = random.Random(3)
            history: list[float] = []
            recognition: list[float] = []
            recognised = 0
            for _ in range(queries):
                cid = rng.choice(ids)
                began = time.perf_counter()
                page = index.history(cid, limit=50)
                history.append(time.perf_counter() - began)
                assert page.items
                partner = rng.choice(CODES)
                at = START_TIME + 12 * rng.randint(1, last_block)
                began = time.perf_counter()
                recognised += index.recognition_at(cid, partner, at).recognised
                recognition.append(time.perf_counter() - began)
    return {
        "certificates": int(totals[0]),
        "events": int(totals[1]),
        "populate_events_per_s": round(int(totals[1]) / populate_s),
        "history_p95_ms": round(p95_ms(history), 3),
        "recognition_at_p95_ms": round(p95_ms(recognition), 3),
        "recognition_at_recognised_share": round(recognised / queries, 3),
    }


class _NoChain:
    """A log source for an index that only answers queries (never synced)."""

    address = "0x" + "00" * 20

    def head(self) -> int:
        return 0

    def header(self, number: int) -> BlockHeader | None:
        return None

    def read(self, from_block: int, to_block: int, topics: Any = ()) -> list[Any]:
        return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--sync-batches", type=int, default=80)
    args = parser.parse_args()
    result = measure_index_sync(batches=args.sync_batches)
    result.update(measure_read_latency(certificates=args.certificates))
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
