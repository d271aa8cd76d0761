"""The auditor re-reads histories from the chain and names missing, reordered and altered events;
it verifies the index against the chain and exports history reports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ledger_client.audit import Auditor, FindingKind
from ledger_client.errors import AuditError
from ledger_client.events import topic_of
from ledger_client.index import BlockLogs, EthTesterLogSource, FilteredLogSource, Index, RawLog, RpcLogSource
from tests.support.harness_chain import DOC, Chain

Transform = Callable[[list[BlockLogs]], list[BlockLogs]]


def _auditor(chain: Chain, transform: Transform | None = None) -> Auditor:
    source = EthTesterLogSource(chain.tester, chain.ledger.address)
    if transform is not None:
        return Auditor(
            chain.w3, chain.ledger.address, start_block=chain.start_block, source=FilteredLogSource(source, transform)
        )
    return Auditor(chain.w3, chain.ledger.address, start_block=chain.start_block, source=source)


def _map_logs(fn: Callable[[list[RawLog]], list[RawLog]]) -> Transform:
    """Apply ``fn`` to the flat list of logs, then regroup them per block in the new order."""

    def transform(blocks: list[BlockLogs]) -> list[BlockLogs]:
        headers = {b.header.number: b for b in blocks}
        out: list[BlockLogs] = []
        for log in fn([log for b in blocks for log in b.logs]):
            block = headers[log.block_number]
            out.append(BlockLogs(block.header, (log,), block.senders))
        return out

    return transform


def _history(chain: Chain) -> bytes:
    cid = chain.issue("CR", "CR-AUDIT")
    chain.tx("CR", "suspend", cid, 3)
    chain.tx("CR", "reinstate", cid, 9)
    chain.tx("CR", "renew", cid, 1_800_000_000, 0, b"\x11" * 32)
    chain.tx("CR", "revoke", cid, 1)
    return cid


def test_an_intact_history_verifies(fresh: Chain) -> None:
    cid = _history(fresh)
    audit = _auditor(fresh).audit_certificate(cid)
    assert audit.ok
    assert audit.events_read == 5
    assert audit.onchain_event_count == 5
    rpc = Auditor(
        fresh.w3,
        fresh.ledger.address,
        start_block=fresh.start_block,
        source=RpcLogSource(fresh.w3, fresh.ledger.address),
    )
    assert rpc.audit_certificate(cid).ok
    with pytest.raises(AuditError):
        _auditor(fresh).audit_certificate(b"CR" + b"\x00" * 30)


def test_a_dropped_event_is_named(fresh: Chain) -> None:
    cid = _history(fresh)
    drop_third = _map_logs(lambda logs: logs[:2] + logs[3:])
    audit = _auditor(fresh, drop_third).audit_certificate(cid)
    assert not audit.ok
    assert [f.sequence for f in audit.of_kind(FindingKind.MISSING)] == [3]
    assert audit.of_kind(FindingKind.HEAD_MISMATCH)
    assert not audit.of_kind(FindingKind.ALTERED)  # the events around the gap are themselves intact


def test_a_dropped_last_event_is_named(fresh: Chain) -> None:
    cid = _history(fresh)
    audit = _auditor(fresh, _map_logs(lambda logs: logs[:-1])).audit_certificate(cid)
    assert [(f.kind, f.sequence) for f in audit.findings] == [
        (FindingKind.MISSING, 5),
        (FindingKind.HEAD_MISMATCH, None),
    ]


def test_an_altered_event_is_named(fresh: Chain) -> None:
    cid = _history(fresh)

    def alter_reason(logs: list[RawLog]) -> list[RawLog]:
        suspended = topic_of("CertificateSuspended")
        return [
            replace(log, data=log.data[:32] + (7).to_bytes(32, "big") + log.data[64:])
            if log.topics[0] == suspended
            else log
            for log in logs
        ]

    audit = _auditor(fresh, _map_logs(alter_reason)).audit_certificate(cid)
    altered = audit.of_kind(FindingKind.ALTERED)
    assert [f.sequence for f in altered] == [2]
    assert "suspended" in altered[0].detail
    assert altered[0].tx_hash is not None
    assert not audit.of_kind(FindingKind.MISSING)


def test_reordered_events_are_named(fresh: Chain) -> None:
    cid = _history(fresh)
    swap = _map_logs(lambda logs: [logs[0], logs[2], logs[1], *logs[3:]])
    audit = _auditor(fresh, swap).audit_certificate(cid)
    assert [f.sequence for f in audit.of_kind(FindingKind.REORDERED)] == [2]
    assert not audit.of_kind(FindingKind.MISSING)


def test_mra_audit(fresh: Chain) -> None:
    mra = fresh.mra(["CR", "PE", "MX"])
    fresh.tx("PE", "suspendMra", mra, 2)
    fresh.tx("MX", "resumeMra", mra)
    assert _auditor(fresh).audit_mra(mra).ok
    audit = _auditor(
        fresh, _map_logs(lambda logs: [log for log in logs if log.topics[0] != topic_of("MraSuspended")])
    ).audit_mra(mra)
    assert [f.sequence for f in audit.of_kind(FindingKind.MISSING)] == [4]


def test_verify_index_catches_tampered_and_missing_rows(fresh: Chain, index: Index) -> None:
    cid = _history(fresh)
    other = fresh.issue("PE", "PE-1")
    fresh.mra(["CR", "PE"])
    index.sync()
    auditor = _auditor(fresh)
    assert auditor.verify_index(index.reader).ok

    with sqlite3.connect(index.path) as tamper:
        tamper.execute("UPDATE certificate_events SET reason_code = 4 WHERE id = ? AND sequence = 2", (cid,))
        tamper.execute("UPDATE certificates SET status = 1 WHERE id = ?", (cid,))
        tamper.execute("UPDATE mras SET roles = 255")
        tamper.execute("UPDATE administrations SET frozen = 1 WHERE code = 'MX'")
    result = auditor.verify_index(index.reader)
    found = {(m.table, m.key, m.field) for m in result.mismatches}
    key = "0x" + cid.hex()
    assert ("certificate_events", f"{key}#2", "head") in found
    assert ("certificates", key, "status") in found
    assert ("mras", "1", "roles") in found
    assert ("administrations", "MX", "frozen") in found

    with sqlite3.connect(index.path) as tamper:
        tamper.execute("DELETE FROM certificates WHERE id = ?", (other,))
    result = auditor.verify_index(index.reader)
    assert ("certificates", "0x" + other.hex(), "row") in {(m.table, m.key, m.field) for m in result.mismatches}
    sampled = auditor.verify_index(index.reader, sample=1, seed=1)
    assert sampled.certificates_checked == 1


def test_history_report_json_and_csv(fresh: Chain) -> None:
    cid = _history(fresh)
    report = _auditor(fresh).history_report(cid)
    assert report.verified
    assert len(report.entries) == 5
    data = json.loads(report.to_json())
    assert data["certificate_id"] == "0x" + cid.hex()
    assert data["verified"] is True
    first, second, *_, renewed, revoked = data["events"]
    assert first["action"] == "ISSUED"
    # The API's vocabulary: names for masks, statuses and reasons; ISO 8601 UTC instants.
    assert first["change"] == {
        "number": "CR-AUDIT",
        "programmes": ["SECURITY", "SIMPLIFICATIONS"],
        "roles": ["IMPORTER", "CARRIER"],
        "sme": False,
        "valid_from": "2023-11-14T22:13:20Z",
        "valid_until": None,
        "document_hash": "0x" + DOC.hex(),
    }
    assert second["change"] == {"status": ["ACTIVE", "SUSPENDED"], "reason": "INVESTIGATION", "reason_code": 3}
    assert renewed["change"]["valid_from"] == ["2023-11-14T22:13:20Z", "2027-01-15T08:00:00Z"]
    assert revoked["status"] == "REVOKED"
    assert revoked["signer"] == fresh.signers["CR"]
    for event, entry in zip(data["events"], report.entries, strict=True):
        assert event["head_verified"]
        assert event["tx_hash"].startswith("0x")
        assert event["block_timestamp"] == entry.block_time > 0  # the raw value beside
        assert datetime.fromisoformat(event["block_time"]) == datetime.fromtimestamp(entry.block_time, UTC)
        assert event["block_time"].endswith("Z")
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [int(r["sequence"]) for r in rows] == [1, 2, 3, 4, 5]
    assert [r["block_time"] for r in rows] == [e["block_time"] for e in data["events"]]
    assert [int(r["block_timestamp"]) for r in rows] == [e.block_time for e in report.entries]
    assert json.loads(rows[1]["change"])["reason"] == "INVESTIGATION"
    assert json.loads(rows[0]["change"])["programmes"] == ["SECURITY", "SIMPLIFICATIONS"]

    tampered = _auditor(fresh, _map_logs(lambda logs: logs[:1] + logs[2:])).history_report(cid)
    assert not tampered.verified
