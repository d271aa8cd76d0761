"""``/v1/webhooks``: an administration's webhook endpoints (writer tokens of that administration),
their deliveries and delivery log, secret rotation, pause/resume and replay."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.auth import writer_administration
from api.deps import IDEMPOTENT, IndexDep, PrincipalDep, RuntimeDep
from api.routes.params import SQLITE_MAX_INTEGER, DeliveriesCursor, LimitQuery
from api.schemas.problems import problem_responses
from api.schemas.webhooks import (
    AcknowledgementWebhook,
    AttemptOut,
    CertificateEventWebhook,
    CreateEndpointRequest,
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    EndpointCreated,
    EndpointOut,
    ReplayOut,
    ReplayRequest,
    RotateSecretRequest,
    SecretRotated,
)
from api.webhooks import WebhookService, get_webhooks
from ledger_client.index.results import decode_cursor, encode_cursor
from ledger_client.webhooks import DeliveryStatus, Endpoint, Outbox
from ledger_client.webhooks.events import first_pos_at, tail_pos
from ledger_client.webhooks.signing import check_secret, new_secret

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

EndpointIdPath = Annotated[
    str, Path(pattern=r"^ep_[0-9a-f]{16}$", description="endpoint id", examples=["ep_4f3c2a1b0d9e8f7a"])
]
DeliveryIdPath = Annotated[int, Path(ge=1, le=SQLITE_MAX_INTEGER, description="delivery id")]
WebhooksDep = Annotated[WebhookService, Depends(get_webhooks)]

_READ = problem_responses(401, 403, 404, 422)
_WRITE = problem_responses(401, 403, 404, 422)


def _out(outbox: Outbox, endpoint: Endpoint) -> EndpointOut:
    return EndpointOut.of(endpoint, outbox.stats(endpoint.id), time.time())


@router.post(
    "/endpoints",
    status_code=status.HTTP_201_CREATED,
    response_model=EndpointCreated,
    dependencies=IDEMPOTENT,
    responses=problem_responses(401, 403, 422),
)
def create_endpoint(
    body: CreateEndpointRequest, runtime: RuntimeDep, principal: PrincipalDep, webhooks: WebhooksDep
) -> EndpointCreated:
    """Register an endpoint of the token's administration. From now on it receives, signed, every
    certificate event of the administration's MRA partners (as the feed shows them) and every
    acknowledgement of the administration's own events. Answers the signing secret once."""
    code = writer_administration(principal)
    secret = check_secret(body.secret) if body.secret else new_secret()
    types = None if body.event_types is None else [t.value for t in body.event_types]
    endpoint = runtime.outbox.create_endpoint(
        code, str(body.url), secret, tail_pos(runtime.index), description=body.description, event_types=types
    )
    webhooks.wake()
    return EndpointCreated(**_out(runtime.outbox, endpoint).model_dump(), secret=secret)


