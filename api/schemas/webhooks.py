"""Webhook endpoints, deliveries, the delivery log, and the bodies pushed to national systems."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from api.schemas.certificates import CertificateEventOut
from api.schemas.common import At, Code, Hex32
from ledger_client.webhooks import Attempt, Delivery, DeliveryStatus, Endpoint
from ledger_client.webhooks.store import EndpointStats

SecretField = Annotated[
    str,
    Field(
        max_length=120,
        pattern=r"^whsec_(?:(?:[A-Za-z0-9+/]{4}){8,21}(?:[A-Za-z0-9+/]{2}==)?|(?:[A-Za-z0-9+/]{4}){8,20}[A-Za-z0-9+/]{3}=)$",
        description="`whsec_` + base64 of 24 to 64 random bytes (HMAC-SHA256 key)",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    ),
]


class WebhookEventType(StrEnum):
    """What a webhook reports: a partner's certificate event, or an acknowledgement of one of yours."""

    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_SUSPENDED = "certificate.suspended"
    CERTIFICATE_REINSTATED = "certificate.reinstated"
    CERTIFICATE_REVOKED = "certificate.revoked"
    CERTIFICATE_ANNULLED = "certificate.annulled"
    CERTIFICATE_AMENDED = "certificate.amended"
    CERTIFICATE_RENEWED = "certificate.renewed"
    ACKNOWLEDGEMENT_RECORDED = "acknowledgement.recorded"


def _not_null(field: JsonSchemaValue) -> JsonSchemaValue:
    """A property's schema without its ``null`` alternative and default (the field is given, not null)."""
    options = [o for o in field.pop("anyOf") if o != {"type": "null"}]
    field.pop("default", None)
    return {**field, **options[0]} if len(options) == 1 else {**field, "anyOf": options}


