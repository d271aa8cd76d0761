"""In-memory index of event logs by block, address and first topic.

eth-tester's ``get_logs`` rescans every block; this index answers an address/topic
filter over a block range by bisecting per-address and per-topic block lists.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

LogRow = tuple[int, bytes, int, bytes, tuple[bytes, ...], bytes]
"""(transaction index, transaction hash, log index in block, address, topics, data)."""

BlockLogsTuple = tuple[int, bytes, tuple[LogRow, ...]]
"""Plain-tuple form of :class:`BlockLogs`, as stored in snapshots."""


@dataclass(frozen=True)
class BlockLogs:
    """All logs emitted in one block."""

    number: int
    block_hash: bytes
    rows: tuple[LogRow, ...]


@dataclass(frozen=True)
class LogFilter:
    """An ``eth_getLogs`` filter with resolved block numbers.

    ``addresses`` None means any address; ``topics[i]`` None means any value at
    position ``i``, otherwise one of the given 32-byte values.
    """

    from_block: int
    to_block: int
    addresses: frozenset[bytes] | None
    topics: tuple[frozenset[bytes] | None, ...]


@dataclass(frozen=True)
class LogMatch:
    """One log that matched a filter, with its block."""

    block_number: int
    block_hash: bytes
    row: LogRow


def _insert_sorted(numbers: list[int], number: int) -> None:
    if not numbers or numbers[-1] < number:
        numbers.append(number)
    elif numbers[-1] != number:
        bisect.insort(numbers, number)


def _in_range(numbers: list[int], low: int, high: int) -> list[int]:
    return numbers[bisect.bisect_left(numbers, low) : bisect.bisect_right(numbers, high)]


class LogIndex:
    """Blocks that emitted logs, with secondary indexes by address and topic0."""

    def __init__(self) -> None:
        self._blocks: dict[int, BlockLogs] = {}
        self._numbers: list[int] = []
        self._by_address: dict[bytes, list[int]] = {}
        self._by_topic0: dict[bytes, list[int]] = {}
        self._unsnapshotted: list[BlockLogs] = []

    def add_block(self, block: BlockLogs) -> None:
        """Index the logs of a newly sealed block (blocks without logs are ignored)."""
        if not block.rows:
            return
        self._blocks[block.number] = block
        _insert_sorted(self._numbers, block.number)
        for row in block.rows:
            _insert_sorted(self._by_address.setdefault(row[3], []), block.number)
            if row[4]:
                _insert_sorted(self._by_topic0.setdefault(row[4][0], []), block.number)
        self._unsnapshotted.append(block)

    def load(self, blocks: Iterable[BlockLogsTuple]) -> None:
        """Index blocks restored from a snapshot."""
        for number, block_hash, rows in blocks:
            self.add_block(BlockLogs(number, block_hash, tuple(rows)))
        self._unsnapshotted = []

    def take_new(self) -> list[BlockLogsTuple]:
        """Blocks indexed since the previous call, as plain tuples for a snapshot."""
        new = [(b.number, b.block_hash, b.rows) for b in self._unsnapshotted]
        self._unsnapshotted = []
        return new

    def take_all(self) -> list[BlockLogsTuple]:
        """Every indexed block, as plain tuples for a full snapshot."""
        self._unsnapshotted = []
        return [(b.number, b.block_hash, b.rows) for b in self._blocks.values()]

    def block(self, number: int) -> BlockLogs | None:
        """The logs of block ``number`` (None if it emitted none)."""
        return self._blocks.get(number)

    def query(self, log_filter: LogFilter) -> list[LogMatch]:
        """Logs matching ``log_filter``, in chain order."""
        low, high = log_filter.from_block, log_filter.to_block
        if low > high:
            return []
        candidates = self._candidates(log_filter, low, high)
        addresses = log_filter.addresses
        topics = log_filter.topics
        matches: list[LogMatch] = []
        for number in candidates:
            block = self._blocks[number]
            for row in block.rows:
                if addresses is not None and row[3] not in addresses:
                    continue
                if not _topics_match(row[4], topics):
                    continue
                matches.append(LogMatch(number, block.block_hash, row))
        return matches

    def _candidates(self, log_filter: LogFilter, low: int, high: int) -> list[int]:
        if log_filter.addresses is not None:
            found: set[int] = set()
            for address in log_filter.addresses:
                found.update(_in_range(self._by_address.get(address, []), low, high))
            return sorted(found)
        first = log_filter.topics[0] if log_filter.topics else None
        if first is not None:
            found = set()
            for topic in first:
                found.update(_in_range(self._by_topic0.get(topic, []), low, high))
            return sorted(found)
        return _in_range(self._numbers, low, high)


def _topics_match(row_topics: tuple[bytes, ...], wanted: tuple[frozenset[bytes] | None, ...]) -> bool:
    if len(wanted) > len(row_topics):
        return False  # as geth: a filter longer than the log's topics never matches
    return all(options is None or topic in options for topic, options in zip(row_topics, wanted, strict=False))
