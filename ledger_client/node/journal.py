"""The append-only, checksummed, fsync'd journal of everything that changes the chain.

File layout::

    header : b"AEOJRNL1" | genesis hash (32) | crc32 of the previous 40 bytes (u32 LE)
    record : length (u32 LE) | length ^ 0xFFFFFFFF (u32 LE) | crc32(payload) | payload

A record whose write was cut short by a crash (partial header or body at the end of the
file, a checksum mismatch on the very last record, or a zero-filled tail) is dropped with
a warning and the file truncated; any other damage raises :class:`JournalCorruptedError`.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from ledger_client.node.errors import JournalCorruptedError, NodeConfigError, NodeFailedError
from ledger_client.node.fsutil import fsync_dir, write_all
from ledger_client.node.records import Record, RecordDecodeError, decode_record, encode_record

logger = logging.getLogger(__name__)

MAGIC = b"AEOJRNL1"
HEADER_SIZE = len(MAGIC) + 32 + 4
RECORD_HEADER = struct.Struct("<III")
MAX_RECORD_SIZE = 64 * 1024 * 1024


@dataclass(frozen=True)
class JournalEntry:
    """A decoded record and the byte offset just after it."""

    end_offset: int
    record: Record


@dataclass(frozen=True)
class JournalScan:
    """Result of validating a journal file from start to end."""

    entries: tuple[JournalEntry, ...]
    valid_end: int
    dropped_bytes: int


def frame(record: Record) -> bytes:
    """Length-prefix and checksum one record."""
    payload = encode_record(record)
    length = len(payload)
    return RECORD_HEADER.pack(length, length ^ 0xFFFFFFFF, zlib.crc32(payload)) + payload


def _file_header(genesis_hash: bytes) -> bytes:
    body = MAGIC + genesis_hash
    return body + struct.pack("<I", zlib.crc32(body))


def _is_zero_tail(data: bytes, start: int) -> bool:
    return data.count(0, start) == len(data) - start


def scan_journal(path: Path, genesis_hash: bytes) -> JournalScan:
    """Read and validate every record of ``path`` (see the module docstring)."""
    data = path.read_bytes()
    where = str(path)
    if len(data) < HEADER_SIZE or data[:HEADER_SIZE] != _file_header(data[8:40]):
        raise JournalCorruptedError("journal header is damaged", path=where, offset=0)
    if data[8:40] != genesis_hash:
        raise NodeConfigError(
            f"journal {path} belongs to chain identity 0x{data[8:40].hex()}, but the node "
            f"configuration yields 0x{genesis_hash.hex()} (a different chain id, mnemonic "
            "or genesis settings than the data directory was created with?)"
        )
    entries: list[JournalEntry] = []
    pos = HEADER_SIZE
    size = len(data)
    while pos < size:
        read = _read_record(data, pos, where)
        if isinstance(read, str):
            logger.warning(
                "journal %s: dropping %d trailing bytes at offset %d (%s; crash mid-write)",
                path,
                size - pos,
                pos,
                read,
            )
            return JournalScan(tuple(entries), pos, size - pos)
        pos, record = read
        entries.append(JournalEntry(pos, record))
    return JournalScan(tuple(entries), pos, 0)


def _read_record(data: bytes, pos: int, where: str) -> tuple[int, Record] | str:
    """The record at ``pos`` and the offset after it, or why the rest is a torn tail (a crash
    mid-write, dropped); damage anywhere else is :class:`JournalCorruptedError`."""
    size = len(data)
    if size - pos < RECORD_HEADER.size:
        return "partial record header"
    length, check, crc = RECORD_HEADER.unpack_from(data, pos)
    body_start = pos + RECORD_HEADER.size
    if length ^ 0xFFFFFFFF != check or not 0 < length <= MAX_RECORD_SIZE:
        if not _is_zero_tail(data, pos):
            raise JournalCorruptedError("record header is damaged", path=where, offset=pos)
        return "zero-filled tail"
    if body_start + length > size:
        return "partial record body"
    payload = data[body_start : body_start + length]
    if zlib.crc32(payload) != crc:
        if body_start + length != size:
            raise JournalCorruptedError("record checksum mismatch", path=where, offset=pos)
        return "checksum mismatch on the last record"
    try:
        record = decode_record(payload)
    except RecordDecodeError as exc:
        raise JournalCorruptedError(f"undecodable record: {exc}", path=where, offset=pos) from exc
    return body_start + length, record


class JournalWriter:
    """Appends framed records; :meth:`sync` fsyncs with group commit.

    :meth:`append` must be called under the chain's writer lock (it fixes the record
    order); :meth:`sync` may be called without it, so one ``fdatasync`` covers every
    record appended by concurrent writers meanwhile.
    """

    def __init__(self, path: Path, fd: int, end_offset: int) -> None:
        self.path = path
        self._fd = fd
        self._written = end_offset
        self._synced = end_offset
        self._sync_lock = threading.Lock()
        self._failed: BaseException | None = None

    @classmethod
    def open(cls, path: Path, genesis_hash: bytes, valid_end: int | None) -> JournalWriter:
        """Create the journal (``valid_end is None``) or reopen it truncated to ``valid_end``."""
        if valid_end is None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            write_all(fd, _file_header(genesis_hash))
            os.fsync(fd)
            fsync_dir(path.parent)
            return cls(path, fd, HEADER_SIZE)
        if path.stat().st_size != valid_end:
            os.truncate(path, valid_end)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.fsync(fd)
        return cls(path, fd, valid_end)

    @property
    def end_offset(self) -> int:
        """Offset just after the last appended record."""
        return self._written

    def append(self, records: list[Record]) -> int:
        """Write ``records`` (not yet durable); return the offset :meth:`sync` needs."""
        self._check()
        data = b"".join(frame(record) for record in records)
        try:
            write_all(self._fd, data)
        except OSError as exc:
            self._failed = exc
            raise NodeFailedError(f"journal write failed: {exc}") from exc
        self._written += len(data)
        return self._written

    def sync(self, offset: int) -> None:
        """Return once every byte before ``offset`` is on stable storage."""
        if self._synced >= offset:
            return
        with self._sync_lock:
            if self._synced >= offset:
                return
            self._check()
            target = self._written
            try:
                os.fdatasync(self._fd)
            except OSError as exc:
                self._failed = exc
                raise NodeFailedError(f"journal fsync failed: {exc}") from exc
            self._synced = target

    def close(self) -> None:
        """Sync and close the file."""
        if self._fd < 0:
            return
        try:
            if self._failed is None:
                os.fdatasync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = -1

    def _check(self) -> None:
        if self._failed is not None:
            raise NodeFailedError(f"journal unusable after an I/O error: {self._failed}")
        if self._fd < 0:
            raise NodeFailedError("journal is closed")
