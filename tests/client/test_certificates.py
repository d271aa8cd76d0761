"""Certificates on the embedded chain: every write, reads, batch issuance, decoded reverts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger_client.certificates import CertificateRequest, DuplicateCertificateError, NotIssuedError
from ledger_client.errors import (
    AccessDeniedError,
    AdministrationIsFrozen,
    CertificateAlreadyIssued,
    CertificateClosed,
    CertificateNotActive,
    CertificateNotFoundError,
    CertificateNotSuspended,
    ConflictError,
    InvalidCertificateNumberError,
    InvalidDatesError,
    NotASigner,
    NotFoundError,
    NotIssuer,
    UnknownCertificate,
)
from ledger_client.hashing import certificate_id
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateAction, CertificateStatus, ReasonCode
from tests.support.backends import BEHAVIOUR_SUITE

pytestmark = BEHAVIOUR_SUITE

Factory = Callable[..., CertificateRequest]
DOC2 = b"\x22" * 32


def test_issue_and_get(cr: Ledger, new_request: Factory) -> None:
    result = cr.certificates.issue(new_request())
    assert result.certificate_id == certificate_id("CR", "CR-AEO-0001")
    assert result.action is CertificateAction.ISSUED
    assert result.sequence == 1
    assert result.tx_hash.startswith("0x")
    assert result.block_number > 0
    cert = cr.certificates.get(result.certificate_id)
    assert cert.status is CertificateStatus.ACTIVE
    assert cert.issuer == "CR"
    assert cert.sme
    assert (cert.programmes, cert.roles, cert.valid_from, cert.valid_until) == (3, 3, 1_700_000_000, 0)
    assert cert.head == result.head
    assert cert.event_count == 1
    assert cr.certificates.exists(result.certificate_id)
    assert cr.certificates.history_head(result.certificate_id) == (1, result.head)


def test_lifecycle(cr: Ledger, new_request: Factory) -> None:
    cid = cr.certificates.issue(new_request()).certificate_id
    assert cr.certificates.suspend(cid, ReasonCode.INVESTIGATION).sequence == 2
    assert cr.certificates.get(cid).status is CertificateStatus.SUSPENDED
    assert cr.certificates.reinstate(cid).action is CertificateAction.REINSTATED
    amended = cr.certificates.amend(cid, new_request(programmes=1, roles=16, sme=False, document_hash=DOC2))
    assert amended.sequence == 4
    cert = cr.certificates.get(cid)
    assert (cert.programmes, cert.roles, cert.sme) == (1, 16, False)
    renewed = cr.certificates.renew(cid, 1_800_000_000, 1_900_000_000, DOC2)
    assert renewed.action is CertificateAction.RENEWED
    cert = cr.certificates.get(cid)
    assert (cert.valid_from, cert.valid_until, cert.event_count) == (1_800_000_000, 1_900_000_000, 5)
    assert cr.certificates.revoke(cid, ReasonCode.NON_COMPLIANCE).sequence == 6
    assert cr.certificates.get(cid).status is CertificateStatus.REVOKED


def test_amend_takes_the_terms_alone_or_the_certificates_own_number(cr: Ledger, new_request: Factory) -> None:
    request = new_request()
    cid = cr.certificates.issue(request).certificate_id
    # number None: the terms alone, the chain knows the certificate by its id
    amended = cr.certificates.amend(cid, new_request(number=None, roles=16, document_hash=DOC2))
    assert (amended.sequence, cr.certificates.get(cid).roles) == (2, 16)
    block = cr.chain.block_number()
    with pytest.raises(InvalidCertificateNumberError, match="not the number of certificate"):
        cr.certificates.amend(cid, new_request(number="ANOTHER-1"))
    with pytest.raises(InvalidCertificateNumberError):
        cr.certificates.issue(new_request(number=None))  # issuance needs the number
    assert cr.chain.block_number() == block


def test_annul(cr: Ledger, new_request: Factory) -> None:
    cid = cr.certificates.issue(new_request()).certificate_id
    cr.certificates.annul(cid, ReasonCode.FRAUD)
    assert cr.certificates.get(cid).status is CertificateStatus.ANNULLED
    with pytest.raises(CertificateClosed) as info:
        cr.certificates.renew(cid, 1, 0, DOC2)
    assert info.value.inputs == {"id": "0x" + cid.hex(), "status": CertificateStatus.ANNULLED}
    assert isinstance(info.value, ConflictError)


def test_reverts_are_named_with_decoded_inputs(cr: Ledger, pe: Ledger, new_request: Factory) -> None:
    cid = cr.certificates.issue(new_request()).certificate_id
    with pytest.raises(CertificateAlreadyIssued) as issued:
        cr.certificates.issue(new_request())
    assert issued.value.name == "CertificateAlreadyIssued"
    with pytest.raises(CertificateNotSuspended) as not_suspended:
        cr.certificates.reinstate(cid)
    assert not_suspended.value.inputs["status"] is CertificateStatus.ACTIVE
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    with pytest.raises(CertificateNotActive):
        cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    with pytest.raises(NotIssuer) as not_issuer:
        pe.certificates.revoke(cid, ReasonCode.NON_COMPLIANCE)
    assert not_issuer.value.inputs == {"id": "0x" + cid.hex(), "issuer": "CR", "caller": "PE"}
    assert isinstance(not_issuer.value, AccessDeniedError | PermissionError)
    unknown = certificate_id("CR", "NOPE")
    with pytest.raises(UnknownCertificate) as missing:
        cr.certificates.suspend(unknown, ReasonCode.OTHER)
    assert isinstance(missing.value, NotFoundError | LookupError)
    assert "0x" + unknown.hex() in str(missing.value)


def test_get_unknown_certificate(cr: Ledger) -> None:
    with pytest.raises(CertificateNotFoundError, match="no certificate"):
        cr.certificates.get(certificate_id("CR", "missing"))
    assert not cr.certificates.exists(certificate_id("CR", "missing"))


def test_not_a_signer(ledger: Ledger, signers: list, new_request: Factory) -> None:
    outsider = ledger.with_signer(signers[9])
    with pytest.raises(NotASigner) as info:
        outsider.certificates.issue(new_request())
    assert info.value.inputs == {"caller": signers[9].address}


def test_frozen_administration(ledger: Ledger, cr: Ledger, new_request: Factory) -> None:
    ledger.administrations.freeze("CR")
    with pytest.raises(AdministrationIsFrozen) as info:
        cr.certificates.issue(new_request())
    assert info.value.inputs == {"code": "CR"}


def test_validation_before_sending(cr: Ledger, new_request: Factory) -> None:
    block = cr.chain.block_number()
    with pytest.raises(InvalidCertificateNumberError):
        cr.certificates.issue(new_request(number="x" * 33))
    with pytest.raises(InvalidDatesError, match="not after valid_from"):
        cr.certificates.issue(new_request(valid_until=1_600_000_000))
    assert cr.chain.block_number() == block


def test_issue_many_reports_each_row(cr: Ledger, new_request: Factory) -> None:
    existing = cr.certificates.issue(new_request("CR-EXISTING")).certificate_id
    rows = [new_request(f"CR-B-{i:03d}") for i in range(30)]
    rows[3] = new_request("CR-EXISTING")
    rows[5] = new_request("")
    rows[7] = new_request("CR-B-001")  # duplicate of row 1
    rows[9] = new_request("CR-B-009", programmes=0)
    results = cr.certificates.issue_many(rows, chunk_size=8)
    assert [r.index for r in results] == list(range(30))
    failed = {r.index: r.error for r in results if not r.ok}
    assert set(failed) == {3, 5, 7, 9}
    assert isinstance(failed[3], CertificateAlreadyIssued)
    assert failed[3].inputs["id"] == "0x" + existing.hex()
    assert isinstance(failed[5], InvalidCertificateNumberError)
    assert isinstance(failed[7], DuplicateCertificateError)
    assert "programmes" in str(failed[9])
    for result in results:
        if result.ok:
            assert result.certificate_id is not None
            assert cr.certificates.get(result.certificate_id).status is CertificateStatus.ACTIVE
    assert len({r.tx_hash for r in results if r.ok}) == 4  # 26 good rows in chunks of 8


def test_issue_many_not_a_signer_fails_every_row(ledger: Ledger, signers: list, new_request: Factory) -> None:
    outsider = ledger.with_signer(signers[9])
    with pytest.raises(NotASigner):
        outsider.certificates.issue_many([new_request(f"N-{i}") for i in range(3)])


def test_issue_many_frozen_stops_batch(ledger: Ledger, cr: Ledger, new_request: Factory) -> None:
    ledger.administrations.freeze("CR")
    results = cr.certificates.issue_many([new_request(f"F-{i}") for i in range(5)], chunk_size=2)
    assert not any(r.ok for r in results)
    assert isinstance(results[0].error, AdministrationIsFrozen)
    assert isinstance(results[4].error, AdministrationIsFrozen | NotIssuedError)


def test_issue_many_chunks_fit_block_gas(cr: Ledger) -> None:
    assert 1 <= cr.certificates.max_chunk() <= cr.settings.batch_size
    assert cr.certificates.max_chunk() * 35_000 < cr.chain.block_gas_limit()
