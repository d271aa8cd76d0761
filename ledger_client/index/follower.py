"""Following the chain: incremental batches, reorg detection and rewind, a background thread.

One sync step:

1. Check that the block at the cursor is still canonical (its stored hash equals the chain's);
   if not, walk back through the recorded blocks to the newest one the chain still has (the fork
   point), delete everything above it and continue from there.
2. Read the next range of blocks from the log source, check that the blocks link to each other
   and to the cursor (parent hashes), decode the logs.
3. Re-check the cursor block (the chain must not have moved under the read), then commit the
   events, the block headers and the new cursor in one transaction.

The deployment block itself is checked too (on the first sync, after every reorg, and while
nothing is indexed yet): when its hash is not the one the index was built from, the chain was
reset or the URL leads to another chain. The index then drops every row (they describe a chain
that is gone, and must not be served as current), reports :class:`ChainResetError` from each sync
(:attr:`Follower.chain_reset` says why) and rebuilds from the deployment block as soon as the
chain holds it again.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Required, TypedDict, Unpack

from ledger_client.errors import ChainResetError, IndexTimeoutError
from ledger_client.index.decoder import decode_blocks
from ledger_client.index.schema import connect
from ledger_client.index.sources import BlockHeader, BlockLogs, ChainMovedError, LogSource
from ledger_client.index.store import Store

log = logging.getLogger(__name__)

#: Consecutive reads the chain may invalidate before a sync gives up.
MAX_RETRIES = 8


@dataclass(frozen=True)
class SyncReport:
    """What one :meth:`Follower.sync` did."""

    from_block: int
    to_block: int
    events: int
    reorgs: int
    rewound_to: int | None  # the fork point of the last reorg, if any


class FollowOptions(TypedDict, total=False):
    """How a :class:`Follower` (and the :class:`~ledger_client.index.Index` around it) follows the
    chain; keyword arguments, described in :class:`Follower`."""

    start_block: Required[int]
    chain_id: int | None
    confirmations: int
    batch_blocks: int
    start_hash: bytes | None


class Follower:
    """The single writer: follows the chain from ``start_block`` into the SQLite store.

    Args:
        path: the SQLite file.
        source: where blocks and logs come from.
        start_block: the deployment block of the contract (first block that can hold its events).
        chain_id: recorded and checked on reopen when given.
        confirmations: stay this many blocks behind the head (0 follows the head).
        batch_blocks: blocks read per step (one transaction each).
        start_hash: the hash of the deployment block (from the manifest); learned from the chain
            on the first sync when not given.
    """

    def __init__(self, path: str | Path, source: LogSource, **options: Unpack[FollowOptions]) -> None:
        start_block = options["start_block"]
        chain_id = options.get("chain_id")
        confirmations = options.get("confirmations", 0)
        batch_blocks = options.get("batch_blocks", 500)
        start_hash = options.get("start_hash")
        self._conn: sqlite3.Connection = connect(path)
        self._conn_lock = threading.RLock()
        self._store = Store(self._conn)
        self._store.bind(source.address, start_block, chain_id)
        self._start_hash = self._store.bind_start_hash(start_block, start_hash)
        self._check_start = True  # check the deployment block on the next sync
        self._reset: str | None = None
        self._source = source
        self._start_block = start_block
        self._confirmations = confirmations
        self._batch_blocks = max(1, batch_blocks)
        self._progress = threading.Condition()
        self._cursor = self._store.cursor()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._closed = False
        self._listeners: list[Callable[[int], None]] = []

    @property
    def cursor(self) -> int:
        """The last block fully in the index."""
        return self._cursor

    @property
    def source(self) -> LogSource:
        """The log source followed."""
        return self._source

    @property
    def chain_reset(self) -> str | None:
        """Why the index holds nothing: the chain lost the deployment block (None when it has it)."""
        return self._reset

    @property
    def last_error(self) -> BaseException | None:
        """The last error the background thread met (it keeps retrying)."""
        return self._error

    def sync(self, to_block: int | None = None) -> SyncReport:
        """Catch up to ``to_block`` (default: head minus confirmations) and return what was done."""
        with self._conn_lock:
            start = self._cursor
            if to_block is not None and start >= to_block and self._reset is None:
                # read-your-writes callers queue here behind one sync: the first brought the block in
                return SyncReport(start, start, 0, 0, None)
            events = reorgs = 0
            rewound: int | None = None
            target = self._source.head() - self._confirmations if to_block is None else to_block
            moved = 0
            stepped = False  # the cursor block was just read: no need to ask whether it is still canonical
            while True:
                fork = None if stepped else self._check_reorg()
                stepped = False
                if fork is not None:
                    self._check_start = True
                if self._check_start or self._reset is not None or self._cursor < self._start_block:
                    self._check_deployment()
                if fork is not None:
                    reorgs += 1
                    rewound = fork
                    target = min(target, self._source.head() - self._confirmations) if to_block is None else target
                if self._cursor >= target:
                    break
                try:
                    events += self._step(min(target, self._cursor + self._batch_blocks))
                    stepped = True
                except ChainMovedError as exc:
                    moved += 1
                    if moved > MAX_RETRIES:
                        raise
                    log.info("chain moved during read, rechecking: %s", exc)
                    target = min(target, self._source.head())
            return SyncReport(start, self._cursor, events, reorgs, rewound)

    def _check_reorg(self) -> int | None:
        """Rewind to the fork point if the cursor block is no longer canonical; return it."""
        stored = self._store.stored_hash(self._cursor)
        if stored is None:
            return None
        current = self._source.header(self._cursor)
        if current is not None and current.hash == stored:
            return None
        fork = self._start_block - 1
        for number in self._store.stored_blocks_desc(self._cursor - 1):
            header = self._source.header(number)
            if header is not None and header.hash == self._store.stored_hash(number):
                fork = number
                break
        log.warning("reorg: block %d no longer canonical, rewinding to %d", self._cursor, fork)
        self._store.rewind(fork)
        self._set_cursor(fork)
        return fork

    def _check_deployment(self) -> None:
        """Raise :class:`ChainResetError` (after dropping every row) unless the chain holds the deployment block."""
        header = self._source.header(self._start_block) if self._source.head() >= self._start_block else None
        if header is not None and self._start_hash is None:
            self._start_hash = self._store.bind_start_hash(self._start_block, header.hash)
        if header is not None and header.hash == self._start_hash:
            self._check_start = False
            if self._reset is not None:
                log.warning("the chain holds the deployment block %d again: rebuilding the index", self._start_block)
            self._reset = None
            return
        if header is None and self._start_hash is None:
            return  # nothing to compare with yet (the chain has not reached the deployment block)
        found = "missing" if header is None else "0x" + header.hash.hex()
        expected = "unknown" if self._start_hash is None else "0x" + self._start_hash.hex()
        reason = (
            f"the chain's block {self._start_block} (the deployment block) is {found}, not {expected}: the node "
            "was reset or restarted empty, or the URL leads to another chain; the index holds nothing until the "
            "chain holds the deployment again"
        )
        if self._cursor >= self._start_block:
            log.warning("chain reset: %s; dropping the index's rows", reason)
            self._store.rewind(self._start_block - 1)
            self._set_cursor(self._start_block - 1)
        self._reset = reason
        raise ChainResetError(reason)

    def _step(self, to_block: int) -> int:
        """Read and commit ``(cursor, to_block]``.

        What is committed is consistent (each block's logs carry its hash, consecutive headers link,
        the first one to the cursor's stored hash); a reorg after the read is the next sync's
        :meth:`_check_reorg`. The end header comes with the last block's logs when that block has
        some, and the cursor is read again only when no header read links to it (under load a step
        is one block with logs: ``eth_getLogs`` and that block, nothing else).
        """
        from_block = self._cursor + 1
        blocks = self._source.read(from_block, to_block)
        end = blocks[-1].header if blocks and blocks[-1].header.number == to_block else self._source.header(to_block)
        if end is None:
            raise ChainMovedError(f"block {to_block} is gone")
        self._check_links(blocks, end)
        first = blocks[0].header.number if blocks else end.number
        stored = self._store.stored_hash(self._cursor)
        if stored is not None and first != from_block:
            current = self._source.header(self._cursor)
            if current is None or current.hash != stored:
                raise ChainMovedError(f"block {self._cursor} changed during the read")
        records = decode_blocks(blocks)
        self._store.commit_blocks(records, (b.header for b in blocks), end)
        self._set_cursor(to_block)
        return len(records)

    def _check_links(self, blocks: list[BlockLogs], end: BlockHeader) -> None:
        headers = [b.header for b in blocks]
        if not headers or headers[-1].number != end.number:
            headers.append(end)
        previous_number, previous_hash = self._cursor, self._store.stored_hash(self._cursor)
        for header in headers:
            linked = header.number != previous_number + 1 or previous_hash is None
            if not linked and header.parent_hash != previous_hash:
                raise ChainMovedError(f"block {header.number} does not extend block {previous_number}")
            previous_number, previous_hash = header.number, header.hash
        if blocks and blocks[-1].header.number == end.number and blocks[-1].header.hash != end.hash:
            raise ChainMovedError(f"block {end.number} changed during the read")

    def _set_cursor(self, number: int) -> None:
        with self._progress:
            self._cursor = number
            self._progress.notify_all()
        for listener in tuple(self._listeners):
            try:
                listener(number)
            except Exception:  # a listener's failure must not stop the follower
                log.exception("index listener %r failed", listener)

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(block)`` each time the cursor moves (forward, or back to a fork point).

        It runs in the thread that advanced the index: it must be quick and never block (hand the
        work to another thread or event loop).
        """
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[int], None]) -> None:
        """Stop calling ``listener`` (no error when it was not added)."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def wait_for_block(self, number: int, timeout: float = 10.0) -> int:
        """Block until the index holds every event up to block ``number``; return the cursor.

        Without a running background follower the calling thread syncs itself.
        Raises :class:`~ledger_client.errors.IndexTimeoutError` after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while self._cursor < number:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise IndexTimeoutError(f"index is at block {self._cursor}, block {number} not reached in {timeout}s")
            if self._thread is None or not self._thread.is_alive():
                self.sync(to_block=min(number, self._source.head() - self._confirmations))
                if self._cursor < number:
                    time.sleep(min(0.05, max(0.0, remaining)))
            else:
                with self._progress:
                    self._progress.wait_for(lambda: self._cursor >= number, timeout=remaining)
        return self._cursor

    def start(self, poll_interval: float = 0.2) -> None:
        """Start the background follower thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(poll_interval,), name="aeo-index", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background thread and wait for it."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self, poll_interval: float) -> None:
        while not self._stopping.is_set():
            try:
                self.sync()
                self._error = None
            except Exception as exc:  # keep following: a node restart must not kill the index
                self._error = exc
                log.warning("index sync failed, retrying: %s", exc)
            self._stopping.wait(poll_interval)

    def close(self) -> None:
        """Stop following and close the writer connection."""
        if self._closed:
            return
        self.stop()
        with self._conn_lock:
            self._conn.close()
        self._closed = True
