"""The application factory :func:`create_app`.

app = create_app(ApiSettings(data_dir="aeo-data"))     # opens the chain, index and stores at startup
app = create_app(runtime=runtime)                       # tests: an already open runtime (not closed by the app)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.access import AccessMiddleware
from api.config import ApiSettings
from api.console import install_console
from api.docs import install_docs
from api.errors import install_error_handlers
from api.exchange import ExchangeSources, chain_sources, exchange_service
from api.metrics import install_metrics
from api.middleware import IdempotencyMiddleware
from api.openapi import install_openapi
from api.ratelimit import RateLimit
from api.routes import (
    administrations,
    certificates,
    credentials,
    exchange,
    health,
    mras,
    partners,
    transactions,
    verification,
    webhooks,
)
from api.runtime import Runtime
from api.webhooks import webhook_service

DESCRIPTION = """
A shared EVM ledger on which customs administrations record **AEO certificates** and the
**Mutual Recognition Agreements** under which they honour each other's certificates.

* **Auth**: `Authorization: Bearer aeo_…` — tokens are created with `aeo-ledger token create --admin CR
  --role writer|reader|auditor|governance|agency`. Writers write for their administration; readers read;
  auditors read everything and run verifications; governance registers and freezes administrations;
  agency tokens (another government agency of an administration) read like its readers, never write,
  and their requests are listed at `GET /v1/administrations/{code}/agency-reads`.
* **Request ids**: send `X-Request-ID` (or get a new one); it is echoed in the response and logged.
* **Writes** answer `201` with the resource, the transaction hash and block, once the index holds
  that block (read-your-writes). Send an `Idempotency-Key` on every POST to retry safely. A write
  sent but not confirmed in time answers `202 Accepted` with the hash and `outcome_url`
  (`GET /v1/transactions/{hash}`: `pending`, `landed` with the resources it changed, or `failed`):
  it may still land, so it is never reported as failed. On a chain that lost the deployment (a
  node restarted empty) writes and reads answer `503 chain-reset` and nothing is sent.
* **Errors** are RFC 9457 `application/problem+json` documents; contract reverts carry the error
  name (`error`) and its decoded arguments (`inputs`).
* **Reads** come from the index (milliseconds); `/audit` endpoints verify against the chain.
* **Webhooks**: register an endpoint (`POST /v1/webhooks/endpoints`, writer token) and the gateway POSTs
  partners' certificate events and acknowledgements of your events to it, signed per Standard Webhooks
  (`webhook-id`, `webhook-timestamp`, `webhook-signature`), at least once, from a durable outbox.
"""

TAGS = [
    {"name": "administrations", "description": "Customs administrations, their signers and KPIs"},
    {"name": "certificates", "description": "AEO certificates: issue, lifecycle, reads, history"},
    {"name": "verification", "description": "History audits and document verification against the chain"},
    {
        "name": "credentials",
        "description": "AEO credentials (SD-JWT verifiable credentials) an operator holds; anyone verifies them",
    },
    {"name": "mras", "description": "Mutual Recognition Agreements"},
    {"name": "recognition", "description": "Whether an administration recognises a certificate"},
    {"name": "partners", "description": "Partners' certificate events: feed, stream, inbox, acknowledgements"},
    {"name": "transactions", "description": "The outcome of a write answered 202 Accepted"},
    {"name": "webhooks", "description": "Signed pushes (Standard Webhooks) of partners' events to national systems"},
    {
        "name": "exchange",
        "description": "Envelopes of certificate documents between MRA partners' gateways; trader lookup",
    },
    {"name": "health", "description": "Liveness and readiness"},
]


def create_app(
    settings: ApiSettings | None = None,
    *,
    runtime: Runtime | None = None,
    exchange_sources: ExchangeSources | None = chain_sources,
) -> FastAPI:
    """Build the API.

    Args:
        settings: opens a :class:`Runtime` from these settings at startup and closes it at shutdown
            (default: ``ApiSettings()`` from the environment). Ignored when ``runtime`` is given.
        runtime: an open runtime to serve (tests, embedding); the caller closes it.
        exchange_sources: where a gateway's envelope exchange finds the published exchange endpoints and the
            operators' consent (:mod:`api.exchange`; default: the chain's, through the index); ``None``: no exchange.
    """
    chosen = runtime.settings if runtime is not None else settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = chosen.worker_threads
        if runtime is not None:
            app.state.runtime = runtime
            async with webhook_service(app, runtime), exchange_service(app, runtime, exchange_sources):
                yield
            return
        opened = await run_in_threadpool(Runtime.open, chosen)
        app.state.runtime = opened
        try:
            async with webhook_service(app, opened), exchange_service(app, opened, exchange_sources):
                yield
        finally:
            await run_in_threadpool(opened.close)

    app = FastAPI(
        title="aeo-ledger API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # api.docs serves /docs from the installed Swagger UI package (no CDN)
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    install_metrics(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(AccessMiddleware)  # outermost: request id and access log of every answer, replays too
    # Most-read routes first: Starlette matches routes in order.
    app.state.credential_verify_limit = RateLimit("credential verifications", chosen.credential_verify_rate)
    modules = (
        certificates,
        verification,
        credentials,
        partners,
        administrations,
        mras,
        webhooks,
        exchange,
        transactions,
        health,
    )
    for module in modules:
        app.include_router(module.router)
    install_console(app, chosen)
    install_docs(app)
    install_openapi(app)
    webhooks.document_bodies(app.webhooks)
    return app
