"""A write that is not confirmed in time (``202 Accepted``) and a transaction's outcome."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Hex32
from api.schemas.problems import problem_responses

OutcomeStateName = Literal["pending", "landed", "failed"]


def outcome_url(tx_hash: str) -> str:
    """Where the outcome of ``tx_hash`` (0x-hex) is read."""
    return f"/v1/transactions/{tx_hash}"


class WriteAccepted(BaseModel):
    """The write was signed and handed to the node, but not confirmed (and indexed) in time.

    It is not a failure: the transaction may still land. Poll ``outcome_url`` (also in the
    ``Location`` header) until ``state`` is ``landed`` or ``failed``; a retry with the same
    ``Idempotency-Key`` returns this same answer and sends nothing new.
    """

    state: OutcomeStateName = Field(description="`pending` (not mined yet) or `landed` (mined, index behind)")
    tx_hash: Hex32
    outcome_url: str = Field(examples=["/v1/transactions/0x5c50…"])
    detail: str


class ResourceOut(BaseModel):
    """A ledger resource a landed transaction changed."""

    kind: Literal["certificate", "mra", "administration"]
    id: str = Field(description="certificate id (0x-hex), MRA id or administration code")
    url: str = Field(examples=["/v1/certificates/0x4352…"])


class TransactionError(BaseModel):
    """Why a transaction failed."""

    error: str = Field(description="the typed error's name (the contract error for reverts)")
    detail: str
    inputs: dict[str, Any] | None = Field(default=None, description="decoded arguments of a contract revert")


class TransactionOutcomeOut(BaseModel):
    """What became of a transaction sent to the ledger."""

    tx_hash: Hex32
    state: OutcomeStateName = Field(
        description="`pending`: not mined yet (in the node's pool, or re-sent by this gateway after a reorg "
        "dropped it); `landed`: mined and successful; `failed`: mined and reverted, or dropped for good (its "
        "nonce went to another transaction: it can never land)"
    )
    detail: str
    block_number: int | None = None
    block_hash: Hex32 | None = None
    gas_used: int | None = None
    indexed: bool = Field(description="the gateway's index holds the block (reads show the write)")
    events: list[str] = Field(default_factory=list, description="the ledger events the transaction emitted")
    resources: list[ResourceOut] = Field(default_factory=list)
    failure: TransactionError | None = None


def write_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` of a write: ``202`` (not confirmed in time) and the given problems."""
    return {
        202: {
            "model": WriteAccepted,
            "description": "Sent but not confirmed in time: it may still land; read its outcome at `outcome_url` "
            "(also the `Location` header)",
        },
        **problem_responses(*statuses),
    }
