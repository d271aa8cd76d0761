"""``DurableChain``: an in-process EVM chain that survives ``kill -9``.

State lives in memory (py-evm over :class:`TrackingMemoryDB`). Every change is first
recorded in the journal (raw transactions, block boundaries with their timestamps,
clock offsets) and fsync'd before it is acknowledged; snapshot segments bound the
journal tail replayed at start. One re-entrant lock serialises all access to py-evm.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
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
from ledger_client.node.config import BlockMode, NodeConfig
from ledger_client.node.errors import (
    DataDirLockedError,
    JournalCorruptedError,
    NodeClosedError,
    NodeFailedError,
    ReplayDivergedError,
    SnapshotCorruptedError,
    TransactionRejectedError,
)
from ledger_client.node.genesis import DevChain, create_genesis_chain, open_chain
from ledger_client.node.journal import HEADER_SIZE, JournalEntry, JournalWriter, scan_journal
from ledger_client.node.kvstore import TrackingMemoryDB
from ledger_client.node.logindex import LogFilter, LogIndex, LogMatch
from ledger_client.node.records import ClockOffset, OpenBlock, Record, SealBlock, TxRecord
from ledger_client.node.snapshots import SegmentData, SnapshotStore

logger = logging.getLogger(__name__)

JOURNAL_NAME = "journal.log"
SNAPSHOT_DIR = "snapshots"
LOCK_NAME = "LOCK"


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
        self.config = config
        self.data_dir = Path(data_dir)
        self.accounts: tuple[DevAccount, ...] = derive_accounts(config.mnemonic, config.num_accounts, config.hd_path)
        self._lock = threading.RLock()
        self._closed = False
        self._failed: BaseException | None = None
        self._pending: PendingBlock | None = None
        self._clock_offset = 0
        self._next_timestamp: int | None = None
        self._log_index = LogIndex()
        self._blocks_since_snapshot = 0
        self._gas_since_snapshot = 0
        self._segments_since_base = 0
        self._snapshot_executor = ThreadPoolExecutor(1, thread_name_prefix="aeo-snapshot")
        self._snapshot_future: Future[None] | None = None
        self._seq: int | None = None
        self._stop_miner = threading.Event()
        self._miner: threading.Thread | None = None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = self._acquire_dir_lock()
        try:
            self.startup = self._open()
        except BaseException:
            self._snapshot_executor.shutdown()
            os.close(self._lock_fd)
            raise
        if config.block_mode is BlockMode.INTERVAL:
            self._miner = threading.Thread(target=self._mine_loop, name="aeo-miner", daemon=True)
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
        if self._pending is not None and self.config.block_mode is BlockMode.PER_TX:
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

        In ``per_tx`` mode the transaction is mined in its own block before this
        returns. Raises :class:`TransactionRejectedError` for invalid transactions.
        """
        with self._lock:
            self._check_writable()
            records: list[Record] = []
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
            try:
                pending.apply(transaction)
            except ValidationError as exc:
                self._discard_if_fresh(records)
                raise TransactionRejectedError(str(exc)) from exc
            records.append(TxRecord(raw))
            if self.config.block_mode is BlockMode.PER_TX:
                records.append(self._seal())
            offset = self._append(records)
            self._maybe_snapshot()
        self._journal.sync(offset)
        return bytes(transaction.hash)

    def mine(self, timestamp: int | None = None) -> int:
        """Seal the pending block (or an empty one); return the new head number."""
        with self._lock:
            self._check_writable()
            if timestamp is not None:
                self.set_next_block_timestamp(timestamp)
            records: list[Record] = []
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

    def set_next_block_timestamp(self, timestamp: int) -> None:
        """Pin the timestamp of the next opened block (must exceed the head's)."""
        with self._lock:
            self._check_writable()
            parent = self._pending.header if self._pending else self._chain.get_canonical_head()
            if self._pending is not None or timestamp <= parent.timestamp:
                raise ValueError(
                    f"next block timestamp must be greater than {parent.timestamp} and no block may be pending"
                )
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
        if self._miner is not None:
            self._miner.join()
        with self._lock:
            future = None
            if self._failed is None:
                future = self._submit_snapshot()
            self._closed = True
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

    def _next_block_timestamp(self, parent_timestamp: int) -> int:
        if self._next_timestamp is not None:
            timestamp, self._next_timestamp = self._next_timestamp, None
            return timestamp
        return max(parent_timestamp + 1, int(time.time()) + self._clock_offset)

    def _open_block(self, records: list[Record]) -> PendingBlock:
        head = self._chain.get_canonical_head()
        timestamp = self._next_block_timestamp(head.timestamp)
        self._pending = PendingBlock(self._chain, head, timestamp)
        records.append(OpenBlock(timestamp))
        return self._pending

    def _discard_if_fresh(self, records: list[Record]) -> None:
        fresh = bool(records) and isinstance(records[0], OpenBlock)
        if fresh and self._pending is not None and not self._pending.transactions:
            self._pending = None

    def _seal_pending(self) -> BlockAPI:
        assert self._pending is not None
        pending = self._pending
        block = pending.seal()
        self._pending = None
        self._log_index.add_block(pending.block_logs(block))
        self._blocks_since_snapshot += 1
        self._gas_since_snapshot += block.header.gas_used
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
