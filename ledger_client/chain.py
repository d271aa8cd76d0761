"""The connection to a chain: the embedded eth-tester chain or any JSON-RPC node.

:class:`Chain` is a thin layer over web3 that speaks in bytes and ints, awaits receipts with a
timeout and turns every node failure into a :class:`~ledger_client.errors.LedgerError`:
reverts (of ``eth_call``, ``eth_estimateGas`` or a mined transaction) are decoded from the ABI
into the named exception, connection failures become :class:`ChainUnavailableError`.
Transactions are only ever sent raw (``eth_sendRawTransaction``): nodes need no keys.
"""

from __future__ import annotations

import ast
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Literal

import rlp  # type: ignore[import-untyped]
from eth_utils.address import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import BlockIdentifier, RPCEndpoint, RPCResponse

from ledger_client.errors import (
    ChainUnavailableError,
    LedgerError,
    TransactionFailedError,
    TransactionRejectedError,
    TransactionTimeoutError,
    UnsupportedEvmError,
    decode_revert,
)
from ledger_client.pyevm_tries import receipt_fields, trie_item, trie_items
from ledger_client.signers import Signer

if TYPE_CHECKING:  # the in-process chains need eth-tester/py-evm (the [node] extra); imported where built
    from eth_tester import EthereumTester

DEFAULT_DEV_ACCOUNTS = 20
#: Seconds before the second receipt poll; each further wait doubles, up to ``poll_interval``.
FIRST_RECEIPT_POLL = 0.002


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


class _LockedTesterProvider(EthereumTesterProvider):
    """eth-tester is not thread-safe: serialise every request behind one lock."""

    def __init__(self, tester: EthereumTester, lock: threading.RLock) -> None:
        super().__init__(tester)
        self._request_lock = lock

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self._request_lock:
            return super().make_request(method, params)


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    raise TypeError(f"expected bytes or hex, got {type(value).__name__}")


