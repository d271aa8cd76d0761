"""The connection to a chain, whichever backend reaches it (see :mod:`ledger_client.backends`).

:class:`Chain` is a thin layer over web3 that speaks in bytes and ints, awaits receipts with a
timeout and turns every node failure into a :class:`~ledger_client.errors.LedgerError`:
reverts (of ``eth_call``, ``eth_estimateGas`` or a mined transaction) are decoded from the ABI
into the named exception (by the backend, which knows how its failures carry revert data),
connection failures become :class:`ChainUnavailableError`. Transactions are only ever sent raw
(``eth_sendRawTransaction``): nodes need no keys. What differs between the in-memory chain, the
durable node in-process and a node reached by URL is the backend's (:class:`ChainBackend`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.types import BlockIdentifier

from ledger_client.backends import (
    BlockInfo,
    ChainBackend,
    LogEntry,
    LogSource,
    Receipt,
    RpcBackend,
    SentFields,
    WriteStrategy,
)
from ledger_client.backends.reverts import revert_data
from ledger_client.backends.rpc import hex_bytes, log_entry
from ledger_client.errors import (
    ChainUnavailableError,
    IndexTimeoutError,
    LedgerError,
    TransactionFailedError,
    TransactionTimeoutError,
)
from ledger_client.signers import Signer

DEFAULT_DEV_ACCOUNTS = 20
#: Seconds before the second receipt poll; each further wait doubles, up to ``poll_interval``.
FIRST_RECEIPT_POLL = 0.002
#: With a :class:`BlockSignal`, the longest wait between two receipt polls when it reports no new block.
SIGNALLED_POLL_FALLBACK = 1.0

__all__ = [
    "DEFAULT_DEV_ACCOUNTS",
    "FIRST_RECEIPT_POLL",
    "SIGNALLED_POLL_FALLBACK",
    "BlockInfo",
    "BlockSignal",
    "Chain",
    "LogEntry",
    "Receipt",
    "SentFields",
    "revert_data",
]


class BlockSignal(Protocol):
    """What tells a receipt wait that the chain has a new block: the API's index, which follows the
    chain anyway (see :meth:`Chain.follow_blocks`)."""

    @property
    def block_number(self) -> int:
        """The newest block known."""
        ...

    def wait_for_block(self, number: int, timeout: float = ...) -> int:
        """Return once block ``number`` is known; :class:`IndexTimeoutError` after ``timeout``."""
        ...


class Chain:
    """A chain reached through a :class:`ChainBackend`: in memory, the durable node in-process, or by URL.

    Args:
        backend: how the chain is reached.
        receipt_timeout: default seconds to wait for a receipt.
        poll_interval: the longest wait between two receipt polls (the first waits 2 ms, each next
            one twice as long, up to this cap).
    """

    def __init__(self, backend: ChainBackend, *, receipt_timeout: float = 120.0, poll_interval: float = 0.25) -> None:
        self.backend = backend
        self.w3: Web3 = backend.w3
        self._dev_keys = backend.dev_keys
        self._call_from = Signer.from_key(self._dev_keys[0]).address if self._dev_keys else None
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self._chain_id: int | None = None
        self._gas_limit: tuple[float, int] | None = None
        self._closed = False
        self._blocks: BlockSignal | None = None

    # ----------------------------------------------------------------- constructors

    @classmethod
    def in_memory(cls, *, accounts: int = DEFAULT_DEV_ACCOUNTS, receipt_timeout: float = 120.0) -> Chain:
        """A fresh in-memory eth-tester chain with ``accounts`` funded development accounts."""
        from ledger_client.backends.memory import InMemoryBackend

        return cls(InMemoryBackend(accounts=accounts), receipt_timeout=receipt_timeout, poll_interval=0.001)

    @classmethod
    def durable(
        cls,
        data_dir: str | os.PathLike[str],
        *,
        receipt_timeout: float = 120.0,
        block_mode: str = "realtime",
        max_drift: int = 2,
    ) -> Chain:
        """The embedded durable node (journal + snapshots in ``data_dir``), in-process.

        ``block_mode``/``max_drift``: see :class:`ledger_client.node.BlockMode`.
        """
        from ledger_client.backends.durable import DurableBackend

        backend = DurableBackend(data_dir, block_mode=block_mode, max_drift=max_drift)
        return cls(backend, receipt_timeout=receipt_timeout, poll_interval=0.001)

    def close(self) -> None:
        """Release the chain (closes the embedded durable node; no-op otherwise)."""
        if not self._closed:
            self._closed = True
            self.backend.close()

    @classmethod
    def connect(
        cls, rpc_url: str, *, request_timeout: float = 30.0, receipt_timeout: float = 120.0, poll_interval: float = 0.25
    ) -> Chain:
        """A chain reached over HTTP JSON-RPC (Besu, geth, anvil, the embedded node's server)."""
        backend = RpcBackend.over_http(rpc_url, request_timeout=request_timeout)
        chain = cls(backend, receipt_timeout=receipt_timeout, poll_interval=poll_interval)
        chain.chain_id  # noqa: B018 - fail fast when the node is unreachable
        return chain

    # ----------------------------------------------------------------- what the backend decides

    @property
    def embedded(self) -> bool:
        """Whether the chain runs in this process (development or single-site: free gas)."""
        return self.backend.embedded

    @property
    def write_strategy(self) -> WriteStrategy:
        """How the backend's writes are checked before they cost anything."""
        return self.backend.write_strategy

    @property
    def settable_clock(self) -> bool:
        """Whether the chain's clock may be set back (``evm_setTime``)."""
        return self.backend.settable_clock

    @property
    def tester(self) -> Any:
        """The eth-tester instance of the in-memory backend, for tests' chain controls; None otherwise."""
        return getattr(self.backend, "tester", None)

    @property
    def node(self) -> Any:
        """The durable node of the in-process backend (the demo serves it); None otherwise."""
        return getattr(self.backend, "node", None)

    def log_source(self, address: str) -> LogSource:
        """The backend's source of ``address``'s logs (the index and the auditor read it)."""
        return self.backend.log_source(address)

    def _rpc(self, what: str) -> AbstractContextManager[None]:
        """Translate node failures into LedgerErrors (the backend knows how its failures look)."""
        return self.backend.guard(what)

    def dev_signers(self) -> list[Signer]:
        """The funded development accounts of the embedded chain."""
        if not self._dev_keys:
            raise LedgerError("development accounts exist only on the embedded chain")
        return [Signer.from_key(key) for key in self._dev_keys]

    # ----------------------------------------------------------------- reads

    @property
    def chain_id(self) -> int:
        """The chain id (cached)."""
        if self._chain_id is None:
            with self._rpc("eth_chainId"):
                self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def block(self, identifier: BlockIdentifier = "latest") -> BlockInfo:
        """A block's header fields."""
        with self._rpc("eth_getBlockByNumber"):
            block = self.w3.eth.get_block(identifier)
        base_fee = block.get("baseFeePerGas")
        return BlockInfo(
            number=int(block["number"]),
            hash=bytes(block["hash"]),
            timestamp=int(block["timestamp"]),
            gas_limit=int(block["gasLimit"]),
            base_fee=None if base_fee is None else int(base_fee),
        )

    def block_number(self) -> int:
        """The latest block number."""
        with self._rpc("eth_blockNumber"):
            return int(self.w3.eth.block_number)

    def block_gas_limit(self, max_age: float = 30.0) -> int:
        """The latest block's gas limit (cached for ``max_age`` seconds)."""
        now = time.monotonic()
        if self._gas_limit is None or now - self._gas_limit[0] > max_age:
            self._gas_limit = (now, self.block().gas_limit)
        return self._gas_limit[1]

    def get_code(self, address: str, block: BlockIdentifier = "latest") -> bytes:
        """The code at ``address``."""
        with self._rpc("eth_getCode"):
            return bytes(self.w3.eth.get_code(to_checksum_address(address), block))

    def transaction_count(self, address: str, block: Literal["latest", "pending"] = "pending") -> int:
        """The nonce the next transaction of ``address`` must use (``pending`` by default)."""
        identifier: BlockIdentifier = "latest" if block == "latest" else self.backend.nonce_block
        with self._rpc("eth_getTransactionCount"):
            return int(self.w3.eth.get_transaction_count(to_checksum_address(address), identifier))

    def transaction(self, tx_hash: bytes) -> SentFields | None:
        """Sender, nonce, recipient and input of a transaction the node holds (mined or pooled)."""
        data = self.backend.lookup(
            "eth_getTransactionByHash",
            lambda: self.w3.eth.get_transaction(tx_hash),  # type: ignore[arg-type]
        )
        if data is None:
            return None
        to = data.get("to")
        return SentFields(
            sender=to_checksum_address(data["from"]),
            nonce=int(data["nonce"]),
            to=None if to is None else to_checksum_address(to),
            data=hex_bytes(data["input"]),
        )

    def balance(self, address: str) -> int:
        """The balance of ``address`` in wei."""
        with self._rpc("eth_getBalance"):
            return int(self.w3.eth.get_balance(to_checksum_address(address)))

    def call(self, to: str, data: bytes, sender: str | None = None, block: int | str = "latest") -> bytes:
        """``eth_call``; a revert raises the decoded exception."""
        tx: dict[str, Any] = {"to": to, "data": data}
        if sender is not None:
            tx["from"] = sender
        elif self._call_from is not None:
            tx["from"] = self._call_from  # eth-tester insists on a funded sender
        with self._rpc("eth_call"):
            return bytes(self.w3.eth.call(tx, block))  # type: ignore[arg-type]

    def estimate_gas(self, to: str | None, data: bytes, sender: str) -> int:
        """``eth_estimateGas``; a revert raises the decoded exception."""
        tx: dict[str, Any] = {"from": sender, "data": data}
        if to is not None:
            tx["to"] = to
        with self._rpc("eth_estimateGas"):
            return int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]

    def gas_price(self) -> int:
        """``eth_gasPrice``."""
        with self._rpc("eth_gasPrice"):
            return int(self.w3.eth.gas_price)

    def max_priority_fee(self) -> int | None:
        """``eth_maxPriorityFeePerGas``, or None when the node lacks it."""
        try:
            with self._rpc("eth_maxPriorityFeePerGas"):
                return int(self.w3.eth.max_priority_fee)
        except ChainUnavailableError:
            return None

    def base_fee(self) -> int | None:
        """The latest block's base fee (None on pre-London chains)."""
        return self.block().base_fee

    def get_logs(
        self,
        address: str,
        topics: Sequence[bytes | Sequence[bytes] | None],
        from_block: int = 0,
        to_block: int | str = "latest",
    ) -> list[LogEntry]:
        """``eth_getLogs`` for one contract; a topic position may list alternatives."""
        rendered: list[Any] = []
        for topic in topics:
            if topic is None:
                rendered.append(None)
            elif isinstance(topic, bytes):
                rendered.append("0x" + topic.hex())
            else:
                rendered.append(["0x" + t.hex() for t in topic])
        params: dict[str, Any] = {
            "address": to_checksum_address(address),
            "topics": rendered,
            "fromBlock": from_block,
            "toBlock": to_block,
        }
        with self._rpc("eth_getLogs"):
            logs = self.w3.eth.get_logs(params)  # type: ignore[arg-type]
        return [log_entry(log) for log in logs]

    # ----------------------------------------------------------------- writes

    def send_raw(self, raw: bytes) -> bytes:
        """``eth_sendRawTransaction``; returns the transaction hash.

        Raises :class:`TransactionRejectedError` when the node refuses the transaction.
        """
        return self.backend.send_raw(raw)

    def speculate(self, raw: bytes) -> Receipt | None:
        """Mine ``raw`` at once; None (the chain rolled back) if it reverted. Only where the
        backend's strategy is :attr:`WriteStrategy.SPECULATE`."""
        return self.backend.speculate(raw)

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of ``tx_hash`` if mined."""
        return self.backend.receipt(tx_hash)

    def knows_transaction(self, tx_hash: bytes) -> bool:
        """Whether the node has the transaction (mined or waiting in its pool)."""
        return self.transaction(tx_hash) is not None

    def follow_blocks(self, signal: BlockSignal | None) -> None:
        """Poll for receipts when ``signal`` reports a new block (and at least every
        :data:`SIGNALLED_POLL_FALLBACK` seconds) instead of on the timer; None: the timer again.

        A gateway's index already asks the node for its head every few tens of milliseconds; a write
        waiting a second for its block then asks for its receipt about twice (once at once, once after
        the block that can hold it) instead of at every step of the backoff. The write's answer waits for
        that index to hold its block anyway (read-your-writes), so this adds no latency.
        """
        self._blocks = signal

    def wait_for_receipt(self, tx_hash: bytes, timeout: float | None = None) -> Receipt:
        """Poll for the receipt of ``tx_hash``; :class:`TransactionTimeoutError` after ``timeout``."""
        limit = self.receipt_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        self.backend.await_seal(tx_hash, limit)  # the durable node wakes this at the seal
        delay = min(FIRST_RECEIPT_POLL, self.poll_interval)
        signal = self._blocks
        while True:
            known = signal.block_number if signal is not None else 0  # read before the poll: no block is missed
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                return receipt
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransactionTimeoutError(
                    f"transaction 0x{tx_hash.hex()} was sent but not mined within {limit:g} s; "
                    "it may still be mined, or have been dropped from the pool"
                )
            if signal is not None:
                try:
                    signal.wait_for_block(known + 1, min(SIGNALLED_POLL_FALLBACK, remaining))
                except IndexTimeoutError:
                    pass  # no new block signalled: poll anyway
                except LedgerError:
                    signal = None  # the signal cannot follow the chain now: back to the timer
                continue
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, self.poll_interval)  # adaptive: a few ms first, then back off to the cap

    def failure_of(self, receipt: Receipt, to: str, data: bytes, sender: str) -> LedgerError:
        """Why a mined transaction reverted: replay it as ``eth_call`` on the parent state."""
        try:
            self.call(to, data, sender, block=max(receipt.block_number - 1, 0))
        except LedgerError as exc:
            return exc
        return TransactionFailedError(
            f"transaction 0x{receipt.transaction_hash.hex()} reverted in block {receipt.block_number} "
            f"(gas used {receipt.gas_used}); replaying it does not revert, so it lost a race with "
            "another transaction in the same block or ran out of gas"
        )

    # ----------------------------------------------------------------- test chains only

    def snapshot(self) -> int:
        """Snapshot the embedded chain (tests)."""
        return self.backend.snapshot()

    def revert(self, snapshot: int) -> None:
        """Return the embedded chain to ``snapshot`` (tests)."""
        self.backend.revert(snapshot)

    def time_travel(self, timestamp: int) -> None:
        """Mine a block at ``timestamp`` (embedded chain; time only moves forward)."""
        self.backend.time_travel(timestamp)
