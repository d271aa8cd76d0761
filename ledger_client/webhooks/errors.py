"""Errors of the webhook outbox, in the library's :class:`~ledger_client.errors.LedgerError` hierarchy."""

from __future__ import annotations

from ledger_client.errors import LedgerValueError, NotFoundError


class WebhookEndpointNotFoundError(NotFoundError):
    """No such webhook endpoint (or it belongs to another administration)."""


class WebhookDeliveryNotFoundError(NotFoundError):
    """No such webhook delivery."""


class WebhookEventNotFoundError(NotFoundError):
    """No webhook message with this event id in the outbox."""


class InvalidWebhookSecretError(LedgerValueError):
    """A webhook secret that is not ``whsec_`` followed by base64 of 24 to 64 bytes."""


class WebhookVerificationError(LedgerValueError):
    """A webhook whose signature, id or timestamp does not verify."""
