"""SQLite read model following the chain: decodes every AeoLedger event and answers queries in milliseconds.

The chain stays the only source of truth: the index can be dropped and rebuilt at any time,
and :mod:`ledger_client.audit` verifies it against the chain.
"""

from ledger_client.index.core import Index
from ledger_client.index.follower import Follower, SyncReport
from ledger_client.index.queries import Reader
from ledger_client.index.results import (
    AdministrationKpis,
    CertificateEventRow,
    CertificateStateAt,
    FeedEntry,
    FeedPage,
    IndexedAdministration,
    IndexedCertificate,
    IndexedMra,
    IssuerEvent,
    LatencyStats,
    MraEventRow,
    MraScope,
    Page,
)
from ledger_client.index.sources import (
    BlockHeader,
    BlockLogs,
    EthTesterLogSource,
    FilteredLogSource,
    LogSource,
    RawLog,
    RpcLogSource,
    source_for,
)

__all__ = [
    "AdministrationKpis",
    "BlockHeader",
    "BlockLogs",
    "CertificateEventRow",
    "CertificateStateAt",
    "EthTesterLogSource",
    "FeedEntry",
    "FeedPage",
    "FilteredLogSource",
    "Follower",
    "Index",
    "IndexedAdministration",
    "IndexedCertificate",
    "IndexedMra",
    "IssuerEvent",
    "LatencyStats",
    "LogSource",
    "MraEventRow",
    "MraScope",
    "Page",
    "RawLog",
    "Reader",
    "RpcLogSource",
    "SyncReport",
    "source_for",
]
