"""The log source a backend gives the index and the auditor: the :class:`LogSource` protocol.

Every backend hands out one (:meth:`ChainBackend.log_source`):

- :class:`RpcLogSource` (here): ``eth_getLogs`` over bounded block ranges and
  ``eth_getBlockByNumber`` for headers and transaction senders, for nodes reached by JSON-RPC
  (Besu, geth, anvil, the durable node's server). Works with any web3.py provider.
- :class:`~ledger_client.backends.memory_logs.EthTesterLogSource`: the in-memory chain's blocks
  and receipts read straight from py-evm (eth-tester's own ``eth_getLogs`` rescans the whole chain).
- :class:`~ledger_client.backends.durable.DurableNodeLogSource`: the durable node's log index, in-process.

All return only logs of one contract address, grouped per block with the block's header, in
chain order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_utils.address import to_canonical_address, to_checksum_address
from web3 import Web3
from web3.exceptions import BlockNotFound

from ledger_client.errors import LogSourceError

#: What a log source speaks (re-exported by :mod:`ledger_client.backends` and :mod:`ledger_client.index.sources`).
__all__ = ["BlockHeader", "BlockLogs", "ChainMovedError", "LogSource", "RawLog", "RpcLogSource", "TopicFilter"]


class ChainMovedError(LogSourceError):
    """The chain reorganised during a read; the follower re-checks for a reorg and retries."""


#: One position of a topic filter: any of these 32-byte values, or ``None`` for any value.
TopicFilter = Sequence[Sequence[bytes] | None]


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """The header fields the index needs: identity, parent link and time."""

    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int


@dataclass(frozen=True, slots=True)
class RawLog:
    """One undecoded log with its position on the chain."""

    block_number: int
    block_hash: bytes
    tx_hash: bytes
    tx_index: int
    log_index: int
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class BlockLogs:
    """The matching logs of one block, its header and the senders of its transactions."""

    header: BlockHeader
    logs: tuple[RawLog, ...]
    senders: Mapping[bytes, str] = field(default_factory=dict)


class LogSource(Protocol):
    """Blocks and logs of one contract, read from a chain."""

    @property
    def address(self) -> str:
        """The contract address whose logs are returned (checksummed)."""
        ...

    def head(self) -> int:
        """Number of the latest block of the canonical chain."""
        ...

    def header(self, number: int) -> BlockHeader | None:
        """The canonical header at ``number``, or ``None`` when there is no such block yet."""
        ...

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        """Blocks in ``[from_block, to_block]`` that hold matching logs, ascending, with their logs.

        Raises :class:`~ledger_client.errors.LogSourceError` when the chain changed during the read.
        """
        ...


def matches(topics: tuple[bytes, ...], wanted: TopicFilter) -> bool:
    """Whether a log's topics satisfy the filter (``None``: any value at that position)."""
    for position, options in enumerate(wanted):
        if options is None:
            continue
        if position >= len(topics) or topics[position] not in options:
            return False
    return True


class RpcLogSource:
    """``eth_getLogs`` over bounded ranges, for JSON-RPC nodes and the durable node.

    Args:
        w3: a connected web3 instance (HTTP, IPC or in-process provider).
        address: the contract address.
        max_range: largest block range of one ``eth_getLogs`` call; a range the node rejects
            (result too large) is split in halves.
        senders: fetch full transactions of blocks with logs to learn each transaction's sender.
    """

    def __init__(self, w3: Web3, address: str, *, max_range: int = 2_000, senders: bool = True) -> None:
        self._w3 = w3
        self._address = to_checksum_address(address)
        self._max_range = max(1, max_range)
        self._senders = senders

    @property
    def address(self) -> str:
        """The contract address (checksummed)."""
        return self._address

    def head(self) -> int:
        """Latest block number (``eth_blockNumber``)."""
        try:
            return int(self._w3.eth.block_number)
        except Exception as exc:
            raise LogSourceError(f"eth_blockNumber failed: {exc}") from exc

    def header(self, number: int) -> BlockHeader | None:
        """Header of block ``number`` (``eth_getBlockByNumber``)."""
        block = self._block(number, full=False)
        return None if block is None else _rpc_header(block)

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        """Logs of the range, chunked by ``max_range``, grouped per block with headers."""
        grouped: dict[int, list[RawLog]] = {}
        start = from_block
        while start <= to_block:
            end = min(to_block, start + self._max_range - 1)
            for log in self._get_logs(start, end, topics):
                grouped.setdefault(log.block_number, []).append(log)
            start = end + 1
        result: list[BlockLogs] = []
        for number in sorted(grouped):
            logs = sorted(grouped[number], key=lambda item: item.log_index)
            block = self._block(number, full=self._senders)
            if block is None:
                raise ChainMovedError(f"block {number} disappeared during the read (reorg)")
            header = _rpc_header(block)
            if any(log.block_hash != header.hash for log in logs):
                raise ChainMovedError(f"block {number} changed during the read (reorg)")
            senders: dict[bytes, str] = {}
            if self._senders:
                for tx in block.get("transactions", []):
                    if isinstance(tx, Mapping):
                        senders[bytes(tx["hash"])] = to_checksum_address(tx["from"])
            result.append(BlockLogs(header, tuple(logs), senders))
        return result

    def _get_logs(self, start: int, end: int, topics: TopicFilter) -> list[RawLog]:
        params: dict[str, Any] = {"address": self._address, "fromBlock": start, "toBlock": end}
        if topics:
            params["topics"] = [
                None if options is None else ["0x" + bytes(t).hex() for t in options] for options in topics
            ]
        try:
            entries = self._w3.eth.get_logs(params)  # type: ignore[arg-type]
        except Exception as exc:
            if end > start:
                middle = (start + end) // 2
                return self._get_logs(start, middle, topics) + self._get_logs(middle + 1, end, topics)
            raise LogSourceError(f"eth_getLogs {start}..{end} failed: {exc}") from exc
        logs: list[RawLog] = []
        for entry in entries:
            if entry.get("removed"):
                continue
            logs.append(
                RawLog(
                    block_number=int(entry["blockNumber"]),
                    block_hash=bytes(entry["blockHash"]),
                    tx_hash=bytes(entry["transactionHash"]),
                    tx_index=int(entry["transactionIndex"]),
                    log_index=int(entry["logIndex"]),
                    address=to_canonical_address(entry["address"]),
                    topics=tuple(bytes(t) for t in entry["topics"]),
                    data=bytes(entry["data"]),
                )
            )
        return logs

    def _block(self, number: int, *, full: bool) -> Mapping[str, Any] | None:
        try:
            block: Mapping[str, Any] = self._w3.eth.get_block(number, full_transactions=full)
        except Exception as exc:
            if isinstance(exc, BlockNotFound):
                return None
            raise LogSourceError(f"eth_getBlockByNumber({number}) failed: {exc}") from exc
        return block


def _rpc_header(block: Mapping[str, Any]) -> BlockHeader:
    return BlockHeader(
        number=int(block["number"]),
        hash=bytes(block["hash"]),
        parent_hash=bytes(block["parentHash"]),
        timestamp=int(block["timestamp"]),
    )
