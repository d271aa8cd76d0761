"""Certificate requests and responses."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import (
    CertificateNumber,
    CertificateStatusName,
    Code,
    DocumentHash,
    Hex32,
    Moment,
    ProgrammeName,
    Reason,
    RequiredReason,
    RoleName,
    Transaction,
    certificate_status,
    hex0x,
    programme_mask,
    programme_names,
    reason_name,
    role_mask,
    role_names,
    utc,
    utc_or_none,
)
from ledger_client.certificates import CertificateRequest
from ledger_client.index import CertificateEventRow, CertificateStateAt, IndexedCertificate
from ledger_client.models import FLAG_SME, CertificateStatus, ReasonCode, consents

_ISSUE_EXAMPLE: dict[str, Any] = {
    "number": "CR-AEO-2025-0001",
    "programmes": ["SECURITY", "SIMPLIFICATIONS"],
    "roles": ["IMPORTER", "EXPORTER"],
    "sme": True,
    "valid_from": "2025-01-01T00:00:00Z",
    "valid_until": "2028-01-01T00:00:00Z",
    "document_hash": "0x5b1f0c3e7d9a2b4c6e8f0a1b3c5d7e9f1a2b3c4d5e6f708192a3b4c5d6e7f809",
}

_TERMS_EXAMPLE: dict[str, Any] = {k: v for k, v in _ISSUE_EXAMPLE.items() if k != "number"}


class CertificateTerms(BaseModel):
    """Scope, SME flag, validity and document of a certificate (amendments give all of them anew)."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # DocumentHash: not all zero

    programmes: list[ProgrammeName] = Field(min_length=1, description="AEO programmes covered")
    roles: list[RoleName] = Field(min_length=1, description="operator roles covered")
    sme: bool = Field(description="the operator is a small or medium-sized enterprise")
    valid_from: Moment = Field(description="ISO 8601 with a time zone, or Unix seconds")
    valid_until: Moment | None = Field(default=None, description="later than valid_from; null = open-ended")
    document_hash: DocumentHash = Field(description="keccak-256 of the canonical JSON of the certificate document")
    consent: bool | None = Field(
        default=None,
        description="the operator consents to the exchange of its data with MRA partners; without it no partner"
        " recognises the certificate. Omitted or null: granted when issuing, unchanged when amending",
    )

    def to_request(self, number: str | None) -> CertificateRequest:
        """The library's request for certificate ``number`` (validated when encoded); None: the
        terms alone (an amendment: the certificate is known by its id)."""
        return CertificateRequest(
            number=number,
            programmes=programme_mask(self.programmes),
            roles=role_mask(self.roles),
            sme=self.sme,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            document_hash=self.document_hash,
            consent=self.consent,
        )


class IssueCertificateRequest(CertificateTerms):
    """A certificate to issue for the token's administration."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ISSUE_EXAMPLE]})

    number: CertificateNumber


class BatchItemRequest(CertificateTerms):
    """One certificate of a batch: a number the ledger refuses fails this item (reported), not the batch."""

    number: str = Field(
        min_length=1,
        description="national certificate number: 1..32 printable ASCII characters; any other fails this item",
    )


class BatchIssueRequest(BaseModel):
    """Certificates issued in as few transactions as fit a block: at most the gateway's
    ``max_batch_size`` (``AEO_LEDGER_MAX_BATCH_SIZE``, default 1,000), checked by the route."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"certificates": [_ISSUE_EXAMPLE]}]})

    certificates: list[BatchItemRequest] = Field(min_length=1)


class ReasonRequest(BaseModel):
    """The reason of a suspension, revocation or annulment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "NON_COMPLIANCE"}]})

    reason: RequiredReason


class ReinstateRequest(BaseModel):
    """The reason of a reinstatement (optional)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "CORRECTIVE_ACTION_COMPLETED"}]}
    )

    reason: Reason = ReasonCode.CORRECTIVE_ACTION_COMPLETED


class AmendRequest(CertificateTerms):
    """New terms of an Active or Suspended certificate."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [_TERMS_EXAMPLE | {"reason": "CHANGE_OF_DATA"}]}
    )

    reason: Reason = ReasonCode.CHANGE_OF_DATA


class RenewRequest(BaseModel):
    """A new validity period and document."""

    model_config = ConfigDict(
        regex_engine="python-re",
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "valid_from": "2028-01-01T00:00:00Z",
                    "valid_until": "2031-01-01T00:00:00Z",
                    "document_hash": _ISSUE_EXAMPLE["document_hash"],
                }
            ]
        },
    )

    valid_from: Moment
    valid_until: Moment | None = None
    document_hash: DocumentHash


class CertificateOut(BaseModel):
    """A certificate's current state (from the index)."""

    id: Hex32
    issuer: Code
    number: str
    status: CertificateStatusName
    expired: bool = Field(description="past valid_until now (expiry is derived, never stored)")
    valid_now: bool = Field(description="ACTIVE and within its validity period now")
    programmes: list[ProgrammeName]
    roles: list[RoleName]
    sme: bool
    consent: bool = Field(description="the operator consents to the exchange with MRA partners")
    valid_from: datetime
    valid_until: datetime | None
    document_hash: Hex32
    event_count: int
    head: str = Field(description="16-byte history head (0x-hex)")
    issued_block: int
    issued_at: datetime

    @classmethod
    def of(cls, c: IndexedCertificate, now: int | None = None) -> CertificateOut:
        """From an index row; ``now`` (default: the wall clock) decides expiry."""
        moment = int(time.time()) if now is None else now
        expired = c.valid_until != 0 and moment > c.valid_until
        return cls(
            id=hex0x(c.id),
            issuer=c.issuer,
            number=c.number,
            status=certificate_status(c.status),
            expired=expired,
            valid_now=c.status == CertificateStatus.ACTIVE and c.valid_from <= moment and not expired,
            programmes=programme_names(c.programmes),
            roles=role_names(c.roles),
            sme=bool(c.flags & FLAG_SME),
            consent=consents(c.flags),
            valid_from=utc(c.valid_from),
            valid_until=utc_or_none(c.valid_until),
            document_hash=hex0x(c.document_hash),
            event_count=c.event_count,
            head=hex0x(c.head),
            issued_block=c.issued_block,
            issued_at=utc(c.issued_time),
        )


