"""The off-chain certificate document: canonical JSON, hash, and verification against the chain."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import rfc8785
from eth_utils import keccak

from ledger_client.documents import CertificateDocument
from ledger_client.errors import InvalidDocumentError
from ledger_client.events import CertificateEvent
from ledger_client.history import replay_heads
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus, ReasonCode


def document(**overrides: Any) -> CertificateDocument:
    data: dict[str, Any] = {
        "certificate_number": "CR-AEO-0042",
        "issuer": "CR",
        "issuing_office": "Dirección General de Aduanas, San José",
        "operator": {
            "legal_name": "Exportadora del Valle S.A.",
            "tax_id": "3-101-123456",
            "eori": "CR3101123456",
            "address": {"street": "Calle 5", "city": "San José", "postal_code": "10101", "country": "CR"},
        },
        "roles": ["EXPORTER", "IMPORTER"],
        "programmes": ["SECURITY"],
        "sme": True,
        "valid_from": "2025-01-01T00:00:00Z",
        "valid_until": "2028-01-01T00:00:00Z",
    }
    data.update(overrides)
    return CertificateDocument.parse(data)


def test_canonical_json_is_stable() -> None:
    a = document()
    b = document(roles=3, programmes=["security"], valid_from="2025-01-01T01:00:00+01:00")
    assert a.canonical_json() == b.canonical_json()
    assert a.document_hash() == b.document_hash() == keccak(a.canonical_json())
    parsed = json.loads(a.canonical_json())
    assert list(parsed) == sorted(parsed)
    assert parsed["roles"] == ["IMPORTER", "EXPORTER"]
    assert parsed["valid_from"] == "2025-01-01T00:00:00Z"
    assert rfc8785.dumps(parsed) == a.canonical_json()
    assert document(sme=False).document_hash() != a.document_hash()


def test_document_terms() -> None:
    doc = document()
    request = doc.to_request()
    assert (request.programmes, request.roles, request.sme) == (1, 3, True)
    assert (request.valid_from, request.valid_until) == (1_735_689_600, 1_830_297_600)
    assert request.document_hash == doc.document_hash()
    assert document(valid_until=None).valid_until_ts == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issuer": "cr"}, "issuer"),
        ({"roles": ["PILOT"]}, "unknown role 'PILOT'"),
        ({"programmes": []}, "programmes mask 0"),
        ({"valid_from": "2025-01-01T00:00:00"}, "time zone"),
        ({"certificate_number": "x" * 40}, "1 to 32"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_documents(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDocumentError, match=message):
        document(**overrides)


def test_verify_document_match_and_mismatch(cr: Ledger) -> None:
    doc = document()
    cr.certificates.issue(doc)
    check = cr.verify_document(doc)
    assert check.ok
    assert check.matches
    assert check.history_intact
    assert check.terms_match
    assert check.status is CertificateStatus.ACTIVE
    assert check.valid_now
    assert check.event_count == 1
    other = document(operator={**doc.operator.model_dump(), "legal_name": "Someone Else S.A."})
    mismatch = cr.verify_document(other)
    assert mismatch.exists
    assert mismatch.history_intact
    assert not mismatch.matches
    assert not mismatch.ok
    assert "not the certificate's current document" in mismatch.problems[0]


def test_verify_amended_document(cr: Ledger) -> None:
    original = document()
    cid = cr.certificates.issue(original).certificate_id
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    amended = document(roles=["IMPORTER", "EXPORTER", "CARRIER"])
    cr.certificates.amend(cid, amended)
    assert cr.verify_document(amended).ok
    stale = cr.verify_document(original)
    assert stale.history_intact
    assert not stale.matches
    result = cr.verify_document(amended)
    assert result.status is CertificateStatus.SUSPENDED
    assert not result.valid_now
    renewed = document(roles=["IMPORTER", "EXPORTER", "CARRIER"], valid_until="2031-01-01T00:00:00Z")
    cr.certificates.renew(cid, renewed.valid_from_ts, renewed.valid_until_ts, renewed.document_hash())
    assert cr.verify_document(renewed).ok
    assert not cr.verify_document(amended).ok


def test_verify_unknown_certificate(cr: Ledger) -> None:
    result = cr.verify_document(document(certificate_number="NEVER-ISSUED"))
    assert not result.exists
    assert not result.ok
    assert "no certificate" in result.problems[0]


class _Tampered:
    def __init__(self, events: list[CertificateEvent]) -> None:
        self.events = events

    def certificate_events(self, certificate_id: bytes) -> list[CertificateEvent]:
        return self.events


def test_verify_detects_tampered_and_missing_events(cr: Ledger) -> None:
    doc = document()
    cid = cr.certificates.issue(doc).certificate_id
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    events = cr.event_source().certificate_events(cid)
    assert [e.sequence for e in events] == [1, 2]
    assert replay_heads(events).consistent
    altered = [events[0], replace(events[1], reason_code=ReasonCode.FRAUD)]
    result = cr.verify_document(doc, events=_Tampered(altered))
    assert not result.history_intact
    assert "altered" in result.problems[0]
    missing = cr.verify_document(doc, events=_Tampered(events[:1]))
    assert not missing.history_intact
    assert "events are missing" in missing.problems[0]
    reordered = cr.verify_document(doc, events=_Tampered([events[1], events[0]]))
    assert not reordered.ok
    assert "out of order" in reordered.problems[0]


def test_replay_refuses_a_history_that_does_not_start_with_the_issue(cr: Ledger) -> None:
    cid = cr.certificates.issue(document()).certificate_id
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    issued, suspended = cr.event_source().certificate_events(cid)
    replay = replay_heads([replace(suspended, sequence=1)])
    assert not replay.consistent
    assert replay.problem == "event 1 (suspended) comes before the certificate's issue"
    assert replay.count == 0
    whole = replay_heads([issued, suspended])
    assert (whole.count, whole.status, whole.document_hash) == (2, CertificateStatus.SUSPENDED, issued.document_hash)


def test_replay_of_an_altered_history_stops_at_the_last_verified_state(cr: Ledger) -> None:
    cid = cr.certificates.issue(document()).certificate_id
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    issued, suspended = cr.event_source().certificate_events(cid)
    replay = replay_heads([issued, replace(suspended, reason_code=ReasonCode.FRAUD)])
    assert replay.problem == "event 2 (suspended) does not match its recorded head: altered"
    assert (replay.count, replay.status, replay.head) == (1, CertificateStatus.ACTIVE, issued.head)
