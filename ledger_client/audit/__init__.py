"""History proofs and verification: re-read events from the chain, recompute history heads,
compare with the on-chain heads; verify the index; export history reports (JSON, CSV)."""

from ledger_client.audit.auditor import Auditor
from ledger_client.audit.findings import Finding, FindingKind, HistoryAudit, IndexVerification, RowMismatch
from ledger_client.audit.report import HistoryReport, ReportEntry
from ledger_client.events import CERTIFICATE_EVENTS, MRA_EVENTS

__all__ = [
    "CERTIFICATE_EVENTS",
    "MRA_EVENTS",
    "Auditor",
    "Finding",
    "FindingKind",
    "HistoryAudit",
    "HistoryReport",
    "IndexVerification",
    "ReportEntry",
    "RowMismatch",
]
