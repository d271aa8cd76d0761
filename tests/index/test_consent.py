"""Consent in the index: recognition at T before and after the operator withdraws (and gives again)
its consent, agreeing with the on-chain view; MRA coverage counts only consenting certificates, and
the KPIs count the certificates in force whose consent is withheld."""

from __future__ import annotations

from ledger_client.hashing import code_bytes
from ledger_client.index import Index
from ledger_client.index.coverage import mra_coverage
from ledger_client.models import FLAG_CONSENT_WITHHELD, Programme
from tests.support.harness_chain import DOC, Chain


def _amend_flags(fresh: Chain, cid: bytes, flags: int) -> None:
    fresh.tx("CR", "amend", cid, 3, 5, flags, 1_700_000_000, 0, DOC, 4)


def test_recognition_at_before_and_after_withdrawal(fresh: Chain, index: Index) -> None:
    cid = fresh.issue("CR", "CR-C")
    mra = fresh.mra(["CR", "PE"])
    t_given = fresh.time()
    fresh.tester.time_travel(t_given + 100)
    _amend_flags(fresh, cid, FLAG_CONSENT_WITHHELD)
    t_withdrawn = fresh.time()
    fresh.tester.time_travel(t_withdrawn + 100)
    _amend_flags(fresh, cid, 0)
    t_again = fresh.time()
    index.sync()

    def recognised(at: int) -> tuple[bool, int]:
        r = index.recognition_at(cid, "PE", at)
        return r.recognised, r.mra_id

    assert recognised(t_given) == (True, mra)
    assert recognised(t_withdrawn + 50) == (False, 0)
    assert index.status_at(cid, t_withdrawn + 50).consent is False
    assert index.status_at(cid, t_withdrawn + 50).valid  # still Active: only recognition ends
    assert recognised(t_again) == (True, mra)
    assert index.certificate(cid).consent is True  # type: ignore[union-attr]
    fresh.ledger.functions.setTime(t_again).transact({"from": fresh.governance})
    assert fresh.ledger.functions.recognition(cid, code_bytes("PE")).call()[0] is recognised(t_again)[0]
    fresh.ledger.functions.setTime(0).transact({"from": fresh.governance})


def test_withheld_consent_is_never_recognised_and_not_covered(fresh: Chain, index: Index) -> None:
    given = fresh.issue("CR", "CR-G")
    withheld = fresh.issue("CR", "CR-W", flags=FLAG_CONSENT_WITHHELD)
    fresh.mra(["CR", "PE"])
    index.sync()
    now = fresh.time()
    assert index.recognition_at(given, "PE", now).recognised
    assert not index.recognition_at(withheld, "PE", now).recognised
    assert not fresh.ledger.functions.recognition(withheld, code_bytes("PE")).call()[0]
    row = index.certificate(withheld)
    assert row is not None
    assert row.consent is False
    assert row.to_model().consent is False
    (coverage,) = mra_coverage(index.reader, "CR")
    assert coverage.certificates == 1  # the consenting one only


def test_kpis_count_the_certificates_in_force_whose_consent_is_withheld(fresh: Chain, index: Index) -> None:
    security, fiscal = int(Programme.SECURITY), int(Programme.FISCAL)
    a = fresh.issue("CR", "CR-KA", programmes=security)
    b = fresh.issue("CR", "CR-KB", programmes=security | fiscal)
    c = fresh.issue("CR", "CR-KC", programmes=fiscal)
    d = fresh.issue("CR", "CR-KD", programmes=security, flags=FLAG_CONSENT_WITHHELD)  # withheld at issue
    fresh.issue("CR", "CR-KE", programmes=fiscal)  # consents throughout
    fresh.issue("MX", "MX-KW", programmes=security, flags=FLAG_CONSENT_WITHHELD)  # another administration
    fresh.mra(["CR", "PE"], programmes=security | fiscal, roles=5)
    for cid, programmes in ((a, security), (b, security | fiscal), (c, fiscal)):
        fresh.tx("CR", "amend", cid, programmes, 5, FLAG_CONSENT_WITHHELD, 1_700_000_000, 0, DOC, 4)
    fresh.tx("CR", "amend", b, security | fiscal, 5, 0, 1_700_000_000, 0, DOC, 4)  # consent given back
    fresh.tx("CR", "suspend", c, 1)  # withheld but no longer in force
    fresh.issue("CR", "CR-KX", programmes=security, flags=FLAG_CONSENT_WITHHELD, valid_until=fresh.time() + 1_000)
    fresh.tester.time_travel(fresh.time() + 2_000)  # CR-KX expired: no longer in force
    fresh.tx("gov", "setTime", 0)  # a block after the expiry
    index.sync()

    k = index.kpis("CR")
    assert k.consent_withheld == 2  # a and d
    assert k.by_status["EXPIRED"] == 1
    assert {p.programme: p.consent_withheld for p in k.programmes} == {
        "SECURITY": 2,
        "SIMPLIFICATIONS": 0,
        "FISCAL": 0,
        "SANITARY": 0,
    }
    assert index.kpis("MX").consent_withheld == 1
    assert index.kpis("PE").consent_withheld == 0
    assert "consent" in k.units["consent_withheld"]
    now = index.reader.latest_time()
    assert [index.recognition_at(cid, "PE", now).recognised for cid in (a, b, c, d)] == [False, True, False, False]
    (coverage,) = mra_coverage(index.reader, "CR")
    assert coverage.certificates == k.by_status["ACTIVE"] - k.consent_withheld  # b and e
