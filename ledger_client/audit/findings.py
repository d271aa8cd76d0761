"""Typed results of audits: what is wrong with a history, or with the index."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FindingKind(StrEnum):
    """What an audit found wrong with one event of a history."""

    MISSING = "missing"  # the chain counts this event, the source did not return it
    REORDERED = "reordered"  # returned out of sequence order
    ALTERED = "altered"  # its data does not hash to its head (or does not chain from the previous head)
    DUPLICATE = "duplicate"  # the same sequence number returned more than once
    UNEXPECTED = "unexpected"  # a sequence number beyond the on-chain event count
    HEAD_MISMATCH = "head_mismatch"  # the recomputed head differs from the on-chain head


@dataclass(frozen=True)
class Finding:
    """One problem, located by event sequence number (``None`` for the history as a whole)."""

    kind: FindingKind
    sequence: int | None
    detail: str
    block_number: int | None = None
    tx_hash: bytes | None = None


@dataclass(frozen=True)
class HistoryAudit:
    """The audit of one certificate's or MRA's history against its on-chain head.

    ``ok`` means: every event from 1 to the on-chain count was read, in order, each one's data
    hashes to its head, and the head recomputed from the data alone equals the on-chain head.
    """

    subject: str  # "certificate" or "mra"
    key: str  # 0x-hex certificate id, or the MRA id
    block_number: int  # the block at which chain and logs were read
    onchain_event_count: int
    onchain_head: bytes
    recomputed_head: bytes
    events_read: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether the history read from the chain is complete, in order and authentic."""
        return not self.findings and self.recomputed_head == self.onchain_head

    def of_kind(self, kind: FindingKind) -> tuple[Finding, ...]:
        """The findings of one kind."""
        return tuple(f for f in self.findings if f.kind == kind)


@dataclass(frozen=True)
class RowMismatch:
    """An index row that disagrees with the chain."""

    table: str
    key: str
    field: str
    index_value: str
    chain_value: str


@dataclass(frozen=True)
class IndexVerification:
    """The result of verifying the index against the chain at the index's block."""

    block_number: int
    certificates_checked: int
    mras_checked: int
    administrations_checked: int
    mismatches: tuple[RowMismatch, ...]

    @property
    def ok(self) -> bool:
        """Whether every checked row matches the chain."""
        return not self.mismatches
