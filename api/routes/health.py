"""``/health`` (liveness) and ``/ready`` (chain reachable and holding the deployment, index caught up); no token."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from api.errors import ProblemError
from api.schemas.health import Health, Readiness
from api.schemas.problems import problem_responses
from ledger_client.errors import LedgerError

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses=problem_responses(503))
async def ready(runtime: RuntimeDep) -> Readiness:
    """Ready when the chain answers and still holds the deployment (its block hash and code, checked at
    most every ``deployment_check_seconds``), and the index is at most ``ready_max_lag_blocks`` behind it."""
    try:
        head = await run_in_threadpool(runtime.ledger.chain.block_number)
        deployment = await run_in_threadpool(runtime.ledger.guard.state)
    except LedgerError as exc:
        raise ProblemError(503, "chain-unavailable", "Chain unavailable", f"the chain does not answer: {exc}") from exc
    reset = deployment.problem or runtime.index.chain_reset
    if reset is not None:
        expected = runtime.ledger.guard.expected_block_hash
        raise ProblemError(
            503,
            "chain-reset",
            "Chain reset: the deployment is gone",
            reset,
            deployment_block=runtime.ledger.deployment.deployment_block,
            expected_block_hash=None if expected is None else "0x" + expected.hex(),
            chain_block_hash=None if deployment.block_hash is None else "0x" + deployment.block_hash.hex(),
            chain_block=head,
        )
    indexed = runtime.index.block_number
    lag = max(0, head - indexed)
    if lag > runtime.settings.ready_max_lag_blocks:
        raise ProblemError(
            503,
            "index-behind",
            "Index behind the chain",
            f"the index is at block {indexed}, the chain at {head}",
            chain_block=head,
            index_block=indexed,
        )
    return Readiness(status="ready", chain_block=head, index_block=indexed, lag_blocks=lag)
