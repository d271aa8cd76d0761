"""Governance through a 3-of-5 Safe on the in-memory chain: prepare, sign k times, execute, and every refusal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ledger_client.errors import AdministrationAlreadyRegistered, AdministrationNotFrozen, NotGovernance
from ledger_client.governance import (
    Action,
    NotAnOwnerError,
    NotASafeError,
    NotEnoughSignaturesError,
    ProposalFileError,
    Safe,
    StaleNonceError,
    WrongChainError,
    carry_out,
    execute,
    prepare,
    read_proposal,
    write_proposal,
)
from ledger_client.governance.safetx import SafeTx, recover, sign
from ledger_client.signers import Signer
from tests.governance.conftest import THRESHOLD, Governed


def register(governed: Governed, code: str = "CR") -> Signer:
    key = Signer.create()
    action = Action.of("register", code=code, name="Costa Rica", signer=key.address)
    carry_out(governed.ledger, action, governed.owners[:THRESHOLD], governed.executor)
    return key


def nonce(governed: Governed) -> int:
    return Safe(governed.ledger.chain, governed.safe.safe).state().nonce


def test_the_safe_is_the_ledgers_governance(governed: Governed) -> None:
    state = Safe(governed.ledger.chain, governed.safe.safe).state()
    assert governed.ledger.administrations.governance() == governed.safe.safe
    assert set(state.owners) == {o.address for o in governed.owners}
    assert (state.threshold, state.nonce, state.version) == (THRESHOLD, 0, "1.4.1")
    with pytest.raises(NotGovernance):  # no single key governs any more
        governed.ledger.administrations.register("CR", "Costa Rica", Signer.create().address)


def test_prepare_sign_execute_through_a_file(governed: Governed, tmp_path: Path) -> None:
    key = Signer.create()
    path = tmp_path / "register-cr.json"
    proposal = prepare(governed.ledger, Action.of("register", code="CR", name="Costa Rica", signer=key.address))
    assert proposal.transaction.nonce == 0
    assert proposal.missing() == THRESHOLD
    write_proposal(proposal, path)
    for owner in governed.owners[1:4]:  # any three owners, each signing the file in turn
        write_proposal(read_proposal(path).signed_by(owner), path)
    done = execute(governed.ledger, read_proposal(path), governed.executor)
    write_proposal(done, path)
    assert governed.ledger.administrations.get("CR").signers == (key.address,)
    assert nonce(governed) == 1
    recorded = json.loads(path.read_text())
    assert done.executed is not None
    assert recorded["executed"]["tx_hash"] == done.executed.tx_hash
    assert recorded["description"] == f"register administration CR (Costa Rica) with signer {key.address}"


def test_freeze_recover_unfreeze(governed: Governed) -> None:
    register(governed)
    signers = governed.owners[2:]
    carry_out(governed.ledger, Action.of("freeze", code="CR"), signers, governed.executor)
    assert governed.ledger.administrations.get("CR").frozen
    new_key = Signer.create()
    carry_out(governed.ledger, Action.of("recover", code="CR", signer=new_key.address), signers, governed.executor)
    carry_out(governed.ledger, Action.of("unfreeze", code="CR"), signers, governed.executor)
    administration = governed.ledger.administrations.get("CR")
    assert not administration.frozen
    assert administration.signers == (new_key.address,)


def test_k_minus_one_signatures_are_refused_and_nothing_is_sent(governed: Governed) -> None:
    proposal = prepare(governed.ledger, Action.of("register", code="PE", name="Peru", signer=Signer.create().address))
    for owner in governed.owners[: THRESHOLD - 1]:
        proposal = proposal.signed_by(owner)
    block = governed.ledger.chain.block_number()
    with pytest.raises(NotEnoughSignaturesError, match=f"2 of the {THRESHOLD} owners' signatures"):
        execute(governed.ledger, proposal, governed.executor)
    assert governed.ledger.chain.block_number() == block
    assert nonce(governed) == 0


def test_a_non_owner_cannot_sign_nor_slip_a_signature_in(governed: Governed) -> None:
    stranger = Signer.create()
    register(governed)
    proposal = prepare(governed.ledger, Action.of("freeze", code="CR"))
    with pytest.raises(NotAnOwnerError, match="is not an owner"):
        proposal.signed_by(stranger)
    forged = {o.address: sign(proposal.transaction, o) for o in governed.owners[:2]}
    forged[stranger.address] = sign(proposal.transaction, stranger)
    with pytest.raises(NotAnOwnerError, match=stranger.address):
        execute(governed.ledger, replace(proposal, signatures=forged), governed.executor)
    misfiled = {**forged}
    misfiled[governed.owners[4].address] = misfiled.pop(stranger.address)  # the stranger's under an owner's name
    data = replace(proposal, signatures={}).to_json()
    data["signatures"] = {owner: "0x" + s.hex() for owner, s in misfiled.items()}
    with pytest.raises(NotAnOwnerError, match=r"is not .*'s signature"):
        type(proposal).from_json(data)


def test_an_executed_proposal_cannot_be_replayed(governed: Governed) -> None:
    key = Signer.create()
    proposal = prepare(governed.ledger, Action.of("register", code="MX", name="México", signer=key.address))
    for owner in governed.owners[:THRESHOLD]:
        proposal = proposal.signed_by(owner)
    done = execute(governed.ledger, proposal, governed.executor)
    with pytest.raises(StaleNonceError, match="executed already"):
        execute(governed.ledger, done, governed.executor)
    with pytest.raises(StaleNonceError, match="nonce 0 is used already"):
        execute(governed.ledger, proposal, governed.executor)  # the same signatures without the record
    with pytest.raises(ProposalFileError, match="nothing to sign"):
        done.signed_by(governed.owners[4])


def test_a_proposal_of_another_chain_or_an_edited_file_is_refused(governed: Governed) -> None:
    proposal = prepare(
        governed.ledger, Action.of("register", code="CO", name="Colombia", signer=Signer.create().address)
    )
    other = replace(proposal, transaction=replace(proposal.transaction, chain_id=proposal.transaction.chain_id + 1))
    for owner in governed.owners[:THRESHOLD]:
        other = other.signed_by(owner)
    with pytest.raises(WrongChainError, match="for chain"):
        execute(governed.ledger, other, governed.executor)
    data = proposal.signed_by(governed.owners[0]).to_json()
    data["transaction"]["data"] = data["transaction"]["data"][:-2] + "ff"
    with pytest.raises(ProposalFileError, match="hash to"):
        type(proposal).from_json(data)


def test_queued_nonces_execute_in_order(governed: Governed) -> None:
    key = register(governed)  # nonce 0
    freeze = prepare(governed.ledger, Action.of("freeze", code="CR"))  # nonce 1
    unfreeze = prepare(governed.ledger, Action.of("unfreeze", code="CR"), nonce=freeze.transaction.nonce + 1)
    with pytest.raises(AdministrationNotFrozen):  # at the current nonce the ledger's answer is known now
        prepare(governed.ledger, Action.of("unfreeze", code="CR"))
    for owner in governed.owners[:THRESHOLD]:
        freeze, unfreeze = freeze.signed_by(owner), unfreeze.signed_by(owner)
    with pytest.raises(StaleNonceError, match=r"execute the proposals of nonces 1\.\.1 first"):
        execute(governed.ledger, unfreeze, governed.executor)
    execute(governed.ledger, freeze, governed.executor)
    execute(governed.ledger, unfreeze, governed.executor)
    assert not governed.ledger.administrations.get("CR").frozen
    assert governed.ledger.administrations.get("CR").signers == (key.address,)
    with pytest.raises(StaleNonceError, match="used already"):
        prepare(governed.ledger, Action.of("freeze", code="CR"), nonce=0)


def test_the_ledgers_refusal_comes_before_any_signature(governed: Governed) -> None:
    register(governed)
    with pytest.raises(AdministrationAlreadyRegistered):
        prepare(governed.ledger, Action.of("register", code="CR", name="Costa Rica", signer=Signer.create().address))


def test_local_safe_tx_hash_is_the_safes(governed: Governed) -> None:
    safe = Safe(governed.ledger.chain, governed.safe.safe)
    transaction = SafeTx(
        chain_id=governed.ledger.chain.chain_id, safe=safe.address, to=governed.executor.address,
        data=b"\x01\x02\x03", nonce=41, value=7, safe_tx_gas=5, base_gas=6, gas_price=8,
    )  # fmt: skip
    assert safe.transaction_hash(transaction) == transaction.safe_tx_hash()
    signature = sign(transaction, governed.owners[0])
    assert recover(transaction.safe_tx_hash(), signature) == governed.owners[0].address


def test_actions_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown governance action"):
        Action.of("dissolve", code="CR")
    with pytest.raises(ValueError, match="missing signer"):
        Action.of("recover", code="CR")
    with pytest.raises(ValueError, match=r"ISO 3166|code"):
        Action.of("freeze", code="C1")


def test_a_key_governance_is_not_a_safe() -> None:
    from ledger_client.governance import governance_safe
    from ledger_client.ledger import Ledger

    with Ledger.embedded() as ledger, pytest.raises(NotASafeError, match="holds no contract"):
        governance_safe(ledger)