@router.get("/endpoints", response_model=list[EndpointOut], responses=problem_responses(401, 403))
def list_endpoints(runtime: RuntimeDep, principal: PrincipalDep) -> list[EndpointOut]:
    """The token's administration's endpoints, oldest first (secrets are never listed)."""
    code = writer_administration(principal)
    return [_out(runtime.outbox, e) for e in runtime.outbox.endpoints(code)]


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut, responses=_READ)
def get_endpoint(endpoint_id: EndpointIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> EndpointOut:
    """One endpoint with its backlog."""
    code = writer_administration(principal)
    return _out(runtime.outbox, runtime.outbox.endpoint(endpoint_id, code))


@router.delete("/endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_READ)
def delete_endpoint(endpoint_id: EndpointIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """Remove an endpoint, its pending deliveries and its delivery log."""
    runtime.outbox.delete_endpoint(endpoint_id, writer_administration(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret", response_model=SecretRotated, dependencies=IDEMPOTENT, responses=_WRITE
)
def rotate_secret(
    endpoint_id: EndpointIdPath, runtime: RuntimeDep, principal: PrincipalDep, body: RotateSecretRequest | None = None
) -> SecretRotated:
    """Give the endpoint a new signing secret. During the grace period every request carries two
    signatures (new and old), so the receiver may switch secrets whenever it likes."""
    code = writer_administration(principal)
    request = body or RotateSecretRequest()
    secret = check_secret(request.secret) if request.secret else new_secret()
    grace = runtime.settings.webhook_secret_grace_seconds if request.grace_seconds is None else request.grace_seconds
    endpoint = runtime.outbox.rotate_secret(endpoint_id, code, secret, grace)
    expires = _out(runtime.outbox, endpoint).previous_secret_expires_at
    return SecretRotated(endpoint_id=endpoint.id, secret=secret, previous_secret_expires_at=expires)


@router.post("/endpoints/{endpoint_id}/pause", response_model=EndpointOut, dependencies=IDEMPOTENT, responses=_WRITE)
def pause_endpoint(endpoint_id: EndpointIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> EndpointOut:
    """Stop delivering to the endpoint; events keep being queued for it (its backlog grows)."""
    return _out(runtime.outbox, runtime.outbox.set_paused(endpoint_id, writer_administration(principal), True))


@router.post("/endpoints/{endpoint_id}/resume", response_model=EndpointOut, dependencies=IDEMPOTENT, responses=_WRITE)
def resume_endpoint(
    endpoint_id: EndpointIdPath, runtime: RuntimeDep, principal: PrincipalDep, webhooks: WebhooksDep
) -> EndpointOut:
    """Deliver again, the backlog first."""
    endpoint = runtime.outbox.set_paused(endpoint_id, writer_administration(principal), False)
    webhooks.wake()
    return _out(runtime.outbox, endpoint)


@router.post(
    "/endpoints/{endpoint_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayOut,
    dependencies=IDEMPOTENT,
    responses=_WRITE,
)
def replay_endpoint(
    endpoint_id: EndpointIdPath,
    body: ReplayRequest,
    runtime: RuntimeDep,
    index: IndexDep,
    principal: PrincipalDep,
    webhooks: WebhooksDep,
) -> ReplayOut:
    """Queue again, for this endpoint, every event from ``since_event_id`` (inclusive) or from the moment
    ``since`` on, up to the present (delivered ones included: receivers dedupe on ``webhook-id``).
    At most ``webhook_replay_max`` events per request."""
    code = writer_administration(principal)
    endpoint = runtime.outbox.endpoint(endpoint_id, code)
    if body.since_event_id is not None:
        start: int | None = runtime.outbox.message(code, body.since_event_id).pos
    else:
        assert body.since is not None
        start = first_pos_at(index, body.since)
    ids, truncated = (
        ([], False) if start is None else webhooks.feeder.replay(endpoint, start, runtime.settings.webhook_replay_max)
    )
    webhooks.wake()
    return ReplayOut(
        endpoint_id=endpoint.id,
        replayed=len(ids),
        first_event_id=ids[0] if ids else None,
        last_event_id=ids[-1] if ids else None,
        truncated=truncated,
    )


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=DeliveryPage, responses=_READ)
def list_deliveries(
    endpoint_id: EndpointIdPath,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status", description="only this status")] = None,
    cursor: DeliveriesCursor = None,
    limit: LimitQuery = 100,
) -> DeliveryPage:
    """The endpoint's deliveries, in the order they were queued."""
    code = writer_administration(principal)
    runtime.outbox.endpoint(endpoint_id, code)
    after = int(decode_cursor(cursor, "deliveries")[0]) if cursor else 0
    rows = runtime.outbox.deliveries(endpoint_id, status=delivery_status, after_id=after, limit=limit + 1)
    following = encode_cursor("deliveries", rows[limit - 1].id) if len(rows) > limit else None
    return DeliveryPage(items=[DeliveryOut.of(d) for d in rows[:limit]], next_cursor=following)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, responses=_READ)
def get_delivery(delivery_id: DeliveryIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> DeliveryDetail:
    """One delivery and its log: every attempt's time, HTTP status, latency and error."""
    delivery = runtime.outbox.delivery(delivery_id, writer_administration(principal))
    log = [AttemptOut.of(a) for a in runtime.outbox.attempts(delivery.id)]
    return DeliveryDetail(**DeliveryOut.of(delivery).model_dump(), log=log)


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    dependencies=IDEMPOTENT,
    responses=_WRITE,
)
def replay_delivery(
    delivery_id: DeliveryIdPath, runtime: RuntimeDep, principal: PrincipalDep, webhooks: WebhooksDep
) -> DeliveryOut:
    """Deliver one delivery again now (a failed one, typically), with a fresh set of attempts."""
    delivery = runtime.outbox.replay_delivery(delivery_id, writer_administration(principal))
    webhooks.wake()
    return DeliveryOut.of(delivery)


def document_bodies(app_webhooks: APIRouter) -> None:
    """Describe the POSTed bodies in the OpenAPI document's ``webhooks`` section (OpenAPI 3.1)."""

    @app_webhooks.post("certificate-event", tags=["webhooks"])
    def certificate_event(body: CertificateEventWebhook) -> None:
        """A partner's certificate event (``certificate.issued``, ``.suspended`` …), POSTed to each endpoint
        of the receiving administration. Answer any 2xx; anything else (or no answer within the timeout)
        is retried with exponential backoff. Verify ``webhook-signature`` and dedupe on ``webhook-id``."""

    @app_webhooks.post("acknowledgement-recorded", tags=["webhooks"])
    def acknowledgement_recorded(body: AcknowledgementWebhook) -> None:
        """A partner acknowledged one of the administration's certificate events on-chain."""
