"""Acknowledgements: a partner administration records that it applied event N of a certificate.

Allowed only to a signer of a party to a live MRA (every party accepted, not terminated) with the
issuer, never to the issuer itself; N runs from 1 to the certificate's event count; never twice;
``isAcknowledged`` answers per (certificate, partner, event), including across the 255/256 boundary
of the acknowledgement bitmaps.
"""

from __future__ import annotations

import pytest

from ledger_client import hashing
from tests.contracts.helpers import DAY, T0, Deployment, Terms, code

UINT24_MAX = 2**24 - 1


def acknowledged(d: Deployment, cert_id: bytes, partner: str, sequence: int) -> bool:
    return bool(d.functions.isAcknowledged(cert_id, code(partner), sequence).call())


@pytest.fixture
def cert(d: Deployment) -> bytes:
    """A CR certificate with two events, and an MRA in force between CR and PE."""
    cert_id = d.issue("CR", "CR-1")
    d.send(d.functions.suspend(cert_id, 3), d.signer("CR"))
    d.propose("CR", ["CR", "PE"], accept=True)
    return cert_id


def test_acknowledge(d: Deployment, cert: bytes) -> None:
    receipt = d.send(d.functions.acknowledge(cert, 2), d.signer("PE"))
    d.assert_events(receipt, d.event("CertificateEventAcknowledged", id=cert, issuer="CR", partner="PE", sequence=2))
    # Indexed on certificate id, issuer and partner: the filters issuers and partners run.
    log = receipt["logs"][0]
    assert bytes(log["topics"][1]) == cert
    assert bytes(log["topics"][2]) == code("CR") + b"\x00" * 30
    assert bytes(log["topics"][3]) == code("PE") + b"\x00" * 30
    assert acknowledged(d, cert, "PE", 2) is True
    # Nothing else is marked.
    assert acknowledged(d, cert, "PE", 1) is False
    assert acknowledged(d, cert, "PE", 0) is False
    assert acknowledged(d, cert, "PE", 3) is False
    assert acknowledged(d, cert, "CR", 2) is False
    assert acknowledged(d, cert, "MX", 2) is False
    # Events may be acknowledged in any order.
    d.send(d.functions.acknowledge(cert, 1), d.signer("PE"))
    assert acknowledged(d, cert, "PE", 1) is True


def test_acknowledge_twice(d: Deployment, cert: bytes) -> None:
    d.send(d.functions.acknowledge(cert, 1), d.signer("PE"))
    d.expect_revert(d.functions.acknowledge(cert, 1), d.signer("PE"), "AlreadyAcknowledged", cert, 1, "PE", send=True)
    # Another signer of the same administration cannot acknowledge it again either.
    second = d.new_account()
    d.send(d.functions.addSigner(second), d.signer("PE"))
    d.expect_revert(d.functions.acknowledge(cert, 1), second, "AlreadyAcknowledged", cert, 1, "PE")
    d.send(d.functions.acknowledge(cert, 2), second)


def test_acknowledge_only_existing_events(d: Deployment, cert: bytes) -> None:
    pe = d.signer("PE")
    d.expect_revert(d.functions.acknowledge(cert, 0), pe, "UnknownCertificateEvent", cert, 0, 2, send=True)
    d.expect_revert(d.functions.acknowledge(cert, 3), pe, "UnknownCertificateEvent", cert, 3, 2)
    d.expect_revert(d.functions.acknowledge(cert, UINT24_MAX), pe, "UnknownCertificateEvent", cert, UINT24_MAX, 2)
    # The next event makes sequence 3 acknowledgeable.
    d.send(d.functions.reinstate(cert, 0), d.signer("CR"))
    d.send(d.functions.acknowledge(cert, 3), pe)


def test_acknowledge_unknown_certificate(d: Deployment, cert: bytes) -> None:
    unknown = hashing.certificate_id("CR", "CR-404")
    d.expect_revert(d.functions.acknowledge(unknown, 1), d.signer("PE"), "UnknownCertificate", unknown, send=True)
    d.expect_revert(d.functions.acknowledge(unknown, 1), d.signer("MX"), "UnknownCertificate", unknown)


def test_issuer_cannot_acknowledge_its_own_certificate(d: Deployment, cert: bytes) -> None:
    d.expect_revert(d.functions.acknowledge(cert, 1), d.signer("CR"), "NotAPartner", cert, "CR", "CR", send=True)


def test_non_party_cannot_acknowledge(d: Deployment, cert: bytes) -> None:
    # MX is in force with PE, but not with the issuer CR.
    d.propose("MX", ["MX", "PE"], accept=True)
    d.expect_revert(d.functions.acknowledge(cert, 1), d.signer("MX"), "NotAPartner", cert, "CR", "MX", send=True)


def test_non_signers_and_frozen_partner(d: Deployment, cert: bytes) -> None:
    for account in (d.stranger, d.governance):
        d.expect_revert(d.functions.acknowledge(cert, 1), account, "NotASigner", account)
    d.send(d.functions.freezeAdministration(code("PE")), d.governance)
    d.expect_revert(d.functions.acknowledge(cert, 1), d.signer("PE"), "AdministrationIsFrozen", "PE")


