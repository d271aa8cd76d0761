"""Administrations, MRAs, recognition and acknowledgements on the embedded chain."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.errors import (
    AdministrationAlreadyRegistered,
    AdministrationNotFoundError,
    AdministrationNotFrozen,
    AlreadyAcknowledged,
    LastSigner,
    MraAlreadyAccepted,
    MraNotFoundError,
    MraNotProposed,
    NotAPartner,
    NotGovernance,
    NotMraParty,
    UnknownCertificateEvent,
    UnregisteredAdministrationError,
)
from ledger_client.ledger import Ledger
from ledger_client.models import MraStatus, ReasonCode
from ledger_client.signers import Signer
from tests.support.backends import BEHAVIOUR_SUITE

pytestmark = BEHAVIOUR_SUITE

Factory = Callable[..., CertificateRequest]
DOC = b"\x33" * 32


def test_register_get_list(ledger: Ledger, signers: list[Signer]) -> None:
    result = ledger.administrations.register("CO", "Colombia", signers[4].address)
    assert result.code == "CO"
    admin = ledger.administrations.get("CO")
    assert (admin.name, admin.frozen, admin.signers) == ("Colombia", False, (signers[4].address,))
    assert [a.code for a in ledger.administrations.list()] == ["CR", "PE", "MX", "CO"]
    assert ledger.administrations.of(signers[4].address) == "CO"
    assert ledger.administrations.of(signers[9].address) is None
    assert ledger.administrations.governance() == signers[0].address
    with pytest.raises(AdministrationAlreadyRegistered):
        ledger.administrations.register("CO", "Colombia", signers[5].address)


def test_only_governance_registers(cr: Ledger, signers: list[Signer]) -> None:
    with pytest.raises(NotGovernance) as info:
        cr.administrations.register("CO", "Colombia", signers[4].address)
    assert info.value.inputs == {"caller": signers[1].address}


def test_unknown_administration_messages(ledger: Ledger) -> None:
    with pytest.raises(AdministrationNotFoundError, match="unknown administration 'XX'; known: CR, PE, MX"):
        ledger.administrations.get("XX")
    with pytest.raises(UnregisteredAdministrationError, match="unknown administration 'XX'; known: CR, PE, MX"):
        ledger.administrations.freeze("XX")


def test_freeze_unfreeze_recover(ledger: Ledger, cr: Ledger, signers: list[Signer], new_request: Factory) -> None:
    with pytest.raises(AdministrationNotFrozen):
        ledger.administrations.unfreeze("CR")
    ledger.administrations.freeze("CR")
    assert ledger.administrations.get("CR").frozen
    ledger.administrations.recover("CR", signers[6].address)
    assert ledger.administrations.get("CR").signers == (signers[6].address,)
    ledger.administrations.unfreeze("CR")
    recovered = ledger.with_signer(signers[6])
    assert recovered.certificates.issue(new_request()).sequence == 1


def test_add_remove_signer(cr: Ledger, signers: list[Signer]) -> None:
    assert cr.administrations.add_signer(signers[7].address).code == "CR"
    assert signers[7].address in cr.administrations.get("CR").signers
    assert cr.administrations.remove_signer(signers[7].address).code == "CR"
    with pytest.raises(LastSigner):
        cr.administrations.remove_signer(signers[1].address)


def test_mra_lifecycle(cr: Ledger, pe: Ledger, mx: Ledger) -> None:
    proposed = cr.mras.propose(["CR", "PE", "MX"], 3, 3, 0, DOC)
    assert proposed.status is MraStatus.PROPOSED
    mra_id = proposed.mra_id
    assert pe.mras.accept(mra_id).status is MraStatus.PROPOSED
    with pytest.raises(MraAlreadyAccepted) as info:
        pe.mras.accept(mra_id)
    assert info.value.inputs == {"mraId": mra_id, "code": "PE"}
    assert mx.mras.accept(mra_id).status is MraStatus.ACTIVE
    assert cr.mras.in_force(mra_id)
    assert cr.mras.has_accepted(mra_id, "MX")
    assert cr.mras.live_between("CR", "MX") == [mra_id]
    assert pe.mras.suspend(mra_id, ReasonCode.INVESTIGATION).status is MraStatus.SUSPENDED
    assert mx.mras.resume(mra_id).status is MraStatus.ACTIVE
    assert cr.mras.terminate(mra_id, ReasonCode.OTHER).status is MraStatus.TERMINATED
    mra = cr.mras.get(mra_id)
    assert (mra.status, mra.parties, mra.proposer, mra.event_count) == (
        MraStatus.TERMINATED,
        ("CR", "PE", "MX"),
        "CR",
        6,
    )
    assert [m.id for m in pe.mras.of("PE")] == [mra_id]
    assert cr.mras.count() == 1
    with pytest.raises(MraNotProposed):
        pe.mras.accept(mra_id)


def test_mra_reads_and_party_errors(ledger: Ledger, cr: Ledger, mx: Ledger) -> None:
    mra_id = cr.mras.propose(["CR", "PE"], 1, 1, 0, DOC).mra_id
    with pytest.raises(NotMraParty) as info:
        mx.mras.accept(mra_id)
    assert info.value.inputs == {"mraId": mra_id, "code": "MX"}
    with pytest.raises(MraNotFoundError, match="MRA ids run from 1 to 1"):
        ledger.mras.get(99)


def _recognised_certificate(cr: Ledger, pe: Ledger, new_request: Factory) -> bytes:
    cid = cr.certificates.issue(new_request()).certificate_id
    mra_id = cr.mras.propose(["CR", "PE"], 1, 1, 0, DOC).mra_id
    pe.mras.accept(mra_id)
    return cid


def test_recognition_now(cr: Ledger, pe: Ledger, mx: Ledger, new_request: Factory) -> None:
    cid = _recognised_certificate(cr, pe, new_request)
    recognition = pe.recognition.now(cid, "PE")
    assert (recognition.recognised, recognition.programmes, recognition.mra_id) == (True, 1, 1)
    assert not mx.recognition.now(cid, "MX").recognised
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    assert not pe.recognition.now(cid, "PE").recognised


def test_acknowledgements(cr: Ledger, pe: Ledger, mx: Ledger, new_request: Factory) -> None:
    cid = _recognised_certificate(cr, pe, new_request)
    ack = pe.recognition.acknowledge(cid, 1)
    assert (ack.partner, ack.sequence, ack.certificate_id) == ("PE", 1, cid)
    assert pe.recognition.is_acknowledged(cid, "PE", 1)
    assert not pe.recognition.is_acknowledged(cid, "MX", 1)
    with pytest.raises(AlreadyAcknowledged) as again:
        pe.recognition.acknowledge(cid, 1)
    assert again.value.inputs == {"id": "0x" + cid.hex(), "sequence": 1, "partner": "PE"}
    with pytest.raises(UnknownCertificateEvent) as unknown:
        pe.recognition.acknowledge(cid, 2)
    assert unknown.value.inputs["eventCount"] == 1
    with pytest.raises(NotAPartner):
        mx.recognition.acknowledge(cid, 1)
