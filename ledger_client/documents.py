"""The off-chain certificate document, its canonical JSON and its verification against the chain.

The document holds what must never go on-chain in clear (the operator's legal name, tax id,
address). Its canonical JSON (RFC 8785, JSON Canonicalization Scheme) is hashed with keccak-256;
that hash is the certificate's on-chain ``documentHash``. The chain does not store the hash in
a slot of its own: it is committed through the history head, so :func:`verify_document` reads
the certificate's events, recomputes the heads, compares the result with ``historyHead(id)``
and then checks that the latest document-carrying event (Issued, Amended, Renewed) carries this
document's hash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, field_serializer, field_validator

from ledger_client import validation
from ledger_client.canonical import canonical_json
from ledger_client.certificates import CertificateRequest
from ledger_client.errors import InvalidDocumentError, LedgerValueError
from ledger_client.event_sources import CertificateEventSource
from ledger_client.hashing import certificate_id
from ledger_client.history import replay_heads
from ledger_client.models import FLAG_SME, PROGRAMME_MASK, ROLE_MASK, CertificateStatus, Programme, Role

T = TypeVar("T")

SCHEMA = "aeo-ledger/certificate-document/1"

Text = Annotated[str, Field(min_length=1, max_length=512)]

#: A document's date: RFC 3339 with a zone and whole seconds, years 1971..2105 as written (inside the
#: ledger's uint32 seconds whatever the offset), or Unix seconds in those years.
Date = Annotated[
    datetime,
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "format": "date-time",
                    "pattern": r"^(?:197[1-9]|19[89][0-9]|20[0-9]{2}|210[0-5])-[0-9]{2}-[0-9]{2}[Tt]"
                    r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$",
                },
                {"type": "integer", "minimum": 31_536_000, "maximum": 4_291_747_199},
            ],
            "description": "RFC 3339 date-time with a zone and whole seconds (years 1971..2105) or Unix seconds",
        }
    ),
]


def _checked(check: Callable[..., T], *args: Any) -> T:
    """``check(*args)`` of :mod:`ledger_client.validation`, its refusal as the ``ValueError`` pydantic reports."""
    try:
        return check(*args)
    except LedgerValueError as exc:
        raise ValueError(str(exc)) from None


def _flag_names(value: Any, flag_type: type[Programme] | type[Role]) -> list[str]:
    if isinstance(value, float) and value.is_integer():  # JSON has one number type: 4.0 is the mask 4
        value = int(value)
    mask = _checked(validation.programmes if flag_type is Programme else validation.roles, value)
    return [m.name for m in flag_type if int(m) & mask and m.name is not None]


def _flags_schema(flag_type: type[Programme] | type[Role], mask: int, kind: str) -> WithJsonSchema:
    """What ``roles``/``programmes`` accept: at least one name, or a non-zero mask of the defined bits."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(flag_type.__members__)}},
                {"type": "integer", "minimum": 1, "maximum": mask},
            ],
            "description": f"{kind} names (stored as the sorted list of names) or the on-chain {kind}s mask",
        }
    )


class PostalAddress(BaseModel):
    """The operator's registered address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    street: Text
    city: Text
    postal_code: str | None = Field(default=None, max_length=32)
    region: str | None = Field(default=None, max_length=128)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _checked(validation.code, value, "country")


class Operator(BaseModel):
    """The certified economic operator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    legal_name: Text
    tax_id: Text = Field(description="national tax identification number")
    eori: str | None = Field(default=None, max_length=64, description="EORI-style customs id, if any")
    address: PostalAddress


