"""Where the index and the auditor read blocks and logs: the :class:`LogSource` protocol.

Two implementations:

- :class:`RpcLogSource`: ``eth_getLogs`` over bounded block ranges and ``eth_getBlockByNumber``
  for headers and transaction senders. For real nodes (Besu, geth, anvil) and the project's
  durable node, which has a fast log index. Works with any web3.py provider.
- :class:`EthTesterLogSource`: reads canonical blocks and their receipts straight from the
  py-evm chain behind an ``EthereumTester``. eth-tester's own ``eth_getLogs`` rescans the
  whole chain on every call and must never be used.

Both return only logs of one contract address, grouped per block with the block's header, in
chain order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_bloom.bloom import BloomFilter
from eth_utils.address import to_canonical_address, to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3

from ledger_client.errors import LogSourceError
from ledger_client.pyevm_tries import receipt_fields, trie_items


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


def _matches(topics: tuple[bytes, ...], wanted: TopicFilter) -> bool:
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
            if type(exc).__name__ == "BlockNotFound":
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


class EthTesterLogSource:
    """Reads new blocks' receipts directly from eth-tester's py-evm backend (no rescans).

    Blocks whose header bloom cannot contain the contract address (or a wanted topic) are
    skipped without loading their receipts.

    Args:
        tester: an ``eth_tester.EthereumTester`` (or its ``PyEVMBackend``).
        address: the contract address.
        lock: optional lock shared with the code that sends transactions, held during each read
            (py-evm is not thread-safe; a follower thread reading while another thread mines
            should pass the writer's lock).
    """

    def __init__(self, tester: Any, address: str, *, lock: AbstractContextManager[Any] | None = None) -> None:
        self._backend: Any = getattr(tester, "backend", tester)
        if not hasattr(self._backend, "chain"):
            raise TypeError("EthTesterLogSource needs an EthereumTester with a py-evm backend")
        self._address = to_checksum_address(address)
        self._raw_address = to_canonical_address(address)
        self._lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    @classmethod
    def from_web3(cls, w3: Web3, address: str, **kwargs: Any) -> EthTesterLogSource:
        """Build from a web3 instance on an ``EthereumTesterProvider``."""
        tester = getattr(w3.provider, "ethereum_tester", None)
        if tester is None:
            raise TypeError("the web3 provider is not an EthereumTesterProvider")
        return cls(tester, address, **kwargs)

    @property
    def address(self) -> str:
        """The contract address (checksummed)."""
        return self._address

    @property
    def _chain(self) -> Any:
        # Read on each use: reverting to a genesis snapshot replaces the backend's chain object.
        return self._backend.chain

    def head(self) -> int:
        """Latest mined block (the chain's current block is the pending one)."""
        with self._lock:
            return int(self._chain.get_block().number) - 1

    def header(self, number: int) -> BlockHeader | None:
        """Canonical header at ``number``."""
        with self._lock:
            return self._header(number)

    def _header(self, number: int) -> BlockHeader | None:
        chain = self._chain
        if number < 0 or number >= chain.get_block().number:
            return None
        raw = chain.chaindb.get_canonical_block_header_by_number(number)
        return BlockHeader(number, bytes(raw.hash), bytes(raw.parent_hash), int(raw.timestamp))

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        """Matching logs of canonical blocks in the range, with headers and senders."""
        with self._lock:
            return list(self._read(from_block, to_block, topics))

    def _read(self, from_block: int, to_block: int, topics: TopicFilter) -> Iterator[BlockLogs]:
        chain = self._chain
        chaindb = chain.chaindb
        last = min(to_block, int(chain.get_block().number) - 1)
        probes = [self._raw_address] + [options[0] for options in topics if options is not None and len(options) == 1]
        for number in range(max(0, from_block), last + 1):
            raw_header = chaindb.get_canonical_block_header_by_number(number)
            bloom = BloomFilter(raw_header.bloom)
            if not all(probe in bloom for probe in probes):
                continue
            block_hash = bytes(raw_header.hash)
            logs: list[RawLog] = []
            senders: dict[bytes, str] = {}
            log_index = 0
            matched: list[tuple[int, list[tuple[int, tuple[bytes, ...], bytes]]]] = []
            for tx_index, receipt_logs in enumerate(_raw_receipt_logs(chaindb.db, raw_header.receipt_root)):
                mine: list[tuple[int, tuple[bytes, ...], bytes]] = []
                for address, log_topics, data in receipt_logs:
                    if address == self._raw_address:
                        topic_tuple = tuple(log_topics)
                        if _matches(topic_tuple, topics):
                            mine.append((log_index, topic_tuple, data))
                    log_index += 1
                if mine:
                    matched.append((tx_index, mine))
            if not matched:
                continue
            transactions = _RawTransactions(chain, raw_header)
            for tx_index, mine in matched:
                tx_hash = transactions.hash(tx_index)
                senders[tx_hash] = transactions.sender(tx_index)
                for index_in_block, topic_tuple, data in mine:
                    logs.append(
                        RawLog(
                            number, block_hash, tx_hash, tx_index, index_in_block, self._raw_address, topic_tuple, data
                        )
                    )
            header = BlockHeader(number, block_hash, bytes(raw_header.parent_hash), int(raw_header.timestamp))
            yield BlockLogs(header, tuple(logs), senders)


def _raw_receipt_logs(db: Any, receipt_root: bytes) -> Iterator[list[tuple[bytes, list[bytes], bytes]]]:
    """Each receipt's logs as ``(address, topics, data)``, decoded without building py-evm objects."""
    for encoded in trie_items(db, receipt_root):
        fields = receipt_fields(encoded)
        yield [(bytes(log[0]), [bytes(t) for t in log[1]], bytes(log[2])) for log in fields[3]]


class _RawTransactions:
    """Hashes and senders of a block's transactions, decoded one at a time on demand."""

    def __init__(self, chain: Any, header: Any) -> None:
        self._encoded = list(trie_items(chain.chaindb.db, header.transaction_root))
        self._builder = chain.get_vm_class(header).get_transaction_builder()

    def hash(self, index: int) -> bytes:
        """The transaction hash (keccak of its canonical encoding)."""
        return bytes(keccak(self._encoded[index]))

    def sender(self, index: int) -> str:
        """The transaction's sender (signature recovery)."""
        return to_checksum_address(self._builder.decode(self._encoded[index]).sender)


class FilteredLogSource:
    """Wraps a source and passes every block's logs through a function (tests, fault injection).

    The function receives the blocks read and returns the blocks to hand on: a test can drop,
    alter or reorder logs to show that the auditor detects it.
    """

    def __init__(self, inner: LogSource, transform: Callable[[list[BlockLogs]], list[BlockLogs]]) -> None:
        self._inner = inner
        self._transform = transform

    @property
    def address(self) -> str:
        """The wrapped source's address."""
        return self._inner.address

    def head(self) -> int:
        """The wrapped source's head."""
        return self._inner.head()

    def header(self, number: int) -> BlockHeader | None:
        """The wrapped source's header."""
        return self._inner.header(number)

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        """The wrapped source's blocks, transformed."""
        return self._transform(self._inner.read(from_block, to_block, topics))


def source_for(w3: Web3, address: str, **kwargs: Any) -> LogSource:
    """The best source for a web3 instance: in-process for eth-tester and for the durable node's
    in-process provider, ``eth_getLogs`` otherwise."""
    if getattr(w3.provider, "ethereum_tester", None) is not None:
        return EthTesterLogSource.from_web3(w3, address, **kwargs)
    node = getattr(w3.provider, "chain", None)
    if node is not None and type(node).__name__ == "DurableChain" and not kwargs:
        return DurableNodeLogSource(node, address)
    return RpcLogSource(w3, address, **kwargs)


class DurableNodeLogSource:
    """Reads the embedded durable node in-process: its log index, its blocks, no JSON-RPC layer.

    Same answers as :class:`RpcLogSource` over the node's ``eth_getLogs`` (a test checks it),
    without formatting every log and block through web3's middlewares.

    Args:
        node: a :class:`ledger_client.node.DurableChain`.
        address: the contract address.
    """

    def __init__(self, node: Any, address: str) -> None:
        self._node = node
        self._address = to_checksum_address(address)
        self._raw_address = to_canonical_address(address)

    @property
    def address(self) -> str:
        """The contract address (checksummed)."""
        return self._address

    def head(self) -> int:
        """Latest sealed block."""
        return int(self._node.head_number())

    def header(self, number: int) -> BlockHeader | None:
        """Canonical header at ``number``."""
        block = self._node.block_by_number(number)
        if block is None:
            return None
        raw = block.header
        return BlockHeader(int(raw.block_number), bytes(raw.hash), bytes(raw.parent_hash), int(raw.timestamp))

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        """Matching logs from the node's log index, grouped per block with headers and senders."""
        from ledger_client.node.logindex import LogFilter

        wanted = tuple(None if options is None else frozenset(bytes(t) for t in options) for options in topics)
        matches = self._node.logs(LogFilter(from_block, to_block, frozenset({self._raw_address}), wanted))
        grouped: dict[int, list[Any]] = {}
        for match in matches:
            grouped.setdefault(match.block_number, []).append(match)
        result: list[BlockLogs] = []
        for number in sorted(grouped):
            block = self._node.block_by_number(number)
            if block is None:
                raise ChainMovedError(f"block {number} disappeared during the read")
            raw = block.header
            header = BlockHeader(number, bytes(raw.hash), bytes(raw.parent_hash), int(raw.timestamp))
            logs: list[RawLog] = []
            senders: dict[bytes, str] = {}
            for match in grouped[number]:
                if match.block_hash != header.hash:
                    raise ChainMovedError(f"block {number} changed during the read")
                tx_index, tx_hash, log_index, address, log_topics, data = match.row
                logs.append(RawLog(number, header.hash, tx_hash, tx_index, log_index, address, log_topics, data))
                if tx_hash not in senders:
                    senders[tx_hash] = to_checksum_address(block.transactions[tx_index].sender)
            logs.sort(key=lambda log: log.log_index)
            result.append(BlockLogs(header, tuple(logs), senders))
        return result
