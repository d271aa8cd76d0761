"""Dependencies of the routes, as ``Annotated[..., Depends(...)]`` aliases.

Tests replace any of them through ``app.dependency_overrides`` (e.g. ``get_runtime``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.types import DecoratedCallable

from api.auth import Principal, authenticate
from api.config import ApiSettings
from api.errors import ProblemError
from api.idempotency import MAX_KEY_LENGTH
from api.runtime import Runtime
from ledger_client.index import Index


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime (set by :func:`api.main.create_app`). Async, like every dependency: no thread hop."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> ApiSettings:
    """The settings."""
    return runtime.settings


async def get_index(runtime: RuntimeDep) -> Index:
    """The read model; 503 ``chain-reset`` while the chain lacks the deployment (the index then holds nothing)."""
    reset = runtime.index.chain_reset
    if reset is not None:
        raise ProblemError(503, "chain-reset", "Chain reset: the deployment is gone", reset)
    return runtime.index


async def get_principal(
    request: Request,
    runtime: RuntimeDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer aeo_…` (an API token)", examples=["Bearer aeo_…"])
    ] = None,
) -> Principal:
    """The authenticated caller (401 problem otherwise). Async: runs on the event loop, no thread hop.

    Kept in ``request.state.principal``: the access log (:mod:`api.access`) names it and records
    the reads of agency tokens."""
    principal = authenticate(runtime.tokens, authorization)
    request.state.principal = principal
    return principal


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=MAX_KEY_LENGTH,
            description="Retry-safe key: a retry with the same key and body returns the first response and sends "
            "no second transaction; the same key with another body is refused (422).",
            examples=["5f0c7a4e-1d0b-4c47-9a53-0d6f0d0b8c11"],
        ),
    ] = None,
) -> str | None:
    """Documents the ``Idempotency-Key`` header (handled by :class:`api.middleware.IdempotencyMiddleware`)."""
    return key


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
IndexDep = Annotated[Index, Depends(get_index)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
#: Add to every POST: ``dependencies=IDEMPOTENT``.
IDEMPOTENT = [Depends(idempotency_key)]


def write_route(
    router: APIRouter, path: str, model: type[Any], responses: dict[int | str, dict[str, Any]]
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """The POST of a write: 201 Created with ``model``, the ``Idempotency-Key`` header, ``responses``."""
    return router.post(
        path, status_code=status.HTTP_201_CREATED, response_model=model, dependencies=IDEMPOTENT, responses=responses
    )
