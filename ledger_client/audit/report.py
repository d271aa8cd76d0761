"""History reports: one row per event with its transaction, block, time, signer and decoded change.

Exports (:meth:`HistoryReport.to_json`, :meth:`HistoryReport.to_csv`) speak the vocabulary of the
API (:mod:`ledger_client.vocabulary`): ISO 8601 UTC instants, programme and role names, status and
reason names; the raw block timestamp and reason code stand beside them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from ledger_client.events import (
    CertificateAmended,
    CertificateEvent,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
    EventRecord,
)
from ledger_client.history import State, certificate_inputs
from ledger_client.models import FLAG_SME, CertificateStatus
from ledger_client.vocabulary import iso_instant, iso_or_none, programme_names, reason_name, role_names

CSV_COLUMNS = (
    "sequence",
    "action",
    "status",
    "tx_hash",
    "block_number",
    "block_time",
    "block_timestamp",
    "log_index",
    "signer",
    "head",
    "head_verified",
    "change",
)


@dataclass(frozen=True)
class ReportEntry:
    """One event of a history report."""

    sequence: int
    action: str
    status: str  # after the event
    tx_hash: str
    block_number: int
    block_time: int  # Unix seconds (exports: ISO 8601 in ``block_time``, this in ``block_timestamp``)
    log_index: int
    signer: str | None  # the transaction's sender
    head: str
    head_verified: bool  # the event's data hashes to its head
    change: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sequence": self.sequence,
            "action": self.action,
            "status": self.status,
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
            "block_time": iso_instant(self.block_time),
            "block_timestamp": self.block_time,
            "log_index": self.log_index,
            "signer": self.signer,
            "head": self.head,
            "head_verified": self.head_verified,
            "change": self.change,
        }


@dataclass(frozen=True)
class HistoryReport:
    """A certificate's history as read from the chain, with the audit verdict."""

    certificate_id: str
    issuer: str
    block_number: int
    onchain_head: str
    verified: bool
    entries: tuple[ReportEntry, ...]

    def to_json(self) -> str:
        """The report as a JSON document."""
        return json.dumps(
            {
                "certificate_id": self.certificate_id,
                "issuer": self.issuer,
                "block_number": self.block_number,
                "onchain_head": self.onchain_head,
                "verified": self.verified,
                "events": [e.as_dict() for e in self.entries],
            },
            indent=2,
        )

    def to_csv(self) -> str:
        """The report as CSV, one row per event (``change`` as compact JSON)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for e in self.entries:
            writer.writerow(
                [
                    e.sequence,
                    e.action,
                    e.status,
                    e.tx_hash,
                    e.block_number,
                    iso_instant(e.block_time),
                    e.block_time,
                    e.log_index,
                    e.signer or "",
                    e.head,
                    str(e.head_verified).lower(),
                    json.dumps(e.change, sort_keys=True, separators=(",", ":")),
                ]
            )
        return buffer.getvalue()


def _terms_dict(state: State) -> dict[str, Any]:
    terms = state.terms
    return {
        "programmes": programme_names(terms.programmes),
        "roles": role_names(terms.roles),
        "sme": bool(terms.flags & FLAG_SME),
        "valid_from": iso_instant(terms.valid_from),
        "valid_until": iso_or_none(terms.valid_until),
    }


def describe_change(event: CertificateEvent, before: State | None, after: State) -> dict[str, Any]:
    """What an event changed: the initial terms on issue, ``{field: [old, new]}`` afterwards, in the
    API's vocabulary (names, ISO 8601; ``reason_code`` beside ``reason``)."""
    if isinstance(event, CertificateIssued):
        return {"number": event.number, **_terms_dict(after), "document_hash": "0x" + event.document_hash.hex()}
    change: dict[str, Any] = {}
    if before is not None:
        old, new = _terms_dict(before), _terms_dict(after)
        change = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
        if before.status != after.status:
            change["status"] = [CertificateStatus(before.status).name, CertificateStatus(after.status).name]
    if isinstance(event, CertificateStatusChanged | CertificateAmended):
        change["reason"] = reason_name(event.reason_code)
        change["reason_code"] = event.reason_code
    if isinstance(event, CertificateAmended | CertificateRenewed):
        change["document_hash"] = "0x" + event.document_hash.hex()
    return change


def build_entries(records: list[EventRecord], verified_sequences: set[int]) -> tuple[ReportEntry, ...]:
    """Report entries of certificate events in order; ``verified_sequences`` had no finding."""
    entries: list[ReportEntry] = []
    state: State | None = None
    for record in records:
        event: CertificateEvent = record.event  # type: ignore[assignment]
        sequence = event.sequence
        inputs = certificate_inputs(event, state)
        after = inputs.state if inputs is not None else state
        p = record.position
        entries.append(
            ReportEntry(
                sequence=sequence,
                action=inputs.action.name if inputs is not None else type(event).__name__,
                status=CertificateStatus(after.status).name if after is not None else "UNKNOWN",
                tx_hash="0x" + p.tx_hash.hex(),
                block_number=p.block_number,
                block_time=p.block_time,
                log_index=p.log_index,
                signer=p.sender,
                head="0x" + event.head.hex(),
                head_verified=sequence in verified_sequences,
                change=describe_change(event, state, after) if after is not None else {},
            )
        )
        state = after
    return tuple(entries)
