"""``/v1/transactions/{tx_hash}``: what became of a write answered ``202 Accepted``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import PrincipalDep, RuntimeDep
from api.errors import jsonable
from api.routes.params import HEX32_PATTERN
from api.schemas.common import hex0x
from api.schemas.problems import problem_responses
from api.schemas.transactions import ResourceOut, TransactionError, TransactionOutcomeOut
from ledger_client.errors import ContractRevert, TransactionNotFoundError
from ledger_client.outcomes import TouchedResource

router = APIRouter(prefix="/v1/transactions", tags=["transactions"])

TxHashPath = Annotated[
    str, Path(pattern=HEX32_PATTERN, description="transaction hash (0x + 64 hex digits)", examples=["0x5c50…"])
]

_PREFIXES = {"certificate": "/v1/certificates/", "mra": "/v1/mras/", "administration": "/v1/administrations/"}


def _resource(resource: TouchedResource) -> ResourceOut:
    return ResourceOut(kind=resource.kind, id=resource.key, url=_PREFIXES[resource.kind] + resource.key)


@router.get("/{tx_hash}", response_model=TransactionOutcomeOut, responses=problem_responses(401, 404, 422, 503))
def transaction_outcome(tx_hash: TxHashPath, runtime: RuntimeDep, _principal: PrincipalDep) -> TransactionOutcomeOut:
    """Pending, landed (with the resources it changed) or failed (with the decoded error).

    A write answered ``202 Accepted`` points here. ``pending`` may last a while (a congested node,
    a reorg that dropped the transaction: this gateway re-sends it); ``landed`` and ``failed`` are
    final unless the chain reorganises again.
    """
    outcome = runtime.ledger.transaction_outcome(bytes.fromhex(tx_hash[2:]))
    if outcome is None:
        raise TransactionNotFoundError(
            f"no transaction {tx_hash} to the ledger is known to the node or to this gateway; one dropped "
            "before this gateway restarted is not re-sent, and its nonce goes to the signer's next write"
        )
    failure = None
    if outcome.error is not None:
        error = outcome.error
        failure = TransactionError(
            error=error.name if isinstance(error, ContractRevert) else type(error).__name__,
            detail=str(error),
            inputs=jsonable(error.inputs) if isinstance(error, ContractRevert) else None,
        )
    return TransactionOutcomeOut(
        tx_hash=hex0x(outcome.tx_hash),
        state=outcome.state.value,
        detail=outcome.detail,
        block_number=outcome.block_number,
        block_hash=None if outcome.block_hash is None else hex0x(outcome.block_hash),
        gas_used=outcome.gas_used,
        indexed=outcome.block_number is not None and runtime.index.block_number >= outcome.block_number,
        events=list(outcome.events),
        resources=[_resource(r) for r in outcome.resources],
        failure=failure,
    )
