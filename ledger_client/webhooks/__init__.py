"""Signed webhooks to national systems: a gateway pushes its administration's partner events and
the acknowledgements of its own events to registered endpoints (Standard Webhooks signatures).

=====================  ===================================================================
module                 job
=====================  ===================================================================
``signing``            secrets, ``webhook-*`` headers, verification (``standardwebhooks``)
``events``             the events a gateway pushes, read from the index, with stable ids
``store``              the durable outbox: endpoints, messages, deliveries, attempt log
``policy``             exponential backoff with jitter, bounded attempts
``feeder``             index → outbox (per-endpoint cursors, replay)
``dispatcher``         the asyncio delivery worker (httpx)
=====================  ===================================================================
"""

from ledger_client.webhooks.dispatcher import Dispatcher, DispatcherCounters
from ledger_client.webhooks.events import EVENT_TYPES, AcknowledgementEvent, PartnerEvent, WebhookEvent
from ledger_client.webhooks.feeder import Feeder, Renderer
from ledger_client.webhooks.policy import RetryPolicy
from ledger_client.webhooks.signing import new_secret, signature_headers, verify
from ledger_client.webhooks.store import Attempt, Delivery, DeliveryStatus, Endpoint, Message, Outbox

__all__ = [
    "EVENT_TYPES",
    "AcknowledgementEvent",
    "Attempt",
    "Delivery",
    "DeliveryStatus",
    "Dispatcher",
    "DispatcherCounters",
    "Endpoint",
    "Feeder",
    "Message",
    "Outbox",
    "PartnerEvent",
    "Renderer",
    "RetryPolicy",
    "WebhookEvent",
    "new_secret",
    "signature_headers",
    "verify",
]
