"""Typed exceptions raised by the embedded durable node.

Every error derives from :class:`NodeError` (and, where one fits, from the matching
built-in), so callers can catch the whole family or one precise failure.
:class:`NodeError` derives from the project-wide ``LedgerError``.
"""

from __future__ import annotations

from ledger_client.errors import LedgerError


class NodeError(LedgerError):
    """Base class of every error raised by ``ledger_client.node``."""


class NodeConfigError(NodeError, ValueError):
    """The node configuration is invalid or does not match the data directory."""


class DataDirLockedError(NodeError, RuntimeError):
    """Another process already runs a node on this data directory."""


class JournalCorruptedError(NodeError, RuntimeError):
    """A journal record other than the last one is damaged; the node refuses to start.

    Attributes:
        path: the journal file.
        offset: byte offset of the damaged record.
    """

    def __init__(self, message: str, *, path: str, offset: int) -> None:
        super().__init__(f"{message} (journal {path}, byte offset {offset})")
        self.path = path
        self.offset = offset


class SnapshotCorruptedError(NodeError, RuntimeError):
    """A snapshot does not match the journal it claims to summarise."""


class ReplayDivergedError(NodeError, RuntimeError):
    """Replaying the journal did not reproduce the recorded chain (block hash differs or
    a journaled transaction no longer applies); the node refuses to start."""


class NodeFailedError(NodeError, RuntimeError):
    """A journal write failed; the node stopped accepting writes to stay consistent."""


class NodeClosedError(NodeError, RuntimeError):
    """The node was closed and can no longer be used."""


class TransactionRejectedError(NodeError, ValueError):
    """The node refused a transaction (bad encoding, nonce, balance, fees …)."""


class ExecutionRevertedError(NodeError, RuntimeError):
    """An ``eth_call``/``eth_estimateGas`` reverted.

    Attributes:
        data: the raw revert data (ABI-encoded custom error or ``Error(string)``).
        reason: the decoded ``Error(string)`` message, if the data is one.
    """

    def __init__(self, data: bytes, reason: str | None) -> None:
        message = "execution reverted" + (f": {reason}" if reason else "")
        super().__init__(message)
        self.data = data
        self.reason = reason


class BlockNotFoundError(NodeError, LookupError):
    """The requested block does not exist (yet)."""
