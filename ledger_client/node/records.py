"""Journal record types and their binary encoding (one byte of kind, then payload)."""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass


class RecordKind(enum.IntEnum):
    """First byte of every journal record payload."""

    OPEN = 1
    TX = 2
    SEAL = 3
    CLOCK = 4


@dataclass(frozen=True)
class OpenBlock:
    """A new pending block starts; its header carries ``timestamp``."""

    timestamp: int


@dataclass(frozen=True)
class TxRecord:
    """A signed raw transaction applied to the pending block."""

    raw: bytes


@dataclass(frozen=True)
class SealBlock:
    """The pending block was sealed as block ``number`` with hash ``block_hash``."""

    number: int
    block_hash: bytes


@dataclass(frozen=True)
class ClockOffset:
    """The development clock offset (``evm_increaseTime``) became ``offset`` seconds."""

    offset: int


Record = OpenBlock | TxRecord | SealBlock | ClockOffset


class RecordDecodeError(ValueError):
    """A record payload (whose checksum matched) has an unknown kind or bad size."""


def encode_record(record: Record) -> bytes:
    """Serialise one record payload."""
    if isinstance(record, OpenBlock):
        return struct.pack("<BQ", RecordKind.OPEN, record.timestamp)
    if isinstance(record, TxRecord):
        return bytes([RecordKind.TX]) + record.raw
    if isinstance(record, SealBlock):
        return struct.pack("<BQ32s", RecordKind.SEAL, record.number, record.block_hash)
    return struct.pack("<Bq", RecordKind.CLOCK, record.offset)


def decode_record(payload: bytes) -> Record:
    """Parse one record payload; raise :class:`RecordDecodeError` if malformed."""
    if not payload:
        raise RecordDecodeError("empty record")
    kind = payload[0]
    try:
        if kind == RecordKind.OPEN:
            (timestamp,) = struct.unpack("<Q", payload[1:])
            return OpenBlock(timestamp)
        if kind == RecordKind.TX:
            if len(payload) < 2:
                raise RecordDecodeError("empty transaction record")
            return TxRecord(payload[1:])
        if kind == RecordKind.SEAL:
            number, block_hash = struct.unpack("<Q32s", payload[1:])
            return SealBlock(number, block_hash)
        if kind == RecordKind.CLOCK:
            (offset,) = struct.unpack("<q", payload[1:])
            return ClockOffset(offset)
    except struct.error as exc:
        raise RecordDecodeError(f"record of kind {kind} has a bad size: {exc}") from exc
    raise RecordDecodeError(f"unknown record kind {kind}")