@pytest.mark.parametrize(
    ("mra_state", "allowed"),
    [
        ("proposed", False),
        ("active-not-yet-effective", True),
        ("in-force", True),
        ("suspended", True),
        ("terminated", False),
    ],
)
def test_acknowledge_by_mra_state(d: Deployment, mra_state: str, allowed: bool) -> None:
    cert_id = d.issue("CR", "CR-1")
    effective = T0 + DAY if mra_state == "active-not-yet-effective" else 0
    mra_id = d.propose("CR", ["CR", "PE"], effective_from=effective, accept=mra_state != "proposed")
    if mra_state == "suspended":
        d.send(d.functions.suspendMra(mra_id, 1), d.signer("PE"))
    if mra_state == "terminated":
        d.send(d.functions.terminateMra(mra_id, 1), d.signer("PE"))
    if allowed:
        d.send(d.functions.acknowledge(cert_id, 1), d.signer("PE"))
        assert acknowledged(d, cert_id, "PE", 1)
    else:
        d.expect_revert(d.functions.acknowledge(cert_id, 1), d.signer("PE"), "NotAPartner", cert_id, "CR", "PE")


def test_acknowledgements_survive_termination(d: Deployment, cert: bytes) -> None:
    d.send(d.functions.acknowledge(cert, 1), d.signer("PE"))
    d.send(d.functions.terminateMra(1, 1), d.signer("CR"))
    assert acknowledged(d, cert, "PE", 1) is True
    d.expect_revert(d.functions.acknowledge(cert, 2), d.signer("PE"), "NotAPartner", cert, "CR", "PE")
    # A new MRA makes PE a partner again.
    d.propose("PE", ["PE", "CR"], accept=True)
    d.send(d.functions.acknowledge(cert, 2), d.signer("PE"))


def test_closed_and_expired_certificates_can_be_acknowledged(d: Deployment) -> None:
    d.propose("CR", ["CR", "PE"], accept=True)
    revoked = d.issue("CR", "CR-1")
    d.send(d.functions.revoke(revoked, 2), d.signer("CR"))
    receipt = d.send(d.functions.acknowledge(revoked, 2), d.signer("PE"))
    d.assert_events(receipt, d.event("CertificateEventAcknowledged", id=revoked, issuer="CR", partner="PE", sequence=2))
    assert acknowledged(d, revoked, "PE", 2) is True
    assert acknowledged(d, revoked, "PE", 1) is False
    expired = d.issue("CR", "CR-2", Terms(valid_from=T0 - 2 * DAY, valid_until=T0 - DAY))
    receipt = d.send(d.functions.acknowledge(expired, 1), d.signer("PE"))
    d.assert_events(receipt, d.event("CertificateEventAcknowledged", id=expired, issuer="CR", partner="PE", sequence=1))
    assert acknowledged(d, expired, "PE", 1) is True
    # Each is recorded once: a second acknowledgement of the same event reverts.
    d.expect_revert(d.functions.acknowledge(revoked, 2), d.signer("PE"), "AlreadyAcknowledged", revoked, 2, "PE")
    d.expect_revert(d.functions.acknowledge(expired, 1), d.signer("PE"), "AlreadyAcknowledged", expired, 1, "PE")


def test_plurilateral_partners_acknowledge_independently(d: Deployment) -> None:
    parties = ["CR", "PE", "MX", "CL"]
    d.propose("CR", parties, accept=True)
    cert_id = d.issue("CR", "CR-1")
    for partner in ("PE", "MX", "CL"):
        assert not acknowledged(d, cert_id, partner, 1)
        d.send(d.functions.acknowledge(cert_id, 1), d.signer(partner))
        assert acknowledged(d, cert_id, partner, 1)
    assert not acknowledged(d, cert_id, "CO", 1)
    # A partner's certificates are acknowledged the other way round.
    pe_cert = d.issue("PE", "PE-1")
    d.send(d.functions.acknowledge(pe_cert, 1), d.signer("CR"))
    assert acknowledged(d, pe_cert, "CR", 1)
    assert not acknowledged(d, cert_id, "CR", 1)


def test_acknowledgements_across_the_255_256_boundary(d: Deployment) -> None:
    """Sequence numbers 255, 256, 257 and 511/512 sit on both sides of the bitmap words."""
    cr, pe = d.signer("CR"), d.signer("PE")
    cert_id = d.issue("CR", "CR-1")
    d.propose("CR", ["CR", "PE"], accept=True)
    while d.functions.historyHead(cert_id).call()[0] < 257:
        d.send(d.functions.suspend(cert_id, 1), cr)
        d.send(d.functions.reinstate(cert_id, 0), cr)
    count = d.functions.historyHead(cert_id).call()[0]
    assert count == 257
    d.expect_revert(d.functions.acknowledge(cert_id, 258), pe, "UnknownCertificateEvent", cert_id, 258, 257)

    d.send(d.functions.acknowledge(cert_id, 256), pe)
    assert [acknowledged(d, cert_id, "PE", s) for s in (0, 1, 255, 256, 257, 512)] == [
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    d.send(d.functions.acknowledge(cert_id, 255), pe)
    d.send(d.functions.acknowledge(cert_id, 1), pe)
    assert [acknowledged(d, cert_id, "PE", s) for s in (0, 1, 2, 254, 255, 256, 257)] == [
        False,
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    d.send(d.functions.acknowledge(cert_id, 257), pe)
    assert acknowledged(d, cert_id, "PE", 257)
    for sequence in (1, 255, 256, 257):
        d.expect_revert(d.functions.acknowledge(cert_id, sequence), pe, "AlreadyAcknowledged", cert_id, sequence, "PE")
    # Untouched neighbours in both words stay acknowledgeable.
    for sequence in (2, 254, 128):
        d.send(d.functions.acknowledge(cert_id, sequence), pe)
    acked = {1, 2, 128, 254, 255, 256, 257}
    for sequence in range(1, 258):
        assert acknowledged(d, cert_id, "PE", sequence) is (sequence in acked), sequence
