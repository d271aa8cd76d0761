"""What became of a transaction this client sent: pending, landed (and what it touched) or failed.

A write whose receipt does not arrive in time is not a failure: the transaction may still land
(a congested node, a reorg that dropped it and the sender re-sent it). The caller gets its hash
instead (the API answers ``202 Accepted`` with ``/v1/transactions/{hash}``) and reads its
outcome here, by hash, until it is final:

- ``landed``: mined and successful; ``resources`` names what it changed (certificates, MRAs,
  administrations), from the ledger's events in its receipt;
- ``failed``: mined and reverted (``error`` is the decoded custom error), or lost for good: the
  node dropped it and its nonce went to another transaction, so it can never land;
- ``pending``: in the node's pool, or kept by this client and re-sent (a reorg dropped it).

Asking about a transaction the node lost while its nonce is still free re-sends it first (see
:meth:`~ledger_client.nonces.NonceManager.restore`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from ledger_client.chain import Receipt
from ledger_client.context import LedgerContext
from ledger_client.errors import LedgerError, TransactionFailedError

ResourceKind = Literal["certificate", "mra", "administration"]


class OutcomeState(StrEnum):
    """Where a transaction stands."""

    PENDING = "pending"
    LANDED = "landed"
    FAILED = "failed"


@dataclass(frozen=True)
class TouchedResource:
    """A ledger resource a landed transaction changed."""

    kind: ResourceKind
    key: str  # certificate id (0x-hex), MRA id, administration code


@dataclass(frozen=True)
class TransactionOutcome:
    """The outcome of one transaction (see the module docstring)."""

    tx_hash: bytes
    state: OutcomeState
    detail: str
    block_number: int | None = None
    block_hash: bytes | None = None
    gas_used: int | None = None
    events: tuple[str, ...] = ()
    resources: tuple[TouchedResource, ...] = ()
    error: LedgerError | None = None


def transaction_outcome(ctx: LedgerContext, tx_hash: bytes) -> TransactionOutcome | None:
    """The outcome of ``tx_hash``; None when neither the node nor this client knows it, or it is
    not a transaction to the ledger.

    Raises :class:`~ledger_client.errors.ChainResetError` when the chain lost the deployment.
    """
    ctx.sender.require_deployment()
    known = _on_chain(ctx, tx_hash)
    if known is not None:
        return None if known == "foreign" else known
    kept = ctx.sender.nonces.kept(tx_hash)
    if kept is None:
        return None
    ctx.sender.restore(kept.sender)  # the node lost it: re-send it when its nonce is still free
    known = _on_chain(ctx, tx_hash)
    if isinstance(known, TransactionOutcome):
        if known.state is OutcomeState.PENDING:
            return TransactionOutcome(tx_hash, OutcomeState.PENDING, "the node had lost it (a reorg); re-sent")
        return known
    used = ctx.chain.transaction_count(kept.sender, "latest")
    if used > kept.nonce:
        return TransactionOutcome(
            tx_hash,
            OutcomeState.FAILED,
            f"dropped: the node lost it and its nonce {kept.nonce} went to another transaction of "
            f"{kept.sender}; it can never land",
        )
    return TransactionOutcome(
        tx_hash,
        OutcomeState.PENDING,
        f"the node does not hold it and refused it again; its nonce {kept.nonce} is free, so the next write of "
        f"{kept.sender} takes it and replaces it",
    )


def _on_chain(ctx: LedgerContext, tx_hash: bytes) -> TransactionOutcome | Literal["foreign"] | None:
    """The outcome of a transaction the node holds (mined or pooled); "foreign" when it is not addressed
    to the ledger; None when the node does not hold it."""
    chain = ctx.chain
    receipt = chain.receipt(tx_hash)
    fields = chain.transaction(tx_hash)
    if fields is not None and (fields.to is None or fields.to.lower() != ctx.address.lower()):
        return "foreign"
    if receipt is not None:
        if receipt.status == 1:
            return _landed(ctx, receipt)
        error = (
            chain.failure_of(receipt, ctx.address, fields.data, fields.sender)
            if fields is not None
            else TransactionFailedError(f"transaction 0x{tx_hash.hex()} reverted in block {receipt.block_number}")
        )
        return TransactionOutcome(
            tx_hash,
            OutcomeState.FAILED,
            f"reverted in block {receipt.block_number}: {error}",
            receipt.block_number,
            receipt.block_hash,
            receipt.gas_used,
            error=error,
        )
    if fields is not None:
        return TransactionOutcome(tx_hash, OutcomeState.PENDING, "in the node's pool, not mined yet")
    return None


def _landed(ctx: LedgerContext, receipt: Receipt) -> TransactionOutcome:
    events: list[str] = []
    resources: list[TouchedResource] = []
    for log in receipt.logs:
        if log.address.lower() != ctx.address.lower():
            continue
        decoded = ctx.codec.decode_log(log.topics, log.data)
        if decoded is None:
            continue
        name, args = decoded
        events.append(name)
        resource = _resource(args)
        if resource is not None and resource not in resources:
            resources.append(resource)
    return TransactionOutcome(
        receipt.transaction_hash,
        OutcomeState.LANDED,
        f"mined in block {receipt.block_number}",
        receipt.block_number,
        receipt.block_hash,
        receipt.gas_used,
        tuple(events),
        tuple(resources),
    )


def _resource(args: dict[str, object]) -> TouchedResource | None:
    """The resource an event of the ledger is about (by its arguments' names)."""
    certificate_id = args.get("id")
    if isinstance(certificate_id, bytes):
        return TouchedResource("certificate", "0x" + certificate_id.hex())
    mra_id = args.get("mraId")
    if isinstance(mra_id, int):
        return TouchedResource("mra", str(mra_id))
    code = args.get("code")
    if isinstance(code, bytes):
        return TouchedResource("administration", code.decode("ascii"))
    return None
