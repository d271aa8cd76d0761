"""Standard Webhooks signatures (https://www.standardwebhooks.com), through the ``standardwebhooks`` package.

Each request carries ``webhook-id`` (the event id, stable across retries: receivers dedupe on it),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: space-separated
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one per valid secret (two during a rotation's
grace period, so a receiver holding either secret verifies). Secrets are ``whsec_`` + base64.

    headers = signature_headers("ce_…_2", int(time.time()), body, [secret])
    verify(body, headers, [secret])            # raises WebhookVerificationError
"""

from __future__ import annotations

import base64
import binascii
import secrets as _random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import standardwebhooks

from ledger_client.webhooks.errors import InvalidWebhookSecretError, WebhookVerificationError

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
_MIN_BYTES, _MAX_BYTES = 24, 64


def new_secret() -> str:
    """A fresh random secret (``whsec_`` + base64 of 32 bytes)."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(SECRET_BYTES)).decode()


def check_secret(secret: str) -> str:
    """``secret`` if it is ``whsec_`` + base64 of 24..64 bytes, else :class:`InvalidWebhookSecretError`."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidWebhookSecretError("a webhook secret starts with 'whsec_' followed by base64")
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidWebhookSecretError("a webhook secret is 'whsec_' followed by valid base64") from exc
    if not _MIN_BYTES <= len(raw) <= _MAX_BYTES:
        raise InvalidWebhookSecretError(f"a webhook secret holds {_MIN_BYTES} to {_MAX_BYTES} bytes, not {len(raw)}")
    return secret


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``message_id.timestamp.body`` with ``secret``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return standardwebhooks.Webhook(secret).sign(message_id, moment, body.decode())


def signature_headers(message_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with each of ``secrets`` (newest first)."""
    if not secrets:
        raise InvalidWebhookSecretError("at least one secret is needed to sign a webhook")
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, message_id, timestamp, body) for s in secrets),
    }


def verify(body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> Any:
    """The parsed JSON body when a ``v1`` signature matches one of ``secrets`` and the timestamp is
    within 5 minutes of now (the package's tolerance); else :class:`WebhookVerificationError`."""
    plain = {k.lower(): v for k, v in headers.items()}
    for secret in secrets:
        try:
            return standardwebhooks.Webhook(secret).verify(body, plain)
        except standardwebhooks.WebhookVerificationError:
            continue
        except ValueError as exc:  # a malformed signature list ("v1" without a comma …)
            raise WebhookVerificationError(f"malformed webhook-signature header: {exc}") from exc
    raise WebhookVerificationError("no webhook-signature matches (tampered body, wrong secret or stale timestamp)")
