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
    after = fresh.issue("CR", "CR-AFTER", programmes=1, roles=3)
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
    assert page.more is True
    rest = index.feed("PE", cursor=page.next_cursor)
    assert [e.event.sequence for e in rest.items] == [2, 3, 2]
    assert rest.more is False

    kpis = index.kpis("CR")
    assert kpis.certificates == 2
    assert kpis.sme == 1
    assert kpis.non_sme == 1
    assert kpis.by_status["ACTIVE"] == 1
    assert kpis.by_status["REVOKED"] == 1
    assert kpis.by_programme["SECURITY"] == 2
    assert kpis.by_programme["SIMPLIFICATIONS"] == 1
    assert kpis.by_role["EXPORTER"] == 1
    assert kpis.by_role["IMPORTER"] == 2
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


def test_feed_always_returns_a_cursor_to_resume_from(fresh: Chain, index: Index) -> None:
    index.sync()
    empty = index.feed("PE")  # no MRA yet: nothing to read, still a place to resume from
    assert (empty.items, empty.more) == ((), False)
    assert empty.next_cursor
    fresh.mra(["CR", "PE"])
    first = fresh.issue("CR", "CR-F1")
    second = fresh.issue("CR", "CR-F2")
    index.sync()
    assert [e.event.certificate_id for e in index.feed("PE", cursor=empty.next_cursor).items] == [first, second]

    head = index.feed("PE", limit=1)
    assert ([e.event.certificate_id for e in head.items], head.more) == ([first], True)
    last = index.feed("PE", cursor=head.next_cursor, limit=1)
    assert ([e.event.certificate_id for e in last.items], last.more) == ([second], False)
    assert last.next_cursor  # the last page too
    caught_up = index.feed("PE", cursor=last.next_cursor)
    assert (caught_up.items, caught_up.more, caught_up.next_cursor) == ((), False, last.next_cursor)

    fresh.tx("CR", "suspend", second, 1)
    third = fresh.issue("CR", "CR-F3")
    index.sync()
    resumed = index.feed("PE", cursor=last.next_cursor)
    assert [(e.event.certificate_id, e.event.sequence) for e in resumed.items] == [(second, 2), (third, 1)]
    assert resumed.more is False


def test_inbox_lists_only_events_in_the_scope_of_a_live_mra(fresh: Chain, index: Index) -> None:
    """The scope rule of recognition: some programme and some role of the certificate in the MRA's."""
    security, fiscal = int(Programme.SECURITY), int(Programme.FISCAL)
    importer, carrier = int(Role.IMPORTER), int(Role.CARRIER)
    fresh.mra(["CR", "PE"], programmes=security, roles=importer)
    inside = fresh.issue("CR", "CR-IN", programmes=security | fiscal, roles=importer | carrier)
    other_programme = fresh.issue("CR", "CR-FISCAL", programmes=fiscal, roles=importer)
    other_role = fresh.issue("CR", "CR-CARRIER", programmes=security, roles=carrier)
    entering = fresh.issue("CR", "CR-ENTER", programmes=fiscal, roles=importer)
    leaving = fresh.issue("CR", "CR-LEAVE", programmes=security, roles=importer)
    amend = (1, 1_700_000_000, 0, b"\x01" * 32, 0)
    fresh.tx("CR", "amend", entering, security, importer, *amend)  # into the scope: acted on
    fresh.tx("CR", "amend", leaving, fiscal, importer, *amend)  # out of it: acted on (withdraw benefits)
    fresh.tx("CR", "suspend", leaving, 1)  # outside before and after: not the partner's business
    fresh.tx("CR", "suspend", other_role, 1)
    fresh.issue("MX", "MX-1", programmes=security, roles=importer)  # no MRA between PE and MX
    index.sync()

    def inbox() -> list[tuple[bytes, int]]:
        return [(e.certificate_id, e.sequence) for e in index.inbox("PE").items]

    assert inbox() == [(inside, 1), (leaving, 1), (entering, 2), (leaving, 2)]
    # The feed still carries the issuer's whole history (a partner mirrors every certificate).
    assert len(index.feed("PE").items) == 9
    # Recognition agrees: what is outside the scope is not recognised.
    now = index.reader.latest_time()
    certificates = (inside, other_programme, other_role, entering, leaving)
    recognised = {cid for cid in certificates if index.recognition_at(cid, "PE", now).recognised}
    assert recognised == {inside, entering}

    # A second MRA covering the fiscal programme brings in that certificate's later events only.
    fresh.mra(["PE", "CR"], programmes=fiscal, roles=importer)
    fresh.tx("CR", "suspend", other_programme, 1)
    fresh.tx("CR", "reinstate", leaving, 0)
    index.sync()
    assert inbox() == [(inside, 1), (leaving, 1), (entering, 2), (leaving, 2), (other_programme, 2), (leaving, 4)]
    page = index.inbox("PE", limit=4)
    assert [(e.certificate_id, e.sequence) for e in index.inbox("PE", cursor=page.next_cursor).items] == [
        (other_programme, 2),
        (leaving, 4),
    ]
    # Acknowledged events leave the inbox; an issuer's own certificates never enter its inbox.
    fresh.tx("PE", "acknowledge", inside, 1)
    index.sync()
    assert (inside, 1) not in inbox()
    assert index.inbox("CR").items == ()
