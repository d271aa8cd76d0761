"""Prepare and execute governance proposals against the chain (signing is offline: :mod:`.proposal`).

``prepare`` reads the ledger's governance address (the Safe, fixed when the ledger was deployed),
its owners, threshold and nonce, checks that the ledger would accept the call from the Safe now, and
cross-checks the local EIP-712 hash with the Safe's own ``getTransactionHash``. ``execute`` checks
everything the Safe would (chain, Safe, nonce, owners, threshold, each signature) and says which
check failed before anything is sent; then any account submits ``execTransaction``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ledger_client.governance.actions import Action
from ledger_client.governance.errors import (
    NotAnOwnerError,
    NotEnoughSignaturesError,
    ProposalFileError,
    StaleNonceError,
    WrongChainError,
)
from ledger_client.governance.proposal import Execution, Proposal
from ledger_client.governance.safe import Safe, SafeState
from ledger_client.governance.safetx import SafeTx, pack
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer


def governance_safe(ledger: Ledger) -> Safe:
    """The ledger's governance Safe (:class:`~.errors.NotASafeError` when governance is a plain key)."""
    safe = Safe(ledger.chain, ledger.administrations.governance())
    safe.state()
    return safe


def prepare(ledger: Ledger, action: Action, *, nonce: int | None = None) -> Proposal:
    """A proposal of ``action`` at Safe nonce ``nonce`` (default: the Safe's next), with no signature yet.

    At the Safe's current nonce the ledger's call is simulated from the Safe first, so a proposal the
    ledger would refuse (an administration already registered, not frozen …) raises its decoded error
    now rather than after the owners signed. A later nonce queues behind earlier proposals and is not
    simulated (the state it will meet is not there yet); an earlier one is :class:`StaleNonceError`.
    """
    ledger.context.require_writable()
    safe = governance_safe(ledger)
    state = safe.state()
    at = state.nonce if nonce is None else nonce
    if at < state.nonce:
        raise StaleNonceError(f"Safe nonce {at} is used already: the Safe's next nonce is {state.nonce}")
    data = action.calldata()
    address = ledger.deployment.address
    if at == state.nonce:
        ledger.chain.call(address, data, state.address)  # raises the ledger's decoded refusal
    transaction = SafeTx(chain_id=ledger.chain.chain_id, safe=state.address, to=address, data=data, nonce=at)
    on_chain = safe.transaction_hash(transaction)
    if on_chain != transaction.safe_tx_hash():
        raise ProposalFileError(  # pragma: no cover - the EIP-712 encoding is Safe's; a mismatch is a bug
            f"the Safe hashes this transaction to 0x{on_chain.hex()}, "
            f"the client to 0x{transaction.safe_tx_hash().hex()}"
        )
    return Proposal(action, transaction, address, state.owners, state.threshold)


def check_executable(ledger: Ledger, proposal: Proposal) -> SafeState:
    """The Safe's state when ``proposal`` can execute now; else the typed error of the first failed check."""
    transaction = proposal.transaction
    chain_id = ledger.chain.chain_id
    if transaction.chain_id != chain_id:
        raise WrongChainError(f"the proposal is for chain {transaction.chain_id}; this node is chain {chain_id}")
    if proposal.ledger != ledger.deployment.address:
        raise WrongChainError(
            f"the proposal is for the ledger {proposal.ledger}; this deployment is {ledger.deployment.address}"
        )
    governance = ledger.administrations.governance()
    if transaction.safe != governance:
        raise WrongChainError(
            f"the proposal is for the Safe {transaction.safe}; the ledger's governance is {governance}"
        )
    if proposal.executed is not None:
        raise StaleNonceError(
            f"the proposal was executed already (transaction {proposal.executed.tx_hash}, block "
            f"{proposal.executed.block_number}): it cannot run twice"
        )
    state = Safe(ledger.chain, transaction.safe).state()
    if transaction.nonce < state.nonce:
        raise StaleNonceError(
            f"the proposal's Safe nonce {transaction.nonce} is used already (the Safe is at {state.nonce}): it was "
            "executed, or another proposal took its nonce; prepare it again if it is still wanted"
        )
    if transaction.nonce > state.nonce:
        raise StaleNonceError(
            f"the proposal's Safe nonce {transaction.nonce} is not next: the Safe is at {state.nonce}; execute the "
            f"proposals of nonces {state.nonce}..{transaction.nonce - 1} first"
        )
    strangers = sorted(owner for owner in proposal.signatures if owner not in state.owners)
    if strangers:
        raise NotAnOwnerError(
            f"signed by {', '.join(strangers)}, not owner(s) of the Safe {state.address} (owners: "
            f"{', '.join(state.owners)}); remove those signatures"
        )
    if len(proposal.signatures) < state.threshold:
        raise NotEnoughSignaturesError(
            f"{len(proposal.signatures)} of the {state.threshold} owners' signatures the Safe needs "
            f"({proposal.description}); signed by: {', '.join(sorted(proposal.signatures)) or 'nobody'}"
        )
    return state


def execute(ledger: Ledger, proposal: Proposal, executor: Signer) -> Proposal:
    """Submit ``proposal`` (``executor`` signs and pays the transaction); return it with its execution."""
    ledger.context.require_writable()
    check_executable(ledger, proposal)
    ledger.chain.call(proposal.ledger, proposal.transaction.data, proposal.transaction.safe)  # the ledger's refusal
    safe = Safe(ledger.chain, proposal.transaction.safe)
    sent = safe.execute(ledger.context.sender, executor, proposal.transaction, pack(proposal.signatures))
    ledger.context.forget_codes()
    return replace(proposal, executed=Execution("0x" + sent.tx_hash.hex(), sent.block_number, executor.address))


def carry_out(ledger: Ledger, action: Action, owners: Sequence[Signer], executor: Signer) -> Proposal:
    """Prepare, sign with each of ``owners`` and execute ``action`` at once (a network whose owners' keys
    are all on this machine, e.g. ``network up``'s development Safe)."""
    proposal = prepare(ledger, action)
    for owner in owners:
        proposal = proposal.signed_by(owner)
    return execute(ledger, proposal, executor)
