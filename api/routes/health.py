"""``/health`` (liveness) and ``/ready`` (chain reachable, index caught up); no token needed."""

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
    """Ready when the chain answers and the index is at most ``ready_max_lag_blocks`` behind it."""
    try:
        head = await run_in_threadpool(runtime.ledger.chain.block_number)
    except LedgerError as exc:
        raise ProblemError(503, "chain-unavailable", "Chain unavailable", f"the chain does not answer: {exc}") from exc
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
