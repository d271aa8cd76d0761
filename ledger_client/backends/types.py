"""What a chain backend answers in: receipts, logs, block headers and sent transactions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class WriteStrategy(Enum):
    """How a backend's writes are checked before they cost anything.

    - ``SPECULATE``: mine the transaction at once and roll the chain back if it reverts (the
      in-memory chain: snapshots are free, a pre-flight would cost as much as the write).
    - ``OPTIMISTIC``: send without a pre-flight; a revert stays on the chain and is decoded by
      replaying it (the durable node in-process: gas is free, py-evm interprets every opcode).
    - ``PREFLIGHT``: ``eth_estimateGas`` first (nodes reached by URL, where a revert burns gas).
    """

    SPECULATE = "speculate"
    OPTIMISTIC = "optimistic"
    PREFLIGHT = "preflight"


@dataclass(frozen=True)
class LogEntry:
    """One log as read from the chain."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: bytes
    transaction_hash: bytes
    transaction_index: int
    log_index: int


@dataclass(frozen=True)
class Receipt:
    """The parts of a transaction receipt the library uses."""

    transaction_hash: bytes
    block_number: int
    block_hash: bytes
    status: int
    gas_used: int
    contract_address: str | None
    logs: tuple[LogEntry, ...]


@dataclass(frozen=True)
class SentFields:
    """What a signed transaction says: who sent it, with which nonce, to whom, with which input."""

    sender: str
    nonce: int
    to: str | None
    data: bytes


@dataclass(frozen=True)
class BlockInfo:
    """Header fields of a block."""

    number: int
    hash: bytes
    timestamp: int
    gas_limit: int
    base_fee: int | None
