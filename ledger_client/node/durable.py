"""``DurableChain``: an in-process EVM chain that survives ``kill -9``.

State lives in memory (py-evm over :class:`TrackingMemoryDB`). Every change is first
recorded in the journal (raw transactions, block boundaries with their timestamps,
clock offsets) and fsync'd before it is acknowledged; snapshot segments bound the
journal tail replayed at start. One re-entrant lock serialises all access to py-evm.

Block time follows the node's clock (wall clock + ``evm_increaseTime`` offset) in the default
``realtime`` mode: a block's timestamp never runs more than ``max_drift_s`` ahead of it, so under
load transactions share blocks (see :class:`~ledger_client.node.config.BlockMode`); with a
``block_period_ms`` below 1000 blocks come that often and may share a second. History can be
written with explicit past timestamps: turn automining off (:meth:`DurableChain.set_automine`),
pin the next block's timestamp, send, :meth:`DurableChain.mine` — the chain then continues at the
clock (see :mod:`ledger_client.node.history`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from eth.abc import BlockAPI, ReceiptAPI, SignedTransactionAPI, StateAPI
from eth.db.atomic import AtomicDB
from eth.exceptions import HeaderNotFound, TransactionNotFound
from eth_hash.auto import keccak
from eth_typing import BlockNumber, Hash32
from eth_utils.exceptions import ValidationError

from ledger_client.node.accounts import DevAccount, derive_accounts
from ledger_client.node.builder import PendingBlock
from ledger_client.node.config import DEFAULT_BLOCK_PERIOD_MS, BlockMode, NodeConfig
from ledger_client.node.errors import (
    DataDirLockedError,
    JournalCorruptedError,
    NodeClosedError,
    NodeFailedError,
    ReplayDivergedError,
    SnapshotCorruptedError,
    TransactionRejectedError,
)
from ledger_client.node.genesis import DevChain, create_genesis_chain, open_chain, settle_genesis, store_genesis
from ledger_client.node.journal import HEADER_SIZE, JournalEntry, JournalWriter, scan_journal
from ledger_client.node.kvstore import TrackingMemoryDB
from ledger_client.node.logindex import LogFilter, LogIndex, LogMatch
from ledger_client.node.records import ClockOffset, OpenBlock, Record, SealBlock, TxRecord
from ledger_client.node.snapshots import SegmentData, SnapshotStore

logger = logging.getLogger(__name__)

JOURNAL_NAME = "journal.log"
#: Longest a transaction waits for room in the next block before the node refuses it.
FULL_BLOCK_WAIT_S = 30.0
SNAPSHOT_DIR = "snapshots"
LOCK_NAME = "LOCK"
#: A clock set back further than this behind the wall clock writes history: a sub-second block period
#: does not hold its blocks (a clock set to "now" over JSON-RPC may land a second behind).
HISTORY_LAG_S = 60


@dataclass(frozen=True)
class TxLocation:
    """Where a transaction is: its sealed block (None while pending) and index."""

    transaction: SignedTransactionAPI
    block: BlockAPI | None
    index: int


@dataclass(frozen=True)
class StartupReport:
    """What :class:`DurableChain` did to open its data directory."""

    snapshot_segments: int
    snapshot_block: int | None
    replayed_records: int
    dropped_journal_bytes: int
    seconds: float


def _chain_id_of(transaction: SignedTransactionAPI) -> int | None:
    chain_id = getattr(transaction, "chain_id", None)
    if chain_id is not None:
        return int(chain_id)
    v = int(getattr(transaction, "v", 0))
    return (v - 35) // 2 if v >= 35 else None


def _sub_second_period(config: NodeConfig) -> float | None:
    """Realtime mode with a block period below a second: the least seconds between seals (warned
    about: development networks only); None for whole-second blocks."""
    if config.block_mode is not BlockMode.REALTIME or config.block_period_ms >= DEFAULT_BLOCK_PERIOD_MS:
        return None
    logger.warning(
        "block period %d ms: blocks faster than one a second are for development networks only "
        "(production Besu/QBFT has a block period of at least 1 s)",
        config.block_period_ms,
    )
    return config.block_period_ms / 1000


class DurableChain:
    """An embedded, durable, single-writer EVM chain (see the module docstring).

    Args:
        data_dir: directory holding the journal and snapshots (created if missing).
        config: full configuration; the keyword arguments override its fields.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        config: NodeConfig | None = None,
        *,
        chain_id: int | None = None,
        mnemonic: str | None = None,
        block_mode: BlockMode | str | None = None,
        block_interval_s: float | None = None,
    ) -> None:
        config = config or NodeConfig()
        if chain_id is not None:
            config = replace(config, chain_id=chain_id)
        if mnemonic is not None:
            config = replace(config, mnemonic=mnemonic)
        if block_mode is not None:
            config = replace(config, block_mode=BlockMode(block_mode))
        if block_interval_s is not None:
            config = replace(config, block_interval_s=block_interval_s)
        self.data_dir = Path(data_dir)
        self.accounts: tuple[DevAccount, ...] = derive_accounts(config.mnemonic, config.num_accounts, config.hd_path)
        self._lock = threading.RLock()
        self._closed = False
        self._failed: BaseException | None = None
        self._pending: PendingBlock | None = None
        self._clock_offset = 0
        self._next_timestamp: int | None = None
        self._period_s = _sub_second_period(config)
        self._last_seal = -math.inf  # time.monotonic() of the last seal
        self._log_index = LogIndex()
        self._blocks_since_snapshot = 0
        self._gas_since_snapshot = 0
        self._segments_since_base = 0
        self._snapshot_executor = ThreadPoolExecutor(1, thread_name_prefix="aeo-snapshot")
        self._snapshot_future: Future[None] | None = None
        self._seq: int | None = None
        self._stop_miner = threading.Event()
        self._wake_miner = threading.Event()
        self._miner: threading.Thread | None = None
        self._automine = True
        self._sealed = threading.Condition(self._lock)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = self._acquire_dir_lock()
        try:
            journal_exists = (self.data_dir / JOURNAL_NAME).exists()
            self.config, write_genesis = settle_genesis(self.data_dir, config, journal_exists=journal_exists)
            if write_genesis and not journal_exists:
                store_genesis(self.data_dir, self.config)  # before the journal: it names this genesis
            with self._lock:
                self.startup = self._open()
            if write_genesis and journal_exists:
                store_genesis(self.data_dir, self.config)  # a data directory older than genesis.json
        except BaseException:
            self._snapshot_executor.shutdown()
            os.close(self._lock_fd)
            raise
        if self.config.block_mode is not BlockMode.INSTANT:
            target = self._mine_loop if self.config.block_mode is BlockMode.INTERVAL else self._realtime_loop
            self._miner = threading.Thread(target=target, name="aeo-miner", daemon=True)
            self._miner.start()

    # ------------------------------------------------------------------ startup

    def _acquire_dir_lock(self) -> int:
        fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise DataDirLockedError(f"data directory {self.data_dir} is in use by another node process") from exc
        return fd

    def _open(self) -> StartupReport:
        started = time.perf_counter()
        db = TrackingMemoryDB()
        chain = create_genesis_chain(AtomicDB(db), self.config, self.accounts)
        self.genesis_hash: bytes = chain.get_canonical_head().hash
        # the chain id is not part of the genesis header: bind both into the identity
        identity = keccak(self.genesis_hash + self.config.chain_id.to_bytes(8, "big"))
        journal_path = self.data_dir / JOURNAL_NAME
        self._snapshots = SnapshotStore(self.data_dir / SNAPSHOT_DIR, identity)
        if not journal_path.exists():
            self._db, self._chain = db, chain
            self._journal = JournalWriter.open(journal_path, identity, None)
            self._write_snapshot_now()
            return StartupReport(0, None, 0, 0, time.perf_counter() - started)

        scan = scan_journal(journal_path, identity)
        replay_from = HEADER_SIZE
        loaded = self._snapshots.load()
        snapshot_block = None
        if loaded is not None:
            last = loaded.last
            boundaries = {HEADER_SIZE} | {entry.end_offset for entry in scan.entries}
            if last.journal_offset not in boundaries:
                raise SnapshotCorruptedError(
                    f"snapshot segment {last.seq} ends at journal offset "
                    f"{last.journal_offset}, which is not a record boundary of the "
                    f"{scan.valid_end}-byte journal: journal and snapshot disagree"
                )
            db = TrackingMemoryDB(loaded.kv_store)
            chain = open_chain(AtomicDB(db), self.config)
            head = chain.get_canonical_head()
            if head.hash != last.head_hash or head.block_number != last.head_number:
                raise SnapshotCorruptedError(
                    f"snapshot segment {last.seq} restores head {head.block_number} "
                    f"0x{head.hash.hex()}, its header says {last.head_number}"
                )
            self._log_index.load(loaded.logs)
            self._clock_offset = last.clock_offset
            replay_from = last.journal_offset
            snapshot_block = last.head_number
            self._segments_since_base = loaded.segments_used - 1
        self._db, self._chain = db, chain
        tail = [entry for entry in scan.entries if entry.end_offset > replay_from]
        for entry in tail:
            self._replay(entry)
        self._journal = JournalWriter.open(journal_path, identity, scan.valid_end)
        if self._pending is not None and self.config.block_mode is not BlockMode.INTERVAL:
            # a block left open by a crash (or with automining off): seal it; realtime mode
            # would seal it at once anyway unless it is ahead of the clock
            self._journal.sync(self._append([self._seal()]))
        if self._snapshots.needs_base or self._snapshot_due():
            self._write_snapshot_now()
        report = StartupReport(
            snapshot_segments=0 if loaded is None else loaded.segments_used,
            snapshot_block=snapshot_block,
            replayed_records=len(tail),
            dropped_journal_bytes=scan.dropped_bytes,
            seconds=time.perf_counter() - started,
        )
        logger.info("node opened: %s", report)
        return report

    def _replay(self, entry: JournalEntry) -> None:
        record = entry.record
        where = str(self.data_dir / JOURNAL_NAME)
        if isinstance(record, OpenBlock):
            if self._pending is not None:
                raise JournalCorruptedError("block opened twice without a seal", path=where, offset=entry.end_offset)
            self._pending = PendingBlock(self._chain, self._chain.get_canonical_head(), record.timestamp)
        elif isinstance(record, TxRecord):
            if self._pending is None:
                raise JournalCorruptedError("transaction outside a block", path=where, offset=entry.end_offset)
            try:
                self._pending.apply(self._pending.decode(record.raw))
            except ValidationError as exc:
                raise ReplayDivergedError(
                    f"journaled transaction no longer applies in block {self._pending.number}: {exc}"
                ) from exc
        elif isinstance(record, SealBlock):
            if self._pending is None:
                raise JournalCorruptedError("seal without an open block", path=where, offset=entry.end_offset)
            block = self._seal_pending()
            if block.number != record.number or block.hash != record.block_hash:
                raise ReplayDivergedError(
                    f"replay of block {record.number} produced block {block.number} "
                    f"0x{block.hash.hex()}, journal recorded 0x{record.block_hash.hex()}; "
                    "refusing to serve a different chain"
                )
        else:
            self._clock_offset = record.offset

    # ------------------------------------------------------------------ writes

    @contextlib.contextmanager
    def reading(self) -> Iterator[DevChain]:
        """Hold the chain lock while reading py-evm objects."""
        with self._lock:
            self._check_open()
            yield self._chain

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Apply, journal and fsync a signed transaction; return its hash.

        In ``instant`` mode the transaction is mined in its own block before this returns; in
        ``realtime`` mode too while the next block can take a new second (with a sub-second block
        period: once the period since the last seal has passed), else it joins the pending block
        (sealed by the miner thread as soon as the clock, or the period, allows). A transaction that
        does not fit in the pending block's remaining gas waits here for the next block (with
        automining off, the full block is sealed and the next one opened a second later).
        Raises :class:`TransactionRejectedError` for invalid transactions.
        """
        with self._lock:
            self._check_writable()
            records: list[Record] = []
            deadline = time.monotonic() + FULL_BLOCK_WAIT_S
            while True:
                pending = self._pending
                if pending is None:
                    pending = self._open_block(records)
                try:
                    transaction = pending.decode(raw)
                except Exception as exc:  # py-evm raises many decode error types
                    self._discard_if_fresh(records)
                    raise TransactionRejectedError(f"invalid raw transaction: {exc}") from exc
                chain_id = _chain_id_of(transaction)
                if chain_id is not None and chain_id != self.config.chain_id:
                    self._discard_if_fresh(records)
                    raise TransactionRejectedError(
                        f"invalid chain id {chain_id}; this node runs chain {self.config.chain_id}"
                    )
                if not self._fits(pending, transaction):
                    records = self._make_room(records, deadline)
                    continue
                try:
                    pending.apply(transaction)
                except ValidationError as exc:
                    self._discard_if_fresh(records)
                    raise TransactionRejectedError(str(exc)) from exc
                break
            records.append(TxRecord(raw))
            if self._seal_now(pending):
                records.append(self._seal())
            else:
                self._wake_miner.set()
            offset = self._append(records)
            self._maybe_snapshot()
        self._journal.sync(offset)
        return bytes(transaction.hash)

    def _fits(self, pending: PendingBlock, transaction: SignedTransactionAPI) -> bool:
        """Whether ``transaction`` fits in the pending block's remaining gas (or can never fit anywhere)."""
        if not pending.transactions or transaction.gas > pending.header.gas_limit:
            return True  # an empty block takes it, or py-evm rejects it as over the block gas limit
        return pending.header.gas_used + transaction.gas <= pending.header.gas_limit

    def _make_room(self, records: list[Record], deadline: float) -> list[Record]:
        """The pending block is full: seal it now (automining off), or wait for the miner to.

        Whatever was recorded so far is journaled first (the records stay in order).
        """
        if records:
            self._append(records)
            records = []
        if not self._automine or self.config.block_mode is not BlockMode.REALTIME:
            assert self._pending is not None
            parent = self._pending.timestamp
            self._append([self._seal()])
            if not self._automine:
                self._next_timestamp = parent + 1  # the history goes on one second later
            return records
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransactionRejectedError(
                f"the pending block stayed full for {FULL_BLOCK_WAIT_S:g} s; the node is overloaded, retry later"
            )
        self._wake_miner.set()
        self._sealed.wait(remaining)
        self._check_writable()
        return records

    def _seal_now(self, pending: PendingBlock) -> bool:
        """Whether the block that just took a transaction is sealed before the sender gets its hash."""
        if not self._automine:
            return False
        mode = self.config.block_mode
        if mode is BlockMode.INSTANT:
            return True
        if mode is BlockMode.INTERVAL:
            return False
        return pending.timestamp <= self._drift_bound() and self._period_wait() <= 0

    def _period_wait(self) -> float:
        """Seconds until a sub-second block period allows the next seal (<= 0: now).

        Always 0 with the default period (whole-second timestamps space the blocks) and for history
        (the clock set back over :data:`HISTORY_LAG_S`: its blocks are all in the past and sealed at once).
        """
        if self._period_s is None or self._clock_offset < -HISTORY_LAG_S:
            return 0.0
        return self._last_seal + self._period_s - time.monotonic()

    def _drift_bound(self) -> float:
        """Latest timestamp a realtime block may have now: ``max_drift_s`` past the wall clock, or
        past the node's clock when ``evm_increaseTime`` moved it ahead (a clock set back writes history,
        whose blocks are all in the past: they are sealed at once)."""
        return max(time.time(), self.clock()) + self.config.max_drift_s

    def clock(self) -> float:
        """The node's clock: wall-clock time plus the ``evm_increaseTime`` offset (Unix seconds)."""
        return time.time() + self._clock_offset

    @property
    def automine(self) -> bool:
        """Whether blocks are sealed by the block mode (False: only by :meth:`mine`)."""
        return self._automine

    def set_automine(self, enabled: bool) -> None:
        """Turn automining on or off (``evm_setAutomine``); off, only :meth:`mine` seals blocks.

        Not journaled: a restarted node automines. Turning it back on seals a waiting block as the
        block mode would have (instant: now; realtime: once the clock allows).
        """
        with self._lock:
            self._check_writable()
            self._automine = enabled
            offset = None
            pending = self._pending
            if enabled and pending is not None and pending.transactions and self._seal_now(pending):
                offset = self._append([self._seal()])
                self._maybe_snapshot()
            self._wake_miner.set()
        if offset is not None:
            self._journal.sync(offset)

    def wait_for_seal(self, tx_hash: bytes, timeout: float) -> bool:
        """Block until ``tx_hash`` is in a sealed block (True) or ``timeout`` passes / it is unknown (False)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                location = self.find_transaction(tx_hash)
                if location is None:
                    return False
                if location.block is not None:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return False
                self._sealed.wait(remaining)

    def mine(self, timestamp: int | None = None) -> int:
        """Seal the pending block (or an empty one); return the new head number.

        With ``timestamp`` and no block pending, the block gets that timestamp (see
        :meth:`set_next_block_timestamp`).
        """
        with self._lock:
            self._check_writable()
            records: list[Record] = []
            if timestamp is not None and (self._pending is None or self._pending.timestamp != timestamp):
                self.set_next_block_timestamp(timestamp)
            if self._pending is None:
                self._open_block(records)
            records.append(self._seal())
            offset = self._append(records)
            self._maybe_snapshot()
            number = self.head_number()
        self._journal.sync(offset)
        return number

    def increase_time(self, seconds: int) -> int:
        """Move the development clock forward; return the total offset in seconds."""
        if seconds < 0:
            raise ValueError("time can only move forward")
        with self._lock:
            self._check_writable()
            self._clock_offset += seconds
            offset = self._append([ClockOffset(self._clock_offset)])
            total = self._clock_offset
        self._journal.sync(offset)
        return total

    def set_time(self, timestamp: int) -> int:
        """Set the node's clock to ``timestamp`` now (``evm_setTime``; backwards too); return the offset.

        Block timestamps never decrease (they strictly increase unless the block period is below a
        second): a clock set before the head's timestamp only takes effect once it passes it. Setting
        it to the wall-clock time follows the wall clock again.
        """
        with self._lock:
            self._check_writable()
            self._clock_offset = int(timestamp) - int(time.time())
            offset = self._append([ClockOffset(self._clock_offset)])
            total = self._clock_offset
        self._journal.sync(offset)
        return total

    def set_next_block_timestamp(self, timestamp: int) -> None:
        """Pin the timestamp of the next opened block (must exceed the head's; with a sub-second
        block period it may equal it, as Hardhat's ``allowBlocksWithSameTimestamp`` allows).

        A timestamp in the past writes history (the chain continues at the clock afterwards); one
        ahead of the clock moves the clock forward to it when the block opens, as anvil does.
        """
        with self._lock:
            self._check_writable()
            parent = self._pending.header if self._pending else self._chain.get_canonical_head()
            least = parent.timestamp + (1 if self._period_s is None else 0)
            if self._pending is not None or timestamp < least:
                raise ValueError(f"next block timestamp must be at least {least} and no block may be pending")
            self._next_timestamp = timestamp

    def snapshot(self) -> None:
        """Write a snapshot segment now and wait for it (sealed blocks only)."""
        with self._lock:
            self._check_open()
            future = self._submit_snapshot()
        if future is not None:
            future.result()

    def close(self) -> None:
        """Stop mining, seal nothing new, write a final snapshot and release the data dir."""
        with self._lock:
            if self._closed:
                return
        self._stop_miner.set()
        self._wake_miner.set()
        if self._miner is not None:
            self._miner.join()
        with self._lock:
            future = None
            pending = self._pending
            if self._failed is None and pending is not None and pending.transactions:
                with contextlib.suppress(NodeFailedError):
                    self._journal.sync(self._append([self._seal()]))  # what was sent lands before we stop
            if self._failed is None:
                future = self._submit_snapshot()
            self._closed = True
            self._sealed.notify_all()
        if future is not None:
            future.result()
        self._snapshot_executor.shutdown()
        self._journal.close()
        os.close(self._lock_fd)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._closed

    def __enter__(self) -> DurableChain:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise NodeClosedError("the node is closed")

    def _check_writable(self) -> None:
        self._check_open()
        if self._failed is not None:
            raise NodeFailedError(f"node stopped accepting writes: {self._failed}")

    def _open_block(self, records: list[Record]) -> PendingBlock:
        head = self._chain.get_canonical_head()
        if self._next_timestamp is not None:
            timestamp, self._next_timestamp = self._next_timestamp, None
            ahead = timestamp - self.clock()
            if ahead > 0:  # a pinned future time: the clock jumps there (anvil's evm_setNextBlockTimestamp)
                self._clock_offset += math.ceil(ahead)
                records.append(ClockOffset(self._clock_offset))
        else:
            # a sub-second block period: blocks may share their parent's second (never ahead of the clock)
            step = 1 if self._period_s is None else 0
            timestamp = max(int(head.timestamp) + step, int(self.clock()))
        self._pending = PendingBlock(self._chain, head, timestamp)
        records.append(OpenBlock(timestamp))
        return self._pending

    def _discard_if_fresh(self, records: list[Record]) -> None:
        """A transaction was refused: forget the block opened for it; journal what else changed."""
        fresh = bool(records) and isinstance(records[-1], OpenBlock)
        if fresh and self._pending is not None and not self._pending.transactions:
            self._pending = None
            records.pop()
        if records:  # a clock offset or a full block sealed while making room
            self._append(records)
            records.clear()

    def _seal_pending(self) -> BlockAPI:
        assert self._pending is not None
        pending = self._pending
        block = pending.seal()
        self._pending = None
        self._last_seal = time.monotonic()
        self._log_index.add_block(pending.block_logs(block))
        self._blocks_since_snapshot += 1
        self._gas_since_snapshot += block.header.gas_used
        self._sealed.notify_all()
        return block

    def _seal(self) -> SealBlock:
        try:
            block = self._seal_pending()
        except Exception as exc:
            self._failed = exc
            raise NodeFailedError(f"sealing a block failed: {exc}") from exc
        return SealBlock(int(block.number), block.hash)

    def _append(self, records: list[Record]) -> int:
        try:
            return self._journal.append(records)
        except NodeFailedError as exc:
            self._failed = exc
            raise

    def _realtime_loop(self) -> None:
        """Realtime mode: seal the pending block as soon as its timestamp is within the drift (and the
        block period since the last seal has passed)."""
        while not self._stop_miner.is_set():
            wait: float | None = None
            offset = None
            with self._lock:
                if self._closed or self._failed is not None:
                    return
                pending = self._pending
                if self._automine and pending is not None and pending.transactions:
                    due = max(pending.timestamp - self._drift_bound(), self._period_wait())
                    if due <= 0:
                        try:
                            offset = self._append([self._seal()])
                        except NodeFailedError:
                            logger.exception("realtime miner stopped")
                            return
                        self._maybe_snapshot()
                    else:
                        wait = due
                self._wake_miner.clear()
            if offset is not None:
                self._journal.sync(offset)
                continue
            self._wake_miner.wait(wait if wait is not None else 1.0)

    def _mine_loop(self) -> None:
        interval = self.config.block_interval_s
        while not self._stop_miner.wait(interval):
            with self._lock:
                if self._closed or self._failed is not None:
                    return
                if self._pending is None or not self._pending.transactions:
                    continue
                try:
                    offset = self._append([self._seal()])
                except NodeFailedError:
                    logger.exception("interval miner stopped")
                    return
                self._maybe_snapshot()
            self._journal.sync(offset)

    # ------------------------------------------------------------------ snapshots

    def _snapshot_due(self) -> bool:
        return (
            self._blocks_since_snapshot >= self.config.snapshot_every_blocks
            or self._gas_since_snapshot >= self.config.snapshot_every_gas
        )

    def _maybe_snapshot(self) -> None:
        if self._pending is None and self._snapshot_due():
            self._submit_snapshot()

    def _capture(self) -> SegmentData:
        head = self._chain.get_canonical_head()
        base = self._snapshots.needs_base or self._segments_since_base + 1 >= self.config.compact_after_segments
        if base:
            puts, deletes = self._db.take_full(), list[bytes]()
            logs = self._log_index.take_all()
            self._segments_since_base = 0
        else:
            puts, deletes = self._db.take_delta()
            logs = self._log_index.take_new()
            self._segments_since_base += 1
        self._snapshots.needs_base = False
        self._blocks_since_snapshot = 0
        self._gas_since_snapshot = 0
        return SegmentData(
            base=base,
            journal_offset=self._journal.end_offset,
            head_number=int(head.block_number),
            head_hash=head.hash,
            clock_offset=self._clock_offset,
            puts=puts,
            deletes=deletes,
            logs=logs,
        )

    def _submit_snapshot(self) -> Future[None] | None:
        """Capture a segment under the lock; write it on the snapshot thread."""
        if self._pending is not None:
            return None
        data = self._capture()
        seq = self._next_seq()
        future = self._snapshot_executor.submit(self._write_segment, seq, data)
        self._snapshot_future = future
        return future

    def _next_seq(self) -> int:
        seq = self._snapshots.next_seq() if self._seq is None else self._seq
        self._seq = seq + 1
        return seq

    def _write_segment(self, seq: int, data: SegmentData) -> None:
        try:
            # never let a snapshot get ahead of the durable journal
            self._journal.sync(data.journal_offset)
            self._snapshots.write(seq, data)
        except Exception:
            logger.exception("writing snapshot segment %d failed", seq)
            with self._lock:
                self._snapshots.needs_base = True

    def _write_snapshot_now(self) -> None:
        future = self._submit_snapshot()
        if future is not None:
            future.result()

    # ------------------------------------------------------------------ reads

    def head_number(self) -> int:
        """Number of the latest sealed block."""
        with self._lock:
            return int(self._chain.get_canonical_head().block_number)

    def pending_block(self) -> PendingBlock | None:
        """The block under construction (interval mode), if any; hold :meth:`reading`."""
        return self._pending

    def block_by_number(self, number: int) -> BlockAPI | None:
        """The sealed block ``number``, or None."""
        with self._lock:
            if number < 0 or number > self._chain.get_canonical_head().block_number:
                return None
            return self._chain.get_canonical_block_by_number(BlockNumber(number))

    def block_by_hash(self, block_hash: bytes) -> BlockAPI | None:
        """The sealed canonical block with ``block_hash``, or None."""
        with self._lock:
            try:
                header = self._chain.get_block_header_by_hash(Hash32(block_hash))
            except HeaderNotFound:
                return None
            if self._chain.chaindb.get_canonical_block_hash(header.block_number) != block_hash:
                return None
            return self._chain.get_canonical_block_by_number(header.block_number)

    def find_transaction(self, tx_hash: bytes) -> TxLocation | None:
        """Locate a sealed or pending transaction by hash."""
        with self._lock:
            pending = self._pending
            if pending is not None and tx_hash in pending.index_by_hash:
                index = pending.index_by_hash[tx_hash]
                return TxLocation(pending.transactions[index], None, index)
            try:
                number, index = self._chain.chaindb.get_transaction_index(Hash32(tx_hash))
            except TransactionNotFound:
                return None
            block = self._chain.get_canonical_block_by_number(number)
            return TxLocation(block.transactions[index], block, index)

    def receipts(self, block: BlockAPI) -> tuple[ReceiptAPI, ...]:
        """All receipts of a sealed block."""
        with self._lock:
            return tuple(block.get_receipts(self._chain.chaindb))

    def state_at(self, number: int | None) -> StateAPI:
        """Account state after block ``number``; None means the pending state."""
        with self._lock:
            if number is None:
                if self._pending is not None:
                    return self._pending.vm.state
                number = int(self._chain.get_canonical_head().block_number)
            header = self._chain.get_canonical_block_header_by_number(BlockNumber(number))
            return self._chain.get_vm(header).state

    def logs(self, log_filter: LogFilter) -> list[LogMatch]:
        """Logs matching ``log_filter`` from the log index (no chain rescan)."""
        with self._lock:
            return self._log_index.query(log_filter)
