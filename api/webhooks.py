"""The gateway's webhook machinery: bodies rendered with the API's schemas, and the delivery worker
started and stopped with the app's lifespan (:func:`webhook_service`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request

from api.runtime import Runtime
from api.schemas.certificates import CertificateEventOut
from api.schemas.common import hex0x, utc
from api.schemas.webhooks import (
    AcknowledgementData,
    AcknowledgementWebhook,
    CertificateEventWebhook,
    PartnerEventData,
)
from ledger_client.webhooks import AcknowledgementEvent, Dispatcher, Feeder, PartnerEvent, RetryPolicy, WebhookEvent

log = logging.getLogger(__name__)


def render(administration: str, event: WebhookEvent) -> bytes:
    """The JSON body of ``event`` for ``administration`` (``{"type", "timestamp", "data"}``)."""
    body: CertificateEventWebhook | AcknowledgementWebhook
    if isinstance(event, PartnerEvent):
        data = PartnerEventData(administration=administration, event=CertificateEventOut.of(event.entry.event))
        body = CertificateEventWebhook.model_validate(
            {"type": event.type, "timestamp": utc(event.occurred_at), "data": data}
        )
    else:
        assert isinstance(event, AcknowledgementEvent)
        body = AcknowledgementWebhook(
            type="acknowledgement.recorded",
            timestamp=utc(event.occurred_at),
            data=AcknowledgementData(
                administration=administration,
                certificate_id=hex0x(event.certificate_id),
                sequence=event.sequence,
                partner=event.partner,
                block_number=event.block_number,
                block_time=utc(event.block_time),
                tx_hash=hex0x(event.tx_hash),
                signer=event.sender,
            ),
        )
    return body.model_dump_json().encode()


@dataclass
class WebhookService:
    """What the routes use: the feeder (replays) and the running dispatcher (None when disabled)."""

    feeder: Feeder
    dispatcher: Dispatcher | None

    def wake(self) -> None:
        """Let the worker act on a change now (new endpoint, resume, replay)."""
        if self.dispatcher is not None:
            self.dispatcher.wake()


def retry_policy(runtime: Runtime) -> RetryPolicy:
    """The retry policy from the settings."""
    s = runtime.settings
    return RetryPolicy(
        s.webhook_max_attempts, s.webhook_backoff_seconds, max(s.webhook_backoff_seconds, s.webhook_backoff_max_seconds)
    )


@asynccontextmanager
async def webhook_service(app: FastAPI, runtime: Runtime) -> AsyncIterator[WebhookService]:
    """Run the delivery worker (unless ``webhook_delivery`` is off) while the app serves."""
    settings = runtime.settings
    feeder = Feeder(runtime.index, runtime.outbox, render)
    dispatcher = None
    if settings.webhook_delivery:
        dispatcher = Dispatcher(
            runtime.outbox,
            feeder,
            retry_policy(runtime),
            timeout_seconds=settings.webhook_timeout_seconds,
            concurrency=settings.webhook_concurrency,
            per_endpoint=settings.webhook_endpoint_concurrency,
            poll_seconds=settings.webhook_poll_seconds,
        )
        await dispatcher.start()
        runtime.index.add_listener(dispatcher.index_moved)
    service = WebhookService(feeder, dispatcher)
    app.state.webhooks = service
    try:
        yield service
    finally:
        if dispatcher is not None:
            runtime.index.remove_listener(dispatcher.index_moved)
            await dispatcher.stop(settings.webhook_shutdown_seconds)
            log.info("webhook worker stopped")


async def get_webhooks(request: Request) -> WebhookService:
    """The app's webhook service (a route dependency)."""
    service: WebhookService = request.app.state.webhooks
    return service