class CertificateEventOut(BaseModel):
    """One event of a certificate's history, with the state after it."""

    certificate_id: Hex32
    issuer: Code
    sequence: int
    action: str = Field(examples=["SUSPENDED"])
    status: CertificateStatusName
    programmes: list[ProgrammeName]
    roles: list[RoleName]
    sme: bool
    consent: bool = Field(description="the operator consents to the exchange with MRA partners")
    valid_from: datetime
    valid_until: datetime | None
    document_hash: Hex32 | None = Field(description="set on ISSUED, AMENDED and RENEWED events")
    reason: str = Field(examples=["NON_COMPLIANCE"])
    reason_code: int
    head: str
    block_number: int
    block_time: datetime
    tx_hash: Hex32
    signer: str | None

    @classmethod
    def of(cls, e: CertificateEventRow) -> CertificateEventOut:
        """From an index row."""
        document = e.document_hash if any(e.document_hash) else None
        return cls(
            certificate_id=hex0x(e.certificate_id),
            issuer=e.issuer,
            sequence=e.sequence,
            action=e.action.name,
            status=certificate_status(e.status),
            programmes=programme_names(e.programmes),
            roles=role_names(e.roles),
            sme=bool(e.flags & FLAG_SME),
            consent=consents(e.flags),
            valid_from=utc(e.valid_from),
            valid_until=utc_or_none(e.valid_until),
            document_hash=None if document is None else hex0x(document),
            reason=reason_name(e.reason_code),
            reason_code=e.reason_code,
            head=hex0x(e.head),
            block_number=e.block_number,
            block_time=utc(e.block_time),
            tx_hash=hex0x(e.tx_hash),
            signer=e.sender,
        )


class CertificateWritten(BaseModel):
    """The certificate after a write, the event it recorded and its transaction."""

    certificate: CertificateOut
    action: str = Field(examples=["ISSUED"])
    sequence: int = Field(description="the event's number in the certificate's history")
    transaction: Transaction


class BatchItemOut(BaseModel):
    """The outcome of one certificate of a batch (inputs keep their order)."""

    index: int
    number: str
    ok: bool
    certificate_id: Hex32 | None = None
    tx_hash: Hex32 | None = None
    block_number: int | None = None
    status: int | None = Field(
        default=None, description="the HTTP status this row's error maps to (202: sent, may still land)"
    )
    outcome_url: str | None = Field(default=None, description="where a row answered 202 reads its outcome")
    error: str | None = Field(default=None, description="error name (contract error or validation error)")
    detail: str | None = None
    inputs: dict[str, Any] | None = None


class BatchIssueResponse(BaseModel):
    """Per-certificate results of a batch."""

    issued: int
    failed: int
    items: list[BatchItemOut]


class StatusAtOut(BaseModel):
    """A certificate's recorded state at a moment."""

    certificate_id: Hex32
    at: datetime
    status: CertificateStatusName = Field(description="NONE when not yet issued at that moment")
    valid: bool = Field(description="ACTIVE and within its validity period at that moment")
    expired: bool
    annulled_later: bool = Field(description="annulled afterwards: void from the start, even for this moment")
    programmes: list[ProgrammeName]
    roles: list[RoleName]
    sme: bool
    consent: bool = Field(description="the operator consents to the exchange with MRA partners")
    valid_from: datetime | None
    valid_until: datetime | None
    sequence: int = Field(description="the last event at or before the moment (0 when none)")

    @classmethod
    def of(cls, s: CertificateStateAt) -> StatusAtOut:
        """From the index's answer."""
        return cls(
            certificate_id=hex0x(s.certificate_id),
            at=utc(s.at),
            status=certificate_status(s.status),
            valid=s.valid,
            expired=s.expired,
            annulled_later=s.annulled_later,
            programmes=programme_names(s.programmes),
            roles=role_names(s.roles),
            sme=bool(s.flags & FLAG_SME),
            consent=consents(s.flags),
            valid_from=utc_or_none(s.valid_from) if s.sequence else None,
            valid_until=utc_or_none(s.valid_until),
            sequence=s.sequence,
        )
