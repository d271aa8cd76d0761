"""The JSON of an envelope page, as the issuer's gateway serves it and the partner's gateway reads it."""

from __future__ import annotations

import base64
from typing import Any

from ledger_client.exchange.errors import ExchangePeerError
from ledger_client.exchange.outbox import Envelope


def envelope_json(envelope: Envelope) -> dict[str, Any]:
    """One envelope: ids and hashes in 0x-hex, ``enc`` and ``ciphertext`` in base64."""
    return {
        "id": envelope.id,
        "certificate_id": "0x" + envelope.certificate_id.hex(),
        "sequence": envelope.sequence,
        "document_hash": "0x" + envelope.document_hash.hex(),
        "recipient_key": "0x" + envelope.recipient_key.hex(),
        "enc": base64.b64encode(envelope.enc).decode(),
        "ciphertext": base64.b64encode(envelope.ciphertext).decode(),
    }


def envelope_of(data: Any) -> Envelope:
    """The envelope of one JSON item (:class:`ExchangePeerError` when it is not one)."""
    try:
        return Envelope(
            id=int(data["id"]),
            certificate_id=_hex(data["certificate_id"], 32),
            sequence=int(data["sequence"]),
            recipient="",
            recipient_key=_hex(data["recipient_key"], 32),
            document_hash=_hex(data["document_hash"], 32),
            enc=base64.b64decode(data["enc"], validate=True),
            ciphertext=base64.b64decode(data["ciphertext"], validate=True),
            created_at=0.0,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExchangePeerError(f"the issuer's gateway sent a malformed envelope: {exc!r}") from None


def _hex(value: Any, length: int) -> bytes:
    text = str(value)
    raw = bytes.fromhex(text[2:] if text.startswith("0x") else text)
    if len(raw) != length:
        raise ValueError(f"expected {length} bytes of hex, got {len(raw)}")
    return raw
