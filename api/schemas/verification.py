"""History audits and document verification."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import CertificateStatusName, Hex32, certificate_status, hex0x, utc
from ledger_client.audit import HistoryAudit, HistoryReport
from ledger_client.documents import DocumentVerification


class FindingOut(BaseModel):
    """One problem an audit found."""

    kind: str = Field(examples=["missing"])
    sequence: int | None
    detail: str
    block_number: int | None
    tx_hash: str | None


class ReportEntryOut(BaseModel):
    """One event of the audited history, as read from the chain (the vocabulary of every endpoint:
    names for statuses, programmes, roles and reasons; ISO 8601 UTC instants)."""

    sequence: int
    action: str = Field(examples=["SUSPENDED"])
    status: str = Field(
        examples=["SUSPENDED"],
        description="status name after the event (UNKNOWN when the history before it is missing)",
    )
    tx_hash: Hex32
    block_number: int
    block_time: datetime
    log_index: int
    signer: str | None
    head: str
    head_verified: bool = Field(description="the event's data hashes to its head")
    change: dict[str, object] = Field(
        description="the terms on ISSUED; afterwards {field: [before, after]} of what changed, plus reason",
        examples=[{"status": ["ACTIVE", "SUSPENDED"], "reason": "NON_COMPLIANCE", "reason_code": 1}],
    )


class AuditOut(BaseModel):
    """The verdict of re-reading a history from the chain and recomputing its head."""

    subject: str = Field(examples=["certificate"])
    key: str = Field(description="certificate id or MRA id")
    ok: bool = Field(description="every event read, in order, authentic, and the head matches the chain")
    block_number: int
    onchain_event_count: int
    onchain_head: str
    recomputed_head: str
    events_read: int
    findings: list[FindingOut]
    events: list[ReportEntryOut] | None = Field(default=None, description="the history (with ?events=true)")

    @classmethod
    def of(cls, audit: HistoryAudit, report: HistoryReport | None = None) -> AuditOut:
        """From the auditor's result."""
        return cls(
            subject=audit.subject,
            key=audit.key,
            ok=audit.ok,
            block_number=audit.block_number,
            onchain_event_count=audit.onchain_event_count,
            onchain_head=hex0x(audit.onchain_head),
            recomputed_head=hex0x(audit.recomputed_head),
            events_read=audit.events_read,
            findings=[
                FindingOut(
                    kind=f.kind.value,
                    sequence=f.sequence,
                    detail=f.detail,
                    block_number=f.block_number,
                    tx_hash=None if f.tx_hash is None else hex0x(f.tx_hash),
                )
                for f in audit.findings
            ],
            events=None
            if report is None
            else [
                ReportEntryOut(
                    sequence=e.sequence,
                    action=e.action,
                    status=e.status,
                    tx_hash=e.tx_hash,
                    block_number=e.block_number,
                    block_time=utc(e.block_time),
                    log_index=e.log_index,
                    signer=e.signer,
                    head=e.head,
                    head_verified=e.head_verified,
                    change=e.change,
                )
                for e in report.entries
            ],
        )


class DocumentVerificationOut(BaseModel):
    """Whether a certificate document matches the chain, and whether the certificate is valid now."""

    ok: bool = Field(description="the document is the certificate's current document and the history is intact")
    certificate_id: Hex32
    document_hash: Hex32
    exists: bool
    history_intact: bool
    matches: bool
    terms_match: bool
    status: CertificateStatusName
    valid_now: bool
    event_count: int
    problems: list[str]

    @classmethod
    def of(cls, v: DocumentVerification) -> DocumentVerificationOut:
        """From the library's verdict."""
        return cls(
            ok=v.ok,
            certificate_id=hex0x(v.certificate_id),
            document_hash=hex0x(v.document_hash),
            exists=v.exists,
            history_intact=v.history_intact,
            matches=v.matches,
            terms_match=v.terms_match,
            status=certificate_status(v.status),
            valid_now=v.valid_now,
            event_count=v.event_count,
            problems=list(v.problems),
        )
