"""The index foresight: a rule for every contract write; a doubt pre-flights the write (no reverted
transaction is mined), a stale doubt lets a valid write through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from ledger_client.artifacts import load_artifact
from ledger_client.certificates import CertificateRequest
from ledger_client.errors import AlreadyAcknowledged, CertificateAlreadyIssued, CertificateClosed
from ledger_client.index import Index
from ledger_client.index.attach import open_index
from ledger_client.index.foresight import RULES, IndexForesight
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, ReasonCode, Role


def test_every_contract_write_has_a_rule() -> None:
    writes = {
        item["name"]
        for item in load_artifact("AeoLedger").abi
        if item.get("type") == "function" and item.get("stateMutability") == "nonpayable"
    }
    assert writes == set(RULES)


@pytest.fixture
def durable(tmp_path: Path) -> Iterator[tuple[Ledger, Index]]:
    """A durable embedded ledger (writes sent without a pre-flight), CR and PE with an MRA in force."""
    with Ledger.embedded(data_dir=tmp_path / "chain") as ledger:
        dev = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", dev[1].address)
        ledger.administrations.register("PE", "Peru", dev[2].address)
        cr, pe = ledger.with_signer(dev[1]), ledger.with_signer(dev[2])
        mra = cr.mras.propose(["CR", "PE"], Programme.SECURITY, Role.IMPORTER, 0, keccak(text="mra"))
        pe.mras.accept(mra.mra_id)
        index = open_index(ledger, tmp_path / "index.sqlite")
        try:
            yield ledger, index
        finally:
            index.close()


def _request(number: str) -> CertificateRequest:
    return CertificateRequest(
        number, int(Programme.SECURITY), int(Role.IMPORTER), False, 1_700_000_000, None, keccak(text=number)
    )


def _state(ledger: Ledger) -> tuple[int, int, int]:
    chain = ledger.chain
    cr, pe = ledger.dev_signers()[1:3]
    return chain.block().number, chain.transaction_count(cr.address), chain.transaction_count(pe.address)


def test_a_doubted_write_is_preflighted_and_mines_nothing(durable: tuple[Ledger, Index]) -> None:
    ledger, index = durable
    assert ledger.context.sender.optimistic
    cr, pe = (ledger.with_signer(s) for s in ledger.dev_signers()[1:3])
    issued = cr.certificates.issue(_request("CR-1"))
    cr.certificates.revoke(issued.certificate_id, ReasonCode.FRAUD)
    pe.recognition.acknowledge(issued.certificate_id, 1)
    index.sync()

    # Without foresight the refusal is mined (a reverted transaction, a nonce spent) ...
    before = _state(ledger)
    with pytest.raises(CertificateClosed):
        cr.certificates.revoke(issued.certificate_id, ReasonCode.FRAUD)
    assert _state(ledger)[0] == before[0] + 1
    assert _state(ledger)[1] == before[1] + 1

    # ... with it, nothing is sent, for writes of every module (and those of with_signer ledgers).
    ledger.use_foresight(IndexForesight(index))
    cr, pe = (ledger.with_signer(s) for s in ledger.dev_signers()[1:3])
    before = _state(ledger)
    with pytest.raises(CertificateClosed):
        cr.certificates.revoke(issued.certificate_id, ReasonCode.FRAUD)
    with pytest.raises(CertificateAlreadyIssued):
        cr.certificates.issue(_request("CR-1"))
    with pytest.raises(AlreadyAcknowledged):
        pe.recognition.acknowledge(issued.certificate_id, 1)
    results = cr.certificates.issue_many([_request("CR-1")])
    assert isinstance(results[0].error, CertificateAlreadyIssued)
    assert _state(ledger) == before

    # A doubt from a stale index (it has not seen CR-2 yet) costs one eth_call: the write lands.
    second = cr.certificates.issue(_request("CR-2"))
    foresight = IndexForesight(index)
    assert foresight.doubt("suspend", ledger.dev_signers()[1].address, (second.certificate_id, 1)) is not None
    suspended = cr.certificates.suspend(second.certificate_id, ReasonCode.INVESTIGATION)
    assert suspended.sequence == 2
    # And a batch mixing an issued row with new ones sends only the new ones, in one transaction.
    index.sync()
    mixed = cr.certificates.issue_many([_request("CR-1"), _request("CR-3"), _request("CR-4")])
    assert [r.ok for r in mixed] == [False, True, True]
    assert mixed[1].tx_hash == mixed[2].tx_hash
