"""SQLite read model following the chain: decodes every AeoLedger event and answers queries in milliseconds.

The chain stays the only source of truth: the index can be dropped and rebuilt at any time,
and :mod:`ledger_client.audit` verifies it against the chain.
"""

from typing import TYPE_CHECKING, Any

from ledger_client.index import results
from ledger_client.index.core import Index
from ledger_client.index.follower import Follower, SyncReport
from ledger_client.index.queries import Reader
from ledger_client.index.results import *  # noqa: F403 - the results are re-exported as results.__all__ names them
from ledger_client.index.sources import (
    BlockHeader,
    BlockLogs,
    FilteredLogSource,
    LogSource,
    RawLog,
    RpcLogSource,
    source_for,
)

if TYPE_CHECKING:
    from ledger_client.backends.memory_logs import EthTesterLogSource


def __getattr__(name: str) -> Any:
    """``EthTesterLogSource``, imported on first use (it needs py-evm)."""
    if name == "EthTesterLogSource":
        from ledger_client.backends.memory_logs import EthTesterLogSource

        return EthTesterLogSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BlockHeader",
    "BlockLogs",
    "EthTesterLogSource",
    "FilteredLogSource",
    "Follower",
    "Index",
    "LogSource",
    "RawLog",
    "Reader",
    "RpcLogSource",
    "SyncReport",
    "source_for",
]
__all__ += results.__all__
