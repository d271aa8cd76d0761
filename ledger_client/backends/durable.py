"""The durable embedded node in-process (``Ledger.embedded(data_dir=…)``).

Writes go out without a pre-flight (gas is free; py-evm interprets every opcode, so a pre-flight
would double a write's cost): a revert stays on the chain, as on any node, and is decoded by
replaying it. Receipts and logs are read from the node directly, without its JSON-RPC layer;
receipt waits are woken by the node's seal. The node's clock may be set (``evm_setTime``).
"""

from __future__ import annotations

import os
from typing import Any

from eth_utils.address import to_canonical_address, to_checksum_address
from web3 import Web3

from ledger_client.backends.logs import BlockHeader, BlockLogs, ChainMovedError, LogSource, RawLog, TopicFilter
from ledger_client.backends.pyevm import in_process_receipt
from ledger_client.backends.rpc import RpcBackend
from ledger_client.backends.types import Receipt, WriteStrategy


class DurableBackend(RpcBackend):
    """The durable node (journal + snapshots in ``data_dir``), opened in this process.

    ``block_mode``/``max_drift``: see :class:`ledger_client.node.BlockMode`.
    """

    write_strategy = WriteStrategy.OPTIMISTIC
    embedded = True
    settable_clock = True

    def __init__(self, data_dir: str | os.PathLike[str], *, block_mode: str = "realtime", max_drift: int = 2) -> None:
        from ledger_client.node import BlockMode, DurableChain, DurableChainProvider, NodeConfig

        #: The node itself (the demo serves it over JSON-RPC).
        self.node = DurableChain(data_dir, NodeConfig(block_mode=BlockMode(block_mode), max_drift_s=max_drift))
        super().__init__(
            Web3(DurableChainProvider(self.node)),
            dev_keys=tuple(bytes.fromhex(account.private_key.removeprefix("0x")) for account in self.node.accounts),
        )

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """A receipt read straight from the node (no JSON-RPC formatting of its logs)."""
        return node_receipt(self.node, tx_hash)

    def await_seal(self, tx_hash: bytes, timeout: float) -> None:
        """Woken by the node's seal: no polling delay."""
        self.node.wait_for_seal(tx_hash, timeout)

    def log_source(self, address: str) -> LogSource:
        """The node's log index, in-process."""
        return DurableNodeLogSource(self.node, address)

    def close(self) -> None:
        """Close the node (its journal and snapshots stay in the data directory)."""
        self.node.close()


def node_receipt(node: Any, tx_hash: bytes) -> Receipt | None:
    """A receipt read straight from an in-process durable node."""
    location = node.find_transaction(tx_hash)
    if location is None or location.block is None:
        return None
    block, index = location.block, location.index
    receipts = node.receipts(block)
    receipt = receipts[index]
    return in_process_receipt(
        tx_hash,
        int(block.number),
        bytes(block.hash),
        index,
        status=1 if bytes(receipt.state_root) == b"\x01" else 0,
        gas_used=receipt.gas_used - (receipts[index - 1].gas_used if index else 0),
        transaction=location.transaction,
        first_log=sum(len(r.logs) for r in receipts[:index]),
        logs=[(log.address, tuple(t.to_bytes(32, "big") for t in log.topics), bytes(log.data)) for log in receipt.logs],
    )


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