def _time(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


class CreateEndpointRequest(BaseModel):
    """A national system's URL to push the administration's events to."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"url": "https://aduanas.example/aeo/webhooks", "description": "SIGAD", "event_types": None}]
        },
    )

    url: AnyHttpUrl = Field(description="http or https URL receiving POSTs")
    description: str = Field(default="", max_length=500)
    event_types: list[WebhookEventType] | None = Field(
        default=None, min_length=1, description="only these types (default: every type)"
    )
    secret: SecretField | None = Field(default=None, description="signing secret (default: a new random one)")


class EndpointOut(BaseModel):
    """A registered endpoint (its secret is shown only when created or rotated)."""

    id: str = Field(examples=["ep_4f3c2a1b0d9e8f7a"])
    administration: Code
    url: str
    description: str
    event_types: list[WebhookEventType] | None
    paused: bool
    created_at: datetime
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(description="until then both secrets sign each request")
    pending: int = Field(description="deliveries waiting (backlog)")
    failed: int = Field(description="deliveries that used up their attempts (replay them)")
    delivered: int

    @classmethod
    def of(cls, e: Endpoint, stats: EndpointStats, now: float) -> EndpointOut:
        """From the outbox's record."""
        grace = e.previous_expires_at if e.previous_expires_at is not None and e.previous_expires_at > now else None
        return cls(
            id=e.id,
            administration=e.administration,
            url=e.url,
            description=e.description,
            event_types=None if e.event_types is None else [WebhookEventType(t) for t in e.event_types],
            paused=e.paused,
            created_at=datetime.fromtimestamp(e.created_at, UTC),
            secret_rotated_at=_time(e.rotated_at),
            previous_secret_expires_at=_time(grace),
            pending=stats.pending,
            failed=stats.failed,
            delivered=stats.delivered,
        )


class EndpointCreated(EndpointOut):
    """The new endpoint and its signing secret (store it: it is not shown again)."""

    secret: str


class RotateSecretRequest(BaseModel):
    """Rotate an endpoint's signing secret."""

    model_config = ConfigDict(extra="forbid")

    secret: SecretField | None = Field(default=None, description="the new secret (default: a new random one)")
    grace_seconds: float | None = Field(
        default=None, ge=0, le=30 * 86_400, description="the old secret also signs this long (default: settings)"
    )


class SecretRotated(BaseModel):
    """The new secret; the previous one keeps signing (as a second signature) until ``previous_secret_expires_at``."""

    endpoint_id: str
    secret: str
    previous_secret_expires_at: datetime | None


class ReplayRequest(BaseModel):
    """Deliver again every event from an event id (inclusive) or from a moment on."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"since": "2026-01-31T00:00:00Z"}, {"since_event_id": "ce_…"}]}
    )

    since_event_id: str | None = Field(default=None, max_length=200, description="a `webhook-id` sent before")
    since: At | None = Field(default=None, description="events in blocks from this moment on")

    @model_validator(mode="after")
    def _one_origin(self) -> ReplayRequest:
        if len(self.model_fields_set) != 1 or (self.since_event_id is None) == (self.since is None):
            raise ValueError("give exactly one of since_event_id and since")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """State the rule: ``oneOf`` an object with only ``since_event_id`` and one with only ``since``."""
        reference = handler(schema)
        document = handler.resolve_ref_schema(reference)
        fields = document.pop("properties")
        document.pop("additionalProperties", None)
        document["oneOf"] = [
            {
                "type": "object",
                "properties": {name: _not_null(fields[name])},
                "required": [name],
                "additionalProperties": False,
            }
            for name in ("since_event_id", "since")
        ]
        return reference


class ReplayOut(BaseModel):
    """What a replay queued."""

    endpoint_id: str
    replayed: int
    first_event_id: str | None
    last_event_id: str | None
    truncated: bool = Field(description="more events were left out (replay again from after last_event_id)")


class DeliveryOut(BaseModel):
    """One event to one endpoint."""

    id: int
    endpoint_id: str
    event_id: str = Field(description="sent as `webhook-id`")
    event_type: WebhookEventType
    status: DeliveryStatus
    attempts: int = Field(description="attempts in the current cycle (a replay starts a new one)")
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        """From the outbox's record."""
        return cls(
            id=d.id,
            endpoint_id=d.endpoint_id,
            event_id=d.message_id,
            event_type=WebhookEventType(d.message_type),
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=_time(d.next_attempt_at) if d.status is DeliveryStatus.PENDING else None,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            created_at=datetime.fromtimestamp(d.created_at, UTC),
            updated_at=datetime.fromtimestamp(d.updated_at, UTC),
            delivered_at=_time(d.delivered_at),
        )


class AttemptOut(BaseModel):
    """One entry of the delivery log."""

    at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None

    @classmethod
    def of(cls, a: Attempt) -> AttemptOut:
        """From the outbox's record."""
        return cls(
            at=datetime.fromtimestamp(a.started_at, UTC),
            status_code=a.status_code,
            latency_ms=round(a.latency_ms, 3),
            error=a.error,
        )


class DeliveryDetail(DeliveryOut):
    """A delivery and its log."""

    log: list[AttemptOut]


class DeliveryPage(BaseModel):
    """A page of deliveries; pass ``next_cursor`` as ``cursor``."""

    items: list[DeliveryOut]
    next_cursor: str | None


# --- the bodies POSTed to endpoints (documented under `webhooks` in the OpenAPI document) --------


class PartnerEventData(BaseModel):
    """A partner's certificate event, for the receiving administration."""

    administration: Code = Field(description="the receiving administration (whose MRA partner issued it)")
    event: CertificateEventOut


class AcknowledgementData(BaseModel):
    """A partner acknowledged (on-chain) that it applied one of the administration's certificate events."""

    administration: Code = Field(description="the receiving administration (the issuer)")
    certificate_id: Hex32
    sequence: int
    partner: Code
    block_number: int
    block_time: datetime
    tx_hash: Hex32
    signer: str | None


class CertificateEventWebhook(BaseModel):
    """Body of ``certificate.*`` webhooks. Headers: ``webhook-id`` (dedupe on it), ``webhook-timestamp``,
    ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of id.timestamp.body>``, space-separated)."""

    type: Literal[
        "certificate.issued",
        "certificate.suspended",
        "certificate.reinstated",
        "certificate.revoked",
        "certificate.annulled",
        "certificate.amended",
        "certificate.renewed",
    ]
    timestamp: datetime = Field(description="when the event was recorded on-chain (block time)")
    data: PartnerEventData


class AcknowledgementWebhook(BaseModel):
    """Body of ``acknowledgement.recorded`` webhooks (same headers)."""

    type: Literal["acknowledgement.recorded"]
    timestamp: datetime
    data: AcknowledgementData
