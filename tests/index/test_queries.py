"""Queries: pagination, status and recognition at a time, inbox, feed and KPIs."""

from __future__ import annotations

import pytest

from ledger_client.errors import InvalidCursorError, LedgerValueError
from ledger_client.hashing import code_bytes
from ledger_client.index import Index
from ledger_client.models import CertificateStatus, Programme, Role
from tests.support.harness_chain import Chain


def test_pagination_with_filters(fresh: Chain, index: Index) -> None:
    for i in range(7):
        fresh.issue("CR", f"CR-P{i}", programmes=1 if i % 2 else 2, roles=1 << (i % 3), flags=i % 2)
    for i in range(3):
        fresh.issue("PE", f"PE-P{i}")
    index.sync()
    seen: list[bytes] = []
    cursor = None
    while True:
        page = index.certificates(issuer="CR", limit=3, cursor=cursor)
        seen += [c.id for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 7
    assert seen == sorted(seen)
    assert len(index.certificates(programme=Programme.SECURITY).items) == 3 + 3
    assert len(index.certificates(programme=Programme.SIMPLIFICATIONS, issuer="CR").items) == 4
    assert len(index.certificates(role=Role.CARRIER, issuer="CR").items) == 2
    assert len(index.certificates(sme=True).items) == 3
    assert len(index.certificates(status=CertificateStatus.ACTIVE).items) == 10
    assert len(index.certificates(programme=Programme.SECURITY, role=Role.IMPORTER, sme=True).items) == 1
    two = index.certificates(programme=Programme.SECURITY, limit=2)
    rest = index.certificates(programme=Programme.SECURITY, cursor=two.next_cursor)
    assert len(two.items) + len(rest.items) == 6
    assert rest.next_cursor is None
    with pytest.raises(InvalidCursorError):
        index.certificates(cursor="garbage!")
    with pytest.raises(InvalidCursorError):
        index.history(seen[0], cursor=two.next_cursor)  # a cursor of another query
    with pytest.raises(LedgerValueError):
        index.certificates(programme=3)


def test_history_is_paged(fresh: Chain, index: Index) -> None:
    cid = fresh.issue("CR", "CR-H")
    for _ in range(4):
        fresh.tx("CR", "suspend", cid, 1)
        fresh.tx("CR", "reinstate", cid, 9)
    index.sync()
    first = index.history(cid, limit=4)
    second = index.history(cid, cursor=first.next_cursor, limit=4)
    third = index.history(cid, cursor=second.next_cursor, limit=4)
    assert [e.sequence for e in first.items + second.items + third.items] == list(range(1, 10))
    assert third.next_cursor is None


def test_status_and_recognition_at_a_time(fresh: Chain, index: Index) -> None:
    now = fresh.time()
    cid = fresh.issue("CR", "CR-T", programmes=3, roles=5, valid_from=now - 1000, valid_until=now + 100_000)
    t_issued = fresh.time()
    fresh.tester.time_travel(t_issued + 100)
    mra = fresh.mra(["CR", "PE"], programmes=1, roles=4)  # AEO-S for carriers only
    t_live = fresh.time()
    fresh.tester.time_travel(t_live + 100)
    fresh.tx("CR", "suspend", cid, 3)
    t_suspended = fresh.time()
    fresh.tester.time_travel(t_suspended + 100)
    fresh.tx("CR", "reinstate", cid, 9)
    t_reinstated = fresh.time()
    fresh.tester.time_travel(t_reinstated + 100)
    fresh.tx("PE", "suspendMra", mra, 1)
    t_mra_suspended = fresh.time()
    fresh.tester.time_travel(t_mra_suspended + 100)
    fresh.tx("CR", "resumeMra", mra)
    t_resumed = fresh.time()
    index.sync()

    assert index.status_at(cid, t_issued - 1).status == CertificateStatus.NONE
    assert index.status_at(cid, t_issued).status == CertificateStatus.ACTIVE
    assert index.status_at(cid, t_suspended + 50).status == CertificateStatus.SUSPENDED
    assert index.status_at(cid, t_suspended + 50).sequence == 2
    assert index.status_at(cid, t_reinstated).valid

    def recognised(at: int) -> tuple[bool, int, int]:
        r = index.recognition_at(cid, "PE", at)
        return r.recognised, r.programmes, r.mra_id

    assert recognised(t_issued + 50) == (False, 0, 0)  # no MRA yet
    assert recognised(t_live) == (True, 1, mra)  # only the overlap of programmes
    assert recognised(t_suspended + 50) == (False, 0, 0)  # certificate suspended
    assert recognised(t_reinstated + 50) == (True, 1, mra)
    assert recognised(t_mra_suspended + 50) == (False, 0, 0)  # MRA suspended
    assert recognised(t_resumed) == (True, 1, mra)
    assert index.recognition_at(cid, "CR", t_resumed).recognised is False  # never by the issuer
    assert index.recognition_at(cid, "MX", t_resumed).recognised is False  # no MRA

    # For times at or after the last event, the index agrees with the on-chain view under setTime.
    for at in (t_resumed, t_resumed + 50_000, now + 100_000, now + 100_001):
        fresh.ledger.functions.setTime(at).transact({"from": fresh.governance})
        onchain = fresh.ledger.functions.recognition(cid, code_bytes("PE")).call()
        assert recognised(at) == tuple(onchain), at
    fresh.ledger.functions.setTime(0).transact({"from": fresh.governance})


def test_effective_date_and_scope(fresh: Chain, index: Index) -> None:
    cid = fresh.issue("CR", "CR-E", programmes=2, roles=1)
    later = fresh.time() + 10_000
    fresh.mra(["CR", "PE"], programmes=2, roles=1, effective_from=later)
    fresh.mra(["CR", "PE"], programmes=1, roles=1)  # no programme overlap
    fresh.mra(["CR", "MX"], programmes=2, roles=2)  # no role overlap
    index.sync()
    for at in (later - 1, later):
        fresh.ledger.functions.setTime(at).transact({"from": fresh.governance})
        for partner in ("PE", "MX"):
            onchain = fresh.ledger.functions.recognition(cid, code_bytes(partner)).call()
            mine = index.recognition_at(cid, partner, at)
            assert (mine.recognised, mine.programmes, mine.mra_id) == tuple(onchain)
    assert index.recognition_at(cid, "PE", later).mra_id == 1


def test_inbox_feed_and_kpis(fresh: Chain, index: Index) -> None:
    before = fresh.issue("CR", "CR-BEFORE", flags=1)  # issued before the MRA
    mra = fresh.mra(["CR", "PE"])
    t_live = fresh.time()
    after = fresh.issue("CR", "CR-AFTER", programmes=1, roles=2)
    fresh.tx("CR", "suspend", before, 1)
    fresh.issue("MX", "MX-NOPARTNER")
    fresh.tester.time_travel(fresh.time() + 60)
    fresh.tx("PE", "acknowledge", after, 1)
    fresh.tester.time_travel(fresh.time() + 240)
    fresh.tx("PE", "acknowledge", before, 2)
    index.sync()

    assert index.inbox("PE").items == ()
    fresh.tx("CR", "reinstate", before, 9)
    fresh.tx("CR", "revoke", after, 1)
    index.sync()
    inbox = index.inbox("PE")
    assert [(e.certificate_id, e.sequence) for e in inbox.items] == [(before, 3), (after, 2)]
    first = index.inbox("PE", limit=1)
    assert [e.sequence for e in index.inbox("PE", cursor=first.next_cursor).items] == [2]
    assert index.inbox("CR").items == ()  # PE issued nothing
    assert index.inbox("MX").items == ()  # no MRA

    feed = index.feed("PE")
    assert [(e.event.certificate_id, e.event.sequence, e.acknowledged) for e in feed.items] == [
        (before, 1, False),
        (after, 1, True),
        (before, 2, True),
        (before, 3, False),
        (after, 2, False),
    ]
    page = index.feed("PE", limit=2)
    assert [e.event.sequence for e in index.feed("PE", cursor=page.next_cursor).items] == [2, 3, 2]

    kpis = index.kpis("CR")
    assert kpis.certificates == 2
    assert kpis.sme == 1
    assert kpis.non_sme == 1
    assert kpis.by_status["ACTIVE"] == 1
    assert kpis.by_status["REVOKED"] == 1
    assert kpis.by_programme["SECURITY"] == 2
    assert kpis.by_programme["SIMPLIFICATIONS"] == 1
    assert kpis.by_role["EXPORTER"] == 1
    assert kpis.by_role["IMPORTER"] == 1
    assert kpis.by_role["CARRIER"] == 1
    (pe,) = kpis.acknowledgement_latency
    assert pe.partner == "PE"
    assert pe.count == 2
    assert pe.p50 >= 60
    assert pe.max >= 300
    assert pe.p50 <= pe.p95 <= pe.max
    assert t_live > 0

    fresh.tx("PE", "terminateMra", mra, 1)
    index.sync()
    assert index.inbox("PE").items == ()
    assert index.feed("PE").items == ()
