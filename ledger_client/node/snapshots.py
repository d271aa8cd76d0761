"""Snapshot segments of the key-value store and the log index.

A segment file ``seg-<seq>.snap`` holds either the whole store (``base``) or the keys
written and deleted since the previous segment, plus the logs of the blocks sealed
meanwhile, and the journal offset it corresponds to::

    b"AEOSNAP1" | header length (u32 LE) | header (JSON) | payload (marshal)

The header carries the sha256 of the payload. Segments are written atomically (temp
file, fsync, rename). Loading starts at the newest base segment and applies the
contiguous valid segments after it; a damaged segment ends the chain with a warning
(the journal, which holds the full history, replays the rest).
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_client.node.fsutil import write_atomically
from ledger_client.node.logindex import BlockLogsTuple

logger = logging.getLogger(__name__)

MAGIC = b"AEOSNAP1"
FORMAT_VERSION = 1
_NAME = re.compile(r"^seg-(\d{10})\.snap$")


@dataclass(frozen=True)
class SegmentHeader:
    """Metadata of one snapshot segment."""

    seq: int
    base: bool
    journal_offset: int
    head_number: int
    head_hash: bytes
    genesis_hash: bytes
    clock_offset: int
    payload_sha256: bytes
    payload_len: int


@dataclass(frozen=True)
class SegmentData:
    """What a snapshot segment stores (before encoding)."""

    base: bool
    journal_offset: int
    head_number: int
    head_hash: bytes
    clock_offset: int
    puts: dict[bytes, bytes]
    deletes: list[bytes]
    logs: list[BlockLogsTuple]


@dataclass(frozen=True)
class LoadedSnapshot:
    """The state restored from the newest usable chain of segments."""

    kv_store: dict[bytes, bytes]
    logs: list[BlockLogsTuple]
    last: SegmentHeader
    segments_used: int


def _segment_name(seq: int) -> str:
    return f"seg-{seq:010d}.snap"


def _encode_header(header: SegmentHeader) -> bytes:
    fields: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "seq": header.seq,
        "base": header.base,
        "journal_offset": header.journal_offset,
        "head_number": header.head_number,
        "head_hash": header.head_hash.hex(),
        "genesis_hash": header.genesis_hash.hex(),
        "clock_offset": header.clock_offset,
        "payload_sha256": header.payload_sha256.hex(),
        "payload_len": header.payload_len,
    }
    return json.dumps(fields, sort_keys=True).encode()


def _decode_header(raw: bytes) -> SegmentHeader:
    fields = json.loads(raw)
    if fields.get("format") != FORMAT_VERSION:
        raise ValueError(f"unsupported snapshot format {fields.get('format')!r}")
    return SegmentHeader(
        seq=int(fields["seq"]),
        base=bool(fields["base"]),
        journal_offset=int(fields["journal_offset"]),
        head_number=int(fields["head_number"]),
        head_hash=bytes.fromhex(fields["head_hash"]),
        genesis_hash=bytes.fromhex(fields["genesis_hash"]),
        clock_offset=int(fields["clock_offset"]),
        payload_sha256=bytes.fromhex(fields["payload_sha256"]),
        payload_len=int(fields["payload_len"]),
    )


class SnapshotStore:
    """Reads and writes the snapshot segments of one data directory."""

    def __init__(self, directory: Path, genesis_hash: bytes) -> None:
        self.directory = directory
        self.genesis_hash = genesis_hash
        self.needs_base = True
        """True until a base segment exists that later segments can build on."""
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob("*.tmp"):
            leftover.unlink()

    def _listing(self) -> list[tuple[int, Path]]:
        found = []
        for path in self.directory.iterdir():
            match = _NAME.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def next_seq(self) -> int:
        """Sequence number for the next segment."""
        listing = self._listing()
        return listing[-1][0] + 1 if listing else 1

    def write(self, seq: int, data: SegmentData) -> SegmentHeader:
        """Write segment ``seq`` atomically; after a base, delete the older segments."""
        payload = marshal.dumps((data.puts, data.deletes, data.logs))
        header = SegmentHeader(
            seq=seq,
            base=data.base,
            journal_offset=data.journal_offset,
            head_number=data.head_number,
            head_hash=data.head_hash,
            genesis_hash=self.genesis_hash,
            clock_offset=data.clock_offset,
            payload_sha256=hashlib.sha256(payload).digest(),
            payload_len=len(payload),
        )
        raw_header = _encode_header(header)
        path = self.directory / _segment_name(seq)
        write_atomically(path, [MAGIC, struct.pack("<I", len(raw_header)), raw_header, payload])
        if data.base:
            self.needs_base = False
            for old_seq, old_path in self._listing():
                if old_seq < seq:
                    old_path.unlink()
        return header

    def _read(self, path: Path) -> tuple[SegmentHeader, bytes]:
        raw = path.read_bytes()
        if raw[: len(MAGIC)] != MAGIC:
            raise ValueError("bad magic")
        (header_len,) = struct.unpack_from("<I", raw, len(MAGIC))
        start = len(MAGIC) + 4
        header = _decode_header(raw[start : start + header_len])
        payload = raw[start + header_len :]
        if len(payload) != header.payload_len:
            raise ValueError("payload length mismatch")
        if hashlib.sha256(payload).digest() != header.payload_sha256:
            raise ValueError("payload checksum mismatch")
        if header.genesis_hash != self.genesis_hash:
            raise ValueError("segment belongs to another genesis")
        return header, payload

    def load(self) -> LoadedSnapshot | None:
        """Restore the newest usable chain of segments (None: replay from genesis)."""
        listing = self._listing()
        bases = [i for i, (_, path) in enumerate(listing) if self._is_base(path)]
        for base_position in reversed(bases):
            candidates = listing[base_position:]
            loaded = self._load_from(candidates)
            if loaded is not None:
                self.needs_base = loaded.segments_used != len(candidates)
                return loaded
        if listing:
            logger.warning("no usable snapshot in %s; replaying the whole journal", self.directory)
        return None

    def _is_base(self, path: Path) -> bool:
        try:
            with path.open("rb") as file:
                head = file.read(len(MAGIC) + 4)
                (header_len,) = struct.unpack_from("<I", head, len(MAGIC))
                return _decode_header(file.read(header_len)).base
        except (OSError, ValueError, KeyError, struct.error) as exc:
            logger.warning("snapshot segment %s is unreadable: %s", path, exc)
            return False

    def _load_from(self, chain: list[tuple[int, Path]]) -> LoadedSnapshot | None:
        kv_store: dict[bytes, bytes] = {}
        logs: list[BlockLogsTuple] = []
        last: SegmentHeader | None = None
        used = 0
        for seq, path in chain:
            if last is not None and seq != last.seq + 1:
                logger.warning("snapshot segment %d missing; stopping before %s", last.seq + 1, path)
                break
            try:
                header, payload = self._read(path)
                puts, deletes, block_logs = marshal.loads(payload)
            except (OSError, ValueError, KeyError, EOFError, TypeError, struct.error) as exc:
                logger.warning("snapshot segment %s is damaged (%s); ignoring it and later ones", path, exc)
                break
            if last is not None and header.base:
                break
            if last is not None and header.journal_offset < last.journal_offset:
                logger.warning("snapshot segment %s goes backwards; ignoring it", path)
                break
            if last is None:
                kv_store = puts
            else:
                kv_store.update(puts)
            for key in deletes:
                kv_store.pop(key, None)
            logs.extend(block_logs)
            last = header
            used += 1
        if last is None:
            return None
        return LoadedSnapshot(kv_store, logs, last, used)