def revert_data(exc: BaseException) -> bytes | None:
    """The revert data carried by a web3/eth-tester exception, if any."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, bytes):
        return data
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict):
        error = response.get("error")
        if isinstance(error, dict) and isinstance(error.get("data"), str) and error["data"].startswith("0x"):
            return bytes.fromhex(error["data"][2:])
    message = str(exc.args[0]) if exc.args else ""
    return _tester_revert_bytes(message)


_TESTER_REVERT_PREFIX = "execution reverted:"


def _tester_revert_bytes(message: str) -> bytes | None:
    """The revert data in eth-tester's message, ``"execution reverted: " + repr(data)``.

    py-evm's ``Revert(data)`` is stringified to the repr of its bytes and web3's eth-tester
    provider prefixes it; nothing structured survives. The whole remainder after the prefix must
    be one bytes literal (``b'…'`` or ``b"…"``, whichever quote Python chose): a quote or a
    ``b'`` inside the data (bytes 0x8b 0x27 print as ``\x8b'``) cannot be mistaken for its start.
    """
    head, found, rest = message.partition(_TESTER_REVERT_PREFIX)
    token = rest.strip() if found else head.strip()
    if not token.startswith(("b'", 'b"')):
        return None
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, bytes) else None


def _is_revert(exc: BaseException) -> bool:
    if isinstance(exc, ContractLogicError):
        return True
    name = type(exc).__name__
    return name == "TransactionFailed" or "revert" in str(exc).lower()


class Chain:
    """A chain reached through web3: embedded (eth-tester, in-process) or by JSON-RPC URL.

    Args:
        w3: the connected web3 instance.
        tester: the eth-tester instance when the chain is embedded in memory.
        lock: the lock serialising access to an in-process backend.
        receipt_timeout: default seconds to wait for a receipt.
        poll_interval: the longest wait between two receipt polls (the first waits 2 ms, each next
            one twice as long, up to this cap).
    """

    def __init__(
        self,
        w3: Web3,
        *,
        tester: EthereumTester | None = None,
        lock: threading.RLock | None = None,
        receipt_timeout: float = 120.0,
        poll_interval: float = 0.25,
        embedded: bool | None = None,
        dev_keys: Sequence[bytes] = (),
        on_close: Callable[[], None] | None = None,
        node: Any = None,
    ) -> None:
        self.w3 = w3
        self.node = node  # the in-process durable node, when the chain is one
        self._dev_keys = tuple(dev_keys)
        self._on_close = on_close
        self._call_from = Signer.from_key(self._dev_keys[0]).address if self._dev_keys else None
        self.tester = tester
        self.lock = lock or threading.RLock()
        self.embedded = tester is not None if embedded is None else embedded
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self._chain_id: int | None = None
        self._gas_limit: tuple[float, int] | None = None

    # ----------------------------------------------------------------- constructors

    @classmethod
    def in_memory(cls, *, accounts: int = DEFAULT_DEV_ACCOUNTS, receipt_timeout: float = 120.0) -> Chain:
        """A fresh in-memory eth-tester chain with ``accounts`` funded development accounts."""
        from eth_tester import EthereumTester, PyEVMBackend

        genesis = PyEVMBackend.generate_genesis_state(num_accounts=accounts)
        backend = PyEVMBackend(genesis_state=genesis)
        tester = EthereumTester(backend)
        lock = threading.RLock()
        w3 = Web3(_LockedTesterProvider(tester, lock))
        keys = [key.to_bytes() for key in backend.account_keys]
        return cls(w3, tester=tester, lock=lock, receipt_timeout=receipt_timeout, poll_interval=0.001, dev_keys=keys)

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
        from ledger_client.node import BlockMode, DurableChain, DurableChainProvider, NodeConfig

        node = DurableChain(data_dir, NodeConfig(block_mode=BlockMode(block_mode), max_drift_s=max_drift))
        w3 = Web3(DurableChainProvider(node))
        keys = [bytes.fromhex(account.private_key.removeprefix("0x")) for account in node.accounts]
        return cls(
            w3,
            receipt_timeout=receipt_timeout,
            poll_interval=0.001,
            embedded=True,
            dev_keys=keys,
            on_close=node.close,
            node=node,
        )

    def close(self) -> None:
        """Release the chain (closes the embedded durable node; no-op otherwise)."""
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    @classmethod
    def connect(
        cls, rpc_url: str, *, request_timeout: float = 30.0, receipt_timeout: float = 120.0, poll_interval: float = 0.25
    ) -> Chain:
        """A chain reached over HTTP JSON-RPC (Besu, geth, anvil, the embedded node's server)."""
        if not rpc_url.startswith(("http://", "https://")):
            raise ChainUnavailableError(f"unsupported RPC URL {rpc_url!r}; use http:// or https://")
        w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": request_timeout}))
        # web3's validation middleware asks the node for its chain id before every eth_call and
        # eth_estimateGas (two extra round trips per write); transactions here are signed locally
        # with the chain id cached by Chain.chain_id, so that check adds nothing.
        w3.middleware_onion.remove("validation")
        chain = cls(w3, receipt_timeout=receipt_timeout, poll_interval=poll_interval, embedded=False)
        chain.chain_id  # noqa: B018 - fail fast when the node is unreachable
        return chain

    # ----------------------------------------------------------------- plumbing

    @contextlib.contextmanager
    def _rpc(self, what: str) -> Iterator[None]:
        """Translate node failures into LedgerErrors."""
        try:
            yield
        except LedgerError:
            raise
        except OSError as exc:
            raise ChainUnavailableError(f"{what}: the node cannot be reached ({exc})") from exc
        except Exception as exc:
            if "notactivated" in str(exc).lower():
                raise UnsupportedEvmError(
                    f"{what}: the node's EVM lacks an opcode the contracts use ({exc}); they need Cancun or later"
                ) from exc
            if _is_revert(exc):
                data = revert_data(exc)
                if data is not None:
                    raise decode_revert(data) from None
                raise TransactionFailedError(f"{what} reverted: {exc}") from None
            raise ChainUnavailableError(f"{what} failed: {exc}") from exc

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
        identifier: BlockIdentifier = "latest" if self.tester is not None or block == "latest" else "pending"
        with self._rpc("eth_getTransactionCount"):
            return int(self.w3.eth.get_transaction_count(to_checksum_address(address), identifier))

    def transaction(self, tx_hash: bytes) -> SentFields | None:
        """Sender, nonce, recipient and input of a transaction the node holds (mined or pooled)."""
        try:
            with self._rpc("eth_getTransactionByHash"):
                data = self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return None
            raise
        if data is None:
            return None
        to = data.get("to")
        return SentFields(
            sender=to_checksum_address(data["from"]),
            nonce=int(data["nonce"]),
            to=None if to is None else to_checksum_address(to),
            data=_bytes(data["input"]),
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
        return [_log_entry(log) for log in logs]

    # ----------------------------------------------------------------- writes

    def send_raw(self, raw: bytes) -> bytes:
        """``eth_sendRawTransaction``; returns the transaction hash.

        Raises :class:`TransactionRejectedError` when the node refuses the transaction.
        """
        if self.tester is not None:
            # In-process eth-tester: hand the bytes to it directly, skipping web3's request and
            # result formatting (a 500-certificate batch is 112 kB of calldata).
            try:
                with self.lock:
                    return bytes.fromhex(str(self.tester.send_raw_transaction("0x" + raw.hex())).removeprefix("0x"))
            except Exception as exc:  # eth-tester raises several validation error types
                raise TransactionRejectedError(f"the node refused the transaction: {exc}") from exc
        try:
            with self._rpc("eth_sendRawTransaction"):
                return bytes(self.w3.eth.send_raw_transaction(raw))
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, OSError):
                raise
            raise TransactionRejectedError(f"the node refused the transaction: {exc.__cause__ or exc}") from exc

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of ``tx_hash`` if mined."""
        if self.tester is not None:
            with self.lock:
                return _tester_receipt(self.tester, tx_hash)
        if self.node is not None:
            return _node_receipt(self.node, tx_hash)
        try:
            with self._rpc("eth_getTransactionReceipt"):
                data = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return None
            raise
        if data is None:
            return None
        address = data.get("contractAddress")
        return Receipt(
            transaction_hash=bytes(data["transactionHash"]),
            block_number=int(data["blockNumber"]),
            block_hash=bytes(data["blockHash"]),
            status=int(data["status"]),
            gas_used=int(data["gasUsed"]),
            contract_address=None if address is None else to_checksum_address(address),
            logs=tuple(_log_entry(log) for log in data["logs"]),
        )

    def knows_transaction(self, tx_hash: bytes) -> bool:
        """Whether the node has the transaction (mined or waiting in its pool)."""
        try:
            with self._rpc("eth_getTransactionByHash"):
                return self.w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return False
            raise

    def wait_for_receipt(self, tx_hash: bytes, timeout: float | None = None) -> Receipt:
        """Poll for the receipt of ``tx_hash``; :class:`TransactionTimeoutError` after ``timeout``."""
        limit = self.receipt_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        if self.node is not None:
            self.node.wait_for_seal(tx_hash, limit)  # woken by the seal, no polling delay
        delay = min(FIRST_RECEIPT_POLL, self.poll_interval)
        while True:
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                return receipt
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransactionTimeoutError(
                    f"transaction 0x{tx_hash.hex()} was sent but not mined within {limit:g} s; "
                    "it may still be mined, or have been dropped from the pool"
                )
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

    # ----------------------------------------------------------------- embedded only

    def snapshot(self) -> int:
        """Snapshot the embedded chain (tests)."""
        if self.tester is None:
            raise LedgerError("snapshots exist only on the in-memory embedded chain")
        with self.lock:
            return int(self.tester.take_snapshot())

    def revert(self, snapshot: int) -> None:
        """Return the embedded chain to ``snapshot`` (tests)."""
        if self.tester is None:
            raise LedgerError("snapshots exist only on the in-memory embedded chain")
        with self.lock:
            self.tester.revert_to_snapshot(snapshot)

    def time_travel(self, timestamp: int) -> None:
        """Mine a block at ``timestamp`` (embedded chain; time only moves forward)."""
        if self.tester is None:
            raise LedgerError("time travel exists only on the in-memory embedded chain")
        with self.lock:
            self.tester.time_travel(timestamp)


def _tester_receipt(tester: EthereumTester, tx_hash: bytes) -> Receipt | None:
    """A receipt read straight from the in-memory py-evm chain.

    eth-tester's own receipt call formats every log through several layers (~0.4 ms per log of
    a 500-certificate batch); this reads the receipts trie once and decodes only what is used.
    """
    from eth.exceptions import TransactionNotFound as PyEvmTransactionNotFound

    chain = tester.backend.chain
    chaindb = chain.chaindb
    try:
        block_number, index = chaindb.get_transaction_index(tx_hash)
    except PyEvmTransactionNotFound:
        return None
    if block_number > chain.get_canonical_head().block_number:
        return None  # a stale lookup entry: a revert (reorg) dropped the transaction's block
    header = chaindb.get_canonical_block_header_by_number(block_number)
    encoded_tx = trie_item(chaindb.db, header.transaction_root, index)
    if not encoded_tx:
        return None  # a stale lookup entry: the block at that height holds fewer transactions since a revert
    transaction = chain.get_vm_class(header).get_transaction_builder().decode(encoded_tx)
    if bytes(transaction.hash) != tx_hash:
        return None  # a stale lookup entry: another transaction holds that place since a revert
    # Each receipt up to this one decoded once: this one's fields, the gas and log counts before it.
    receipts = trie_items(chaindb.db, header.receipt_root)
    fields = [receipt_fields(encoded) for encoded in islice(receipts, index + 1)]
    cumulative = rlp.sedes.big_endian_int.deserialize(fields[index][1])
    previous = rlp.sedes.big_endian_int.deserialize(fields[index - 1][1]) if index else 0
    return _receipt(
        tx_hash,
        block_number,
        bytes(header.hash),
        index,
        status=1 if bytes(fields[index][0]) == b"\x01" else 0,
        gas_used=cumulative - previous,
        transaction=transaction,
        first_log=sum(len(earlier[3]) for earlier in fields[:index]),
        logs=[(bytes(log[0]), tuple(bytes(t) for t in log[1]), bytes(log[2])) for log in fields[index][3]],
    )


def _node_receipt(node: Any, tx_hash: bytes) -> Receipt | None:
    """A receipt read straight from the in-process durable node (no JSON-RPC formatting of its logs)."""
    location = node.find_transaction(tx_hash)
    if location is None or location.block is None:
        return None
    block, index = location.block, location.index
    receipts = node.receipts(block)
    receipt = receipts[index]
    return _receipt(
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


def _receipt(
    tx_hash: bytes,
    block_number: int,
    block_hash: bytes,
    index: int,
    *,
    status: int,
    gas_used: int,
    transaction: Any,
    first_log: int,
    logs: Sequence[tuple[bytes, tuple[bytes, ...], bytes]],
) -> Receipt:
    """A :class:`Receipt` from fields read in-process (the in-memory chain or the durable node)."""
    contract_address = None
    if not transaction.to:
        from eth._utils.address import generate_contract_address

        contract_address = to_checksum_address(generate_contract_address(transaction.sender, transaction.nonce))
    entries = tuple(
        LogEntry(
            address=to_checksum_address(address),
            topics=topics,
            data=data,
            block_number=block_number,
            block_hash=block_hash,
            transaction_hash=tx_hash,
            transaction_index=index,
            log_index=first_log + offset,
        )
        for offset, (address, topics, data) in enumerate(logs)
    )
    return Receipt(tx_hash, block_number, block_hash, status, gas_used, contract_address, entries)


def _log_entry(log: Any) -> LogEntry:
    return LogEntry(
        address=to_checksum_address(log["address"]),
        topics=tuple(_bytes(t) for t in log["topics"]),
        data=_bytes(log["data"]),
        block_number=int(log["blockNumber"]),
        block_hash=_bytes(log["blockHash"]),
        transaction_hash=_bytes(log["transactionHash"]),
        transaction_index=int(log["transactionIndex"]),
        log_index=int(log["logIndex"]),
    )
