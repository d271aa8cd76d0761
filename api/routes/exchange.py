"""The envelope exchange between gateways, and the border lookup of traders (issue #14)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.auth import forbidden, require_writer_for
from api.deps import IDEMPOTENT, PrincipalDep
from api.exchange import ExchangeService, get_exchange
from api.routes.params import AfterRowQuery
from api.schemas.common import At, hex0x
from api.schemas.exchange import EnvelopePageOut, OperatorsOut, RotatedKeyOut
from api.schemas.problems import problem_responses
from ledger_client.exchange.requests import NONCE, REQUESTER, SIGNATURE, TIMESTAMP
from ledger_client.exchange.wire import envelope_json

router = APIRouter(prefix="/v1", tags=["exchange"])

ExchangeDep = Annotated[ExchangeService, Depends(get_exchange)]


@router.get(
    "/exchange/envelopes",
    response_model=EnvelopePageOut,
    responses=problem_responses(403, 404, 422),
    openapi_extra={
        "parameters": [
            {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
            for name, text in (
                (REQUESTER, "the requesting administration (ISO alpha-2)"),
                (TIMESTAMP, "Unix seconds when the request was signed"),
                (NONCE, "0x + 32 random bytes, never reused"),
                (SIGNATURE, "EIP-712 signature by a current on-chain signer of the requester"),
            )
        ]
    },
)
async def envelopes(
    request: Request,
    exchange: ExchangeDep,
    after: AfterRowQuery = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="page size")] = 500,
) -> JSONResponse:
    """The requester's envelopes after row ``after`` (no API token: the request's signature is checked
    against the chain, and the requester must be party to a non-terminated MRA with this administration).

    Refusals (non-party, removed signer, another administration's key, replay, stale timestamp) answer
    403 ``exchange-refused`` with a ``reason`` and are logged."""
    page = await run_in_threadpool(exchange.authority.serve_headers, request.headers, after, limit)
    body = {
        "issuer": exchange.administration,
        "recipient": page.requester,
        "envelopes": [envelope_json(e) for e in page.envelopes],
        "next_after": page.next_after,
        "more": page.more,
    }
    return JSONResponse(body)  # the documented EnvelopePageOut, built without validating each item again


@router.get("/operators", response_model=OperatorsOut, responses=problem_responses(401, 403, 404, 422))
async def operators(
    principal: PrincipalDep,
    exchange: ExchangeDep,
    id: Annotated[str, Query(min_length=1, max_length=128, description="tax id, EORI or WCO TIN (any punctuation)")],
    at: Annotated[At | None, Query(description="a moment (default: now)")] = None,
) -> OperatorsOut:
    """The foreign AEO certificates of a trader that this administration knows from its envelopes, each with
    its status and whether this administration recognises it (now or ``at``), and the granting MRA."""
    if not principal.sees_everything and principal.administration != exchange.administration:
        raise forbidden(f"{principal.describe()} cannot read {exchange.administration}'s received documents")
    answer = await run_in_threadpool(exchange.lookup.find, id, at)
    return OperatorsOut.of(answer)


@router.post(
    "/exchange/key/rotate",
    status_code=201,
    response_model=RotatedKeyOut,
    responses=problem_responses(401, 403, 404, 422, 503),
    dependencies=IDEMPOTENT,
)
async def rotate_key(principal: PrincipalDep, exchange: ExchangeDep) -> RotatedKeyOut:
    """Rotate this gateway's exchange key (its writer tokens): a new X25519 key, published on-chain with the
    gateway's URL. Issuers re-encrypt the current certificates to it; the old key still opens older envelopes."""
    require_writer_for(principal, exchange.administration, "rotate the exchange key of")
    version, key, url = await run_in_threadpool(exchange.rotate)
    return RotatedKeyOut(
        administration=exchange.administration, version=version, public_key=hex0x(key), gateway_url=url
    )