class CertificateDocument(BaseModel):
    """The AEO certificate as issued by the administration (kept off-chain).

    ``roles`` and ``programmes`` accept names (``"IMPORTER"``) or masks and are stored as the
    sorted list of names, so equal certificates always hash alike. Dates are timezone-aware and
    whole seconds; ``valid_until`` None means open-ended.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_id: Literal["aeo-ledger/certificate-document/1"] = Field(
        default="aeo-ledger/certificate-document/1", alias="schema"
    )
    certificate_number: str = Field(
        # stated in the schema; enforced by _number, whose message says what is wrong in words
        json_schema_extra={"pattern": r"^[!-~](?:[ -~]{0,30}[!-~])?$"},
        description="national number: 1..32 printable ASCII characters, no space at either end",
    )
    issuer: str = Field(pattern=r"^[A-Z]{2}$", description="issuing administration, ISO 3166-1 alpha-2")
    issuing_office: Text
    operator: Operator
    roles: Annotated[list[str], _flags_schema(Role, ROLE_MASK, "role")]
    programmes: Annotated[list[str], _flags_schema(Programme, PROGRAMME_MASK, "programme")]
    sme: bool
    valid_from: Date
    valid_until: Date | None = None

    @field_validator("certificate_number")
    @classmethod
    def _number(cls, value: str) -> str:
        return _checked(validation.certificate_number, value)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        return _checked(validation.code, value, "issuer")

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> list[str]:
        return _flag_names(value, Role)

    @field_validator("programmes", mode="before")
    @classmethod
    def _programmes(cls, value: Any) -> list[str]:
        return _flag_names(value, Programme)

    @field_validator("valid_from", "valid_until")
    @classmethod
    def _date(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("dates must carry a time zone (e.g. 2025-01-01T00:00:00Z)")
        if value.microsecond:
            raise ValueError("dates must be whole seconds (the ledger stores Unix seconds)")
        if not 1971 <= value.year <= 2105:  # as written: with any offset, inside the ledger's uint32 seconds
            raise ValueError(f"{value.isoformat()} is outside the years 1971..2105 (the ledger's Unix seconds)")
        validation_value = int(value.timestamp())
        _checked(validation.timestamp, validation_value, "date")
        return value.astimezone(UTC)

    @field_serializer("valid_from", "valid_until")
    def _iso(self, value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @classmethod
    def parse(cls, data: Any) -> CertificateDocument:
        """Validate a document (dict or JSON text); :class:`InvalidDocumentError` lists every problem."""
        try:
            if isinstance(data, str | bytes):
                return cls.model_validate_json(data)
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise InvalidDocumentError(f"invalid certificate document: {problems}") from None

    # ----------------------------------------------------------------- derived values

    @property
    def programme_mask(self) -> int:
        """The on-chain programmes bitmask."""
        return sum(int(Programme[name]) for name in self.programmes)

    @property
    def role_mask(self) -> int:
        """The on-chain roles bitmask."""
        return sum(int(Role[name]) for name in self.roles)

    @property
    def valid_from_ts(self) -> int:
        """validFrom as Unix seconds."""
        return int(self.valid_from.timestamp())

    @property
    def valid_until_ts(self) -> int:
        """validUntil as Unix seconds (0 = open-ended)."""
        return 0 if self.valid_until is None else int(self.valid_until.timestamp())

    def canonical_json(self) -> bytes:
        """The RFC 8785 canonical JSON of the document (the bytes that are hashed)."""
        return canonical_json(self.model_dump(mode="json", by_alias=True))

    def document_hash(self) -> bytes:
        """keccak-256 of :meth:`canonical_json`: the on-chain ``documentHash`` (computed once)."""
        return self._document_hash

    @cached_property
    def _document_hash(self) -> bytes:
        return bytes(keccak(self.canonical_json()))

    def certificate_id(self) -> bytes:
        """The on-chain id of this certificate."""
        return certificate_id(self.issuer, self.certificate_number)

    def to_request(self) -> CertificateRequest:
        """The on-chain terms of this document."""
        return CertificateRequest(
            number=self.certificate_number,
            programmes=self.programme_mask,
            roles=self.role_mask,
            sme=self.sme,
            valid_from=self.valid_from_ts,
            valid_until=self.valid_until_ts,
            document_hash=self.document_hash(),
        )


@dataclass(frozen=True)
class DocumentVerification:
    """Whether a certificate document matches the chain.

    Attributes:
        certificate_id: the id derived from the document's issuer and number.
        document_hash: keccak of the document's canonical JSON.
        exists: the certificate exists on-chain.
        history_intact: the events recompute to the on-chain history head.
        matches: the latest document-carrying event carries ``document_hash``.
        terms_match: the document's programmes, roles, SME flag and dates equal the on-chain terms.
        status: the on-chain status.
        valid_now: Active and within its validity period at the chain's latest block time.
        event_count: number of events of the certificate.
        problems: human-readable reasons for every failed check.
    """

    certificate_id: bytes
    document_hash: bytes
    exists: bool
    history_intact: bool
    matches: bool
    terms_match: bool
    status: CertificateStatus
    valid_now: bool
    event_count: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """The document is the certificate's current document and the history is intact."""
        return self.exists and self.history_intact and self.matches and self.terms_match


def verify_document(
    document: CertificateDocument,
    source: CertificateEventSource,
    onchain_head: tuple[int, bytes],
    now: int,
) -> DocumentVerification:
    """Check ``document`` against a certificate's events and its on-chain ``(count, head)``.

    ``source`` gives the events (the chain via ``eth_getLogs``, or the index); ``now`` is the
    chain's current time for the validity check. Prefer :meth:`Ledger.verify_document`.
    """
    cid = document.certificate_id()
    digest = document.document_hash()
    count, head = onchain_head
    if count == 0:
        return DocumentVerification(
            cid,
            digest,
            False,
            False,
            False,
            False,
            CertificateStatus.NONE,
            False,
            0,
            (f"no certificate {document.certificate_number!r} of {document.issuer} on the ledger",),
        )
    replay = replay_heads(source.certificate_events(cid))
    problems: list[str] = []
    if replay.problem is not None:
        problems.append(replay.problem)
    intact = replay.consistent and replay.count == count and replay.head == head
    if replay.consistent and (replay.count != count or replay.head != head):
        problems.append(
            f"the events recompute to head 0x{replay.head.hex()} after {replay.count} events, the chain holds "
            f"0x{head.hex()} after {count}: events are missing"
        )
    matches = intact and replay.document_hash == digest
    if intact and not matches:
        problems.append(
            "the document is not the certificate's current document (its hash differs from the latest "
            "issued/amended/renewed document hash)"
        )
    onchain = replay.state.terms
    terms = (
        onchain.programmes == document.programme_mask
        and onchain.roles == document.role_mask
        and bool(onchain.flags & FLAG_SME) == document.sme
        and onchain.valid_from == document.valid_from_ts
        and onchain.valid_until == document.valid_until_ts
    )
    if intact and not terms:
        problems.append("the document's programmes, roles, SME flag or dates differ from the on-chain terms")
    valid_now = (
        intact
        and replay.status == CertificateStatus.ACTIVE
        and onchain.valid_from <= now
        and (onchain.valid_until == 0 or now <= onchain.valid_until)
    )
    return DocumentVerification(
        certificate_id=cid,
        document_hash=digest,
        exists=True,
        history_intact=intact,
        matches=matches,
        terms_match=intact and terms,
        status=replay.status,
        valid_now=valid_now,
        event_count=count,
        problems=tuple(problems),
    )
