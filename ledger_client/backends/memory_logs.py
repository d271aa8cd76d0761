"""The in-memory chain's log source: blocks and receipts read straight from py-evm.

eth-tester's own ``eth_getLogs`` rescans the whole chain on every call and must never be used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from eth_bloom.bloom import BloomFilter
from eth_utils.address import to_canonical_address, to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3

from ledger_client.backends.logs import BlockHeader, BlockLogs, RawLog, TopicFilter, matches
from ledger_client.backends.pyevm import receipt_fields, transaction_decoder, trie_items


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
                        if matches(topic_tuple, topics):
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
        self._builder = transaction_decoder(chain, header)

    def hash(self, index: int) -> bytes:
        """The transaction hash (keccak of its canonical encoding)."""
        return bytes(keccak(self._encoded[index]))

    def sender(self, index: int) -> str:
        """The transaction's sender (signature recovery)."""
        return to_checksum_address(self._builder.decode(self._encoded[index]).sender)
