"""The operator's consent through the library: issue (default granted), amend (default unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger

Factory = Callable[..., CertificateRequest]
DOC = b"\x33" * 32


def _mra(cr: Ledger, pe: Ledger) -> None:
    mra = cr.mras.propose(["CR", "PE"], programmes=3, roles=3, effective_from=0, document_hash=DOC)
    pe.mras.accept(mra.mra_id)


def test_issue_defaults_to_consent_and_can_withhold_it(cr: Ledger, pe: Ledger, new_request: Factory) -> None:
    _mra(cr, pe)
    given = cr.certificates.issue(new_request("CR-C-1")).certificate_id
    withheld = cr.certificates.issue(new_request("CR-C-2", consent=False)).certificate_id
    assert cr.certificates.get(given).consent is True
    assert cr.certificates.get(withheld).consent is False
    assert cr.certificates.get(withheld).sme is True  # the other flag is untouched
    assert pe.recognition.now(given, "PE").recognised
    assert not pe.recognition.now(withheld, "PE").recognised


def test_amend_keeps_consent_unless_told(cr: Ledger, pe: Ledger, new_request: Factory) -> None:
    _mra(cr, pe)
    request = new_request("CR-C-3", consent=False)
    cid = cr.certificates.issue(request).certificate_id
    cr.certificates.amend(cid, replace(request, consent=None, sme=False))
    assert cr.certificates.get(cid).consent is False  # unchanged
    cr.certificates.amend(cid, replace(request, consent=True))
    assert cr.certificates.get(cid).consent is True
    assert pe.recognition.now(cid, "PE").recognised
    cr.certificates.amend(cid, replace(request, consent=False))
    assert not pe.recognition.now(cid, "PE").recognised
