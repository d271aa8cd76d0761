"""The JSON-RPC backend: any node behind a web3 provider (Besu, geth, anvil, the durable node's server).

Also the base of the in-process backends, which share its plain web3 plumbing and replace what
they do faster in-process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

from eth_utils.address import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.types import RPCEndpoint

from ledger_client.backends.keepalive import KeepAliveSession, keepalive_session
from ledger_client.backends.logs import LogSource, RpcLogSource
from ledger_client.backends.reverts import rpc_revert_data
from ledger_client.backends.types import LogEntry, Receipt, WriteStrategy
from ledger_client.errors import (
    ChainUnavailableError,
    LedgerError,
    TransactionFailedError,
    TransactionRejectedError,
    UnsupportedEvmError,
    decode_revert,
)

T = TypeVar("T")


def hex_bytes(value: Any) -> bytes:
    """Bytes from web3's bytes or a ``0x`` hex string."""
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    raise TypeError(f"expected bytes or hex, got {type(value).__name__}")


def log_entry(log: Any) -> LogEntry:
    """A :class:`LogEntry` from a JSON-RPC log object."""
    return LogEntry(
        address=to_checksum_address(log["address"]),
        topics=tuple(hex_bytes(t) for t in log["topics"]),
        data=hex_bytes(log["data"]),
        block_number=int(log["blockNumber"]),
        block_hash=hex_bytes(log["blockHash"]),
        transaction_hash=hex_bytes(log["transactionHash"]),
        transaction_index=int(log["transactionIndex"]),
        log_index=int(log["logIndex"]),
    )


class RpcBackend:
    """A chain reached through a web3 provider; pre-flights every write (a revert burns gas there).

    Args:
        w3: the connected web3 instance.
    """

    write_strategy = WriteStrategy.PREFLIGHT
    embedded = False
    settable_clock = False
    nonce_block: Literal["latest", "pending"] = "pending"

    def __init__(self, w3: Web3, *, dev_keys: tuple[bytes, ...] = (), session: KeepAliveSession | None = None) -> None:
        self._w3 = w3
        self._dev_keys = dev_keys
        self._session = session

    @classmethod
    def over_http(cls, rpc_url: str, *, request_timeout: float = 30.0) -> RpcBackend:
        """A node at an ``http://`` or ``https://`` URL."""
        if not rpc_url.startswith(("http://", "https://")):
            raise ChainUnavailableError(f"unsupported RPC URL {rpc_url!r}; use http:// or https://")
        # plain http:// (a local node): one kept-alive connection per thread instead of requests' session
        session = keepalive_session(rpc_url)
        w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": request_timeout}, session=session))
        # web3's validation middleware asks the node for its chain id before every eth_call and
        # eth_estimateGas (two extra round trips per write); transactions here are signed locally
        # with the chain id cached by Chain.chain_id, so that check adds nothing.
        w3.middleware_onion.remove("validation")
        return cls(w3, session=session)

    @property
    def w3(self) -> Web3:
        """The web3 instance."""
        return self._w3

    @property
    def dev_keys(self) -> tuple[bytes, ...]:
        """Development keys (none for a node reached by URL)."""
        return self._dev_keys

    # ----------------------------------------------------------------- failures

    def is_revert(self, exc: BaseException) -> bool:
        """Whether a failure is the contract reverting (rather than the node failing)."""
        return isinstance(exc, ContractLogicError) or "revert" in str(exc).lower()

    def revert_data(self, exc: BaseException) -> bytes | None:
        """The revert data a failure carries, if any."""
        return rpc_revert_data(exc)

    @contextlib.contextmanager
    def guard(self, what: str) -> Iterator[None]:
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
            if self.is_revert(exc):
                data = self.revert_data(exc)
                if data is not None:
                    raise decode_revert(data) from None
                raise TransactionFailedError(f"{what} reverted: {exc}") from None
            raise ChainUnavailableError(f"{what} failed: {exc}") from exc

    # ----------------------------------------------------------------- writes and receipts

    def send_raw(self, raw: bytes) -> bytes:
        """``eth_sendRawTransaction``; :class:`TransactionRejectedError` when the node refuses it."""
        try:
            with self.guard("eth_sendRawTransaction"):
                return bytes(self._w3.eth.send_raw_transaction(raw))
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, OSError):
                raise
            raise TransactionRejectedError(f"the node refused the transaction: {exc.__cause__ or exc}") from exc

    def speculate(self, raw: bytes) -> Receipt | None:
        """Not on a node: a transaction cannot be rolled back."""
        raise LedgerError("speculative writes exist only on the in-memory embedded chain")

    def lookup(self, what: str, fetch: Callable[[], T]) -> T | None:
        """``fetch()`` under :meth:`guard`; None when the node answers that it has no such thing."""
        try:
            with self.guard(what):
                return fetch()
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return None
            raise

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """``eth_getTransactionReceipt``."""
        data = self.lookup(
            "eth_getTransactionReceipt",
            lambda: self._w3.eth.get_transaction_receipt(tx_hash),  # type: ignore[arg-type]
        )
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
            logs=tuple(log_entry(log) for log in data["logs"]),
        )

    def await_seal(self, tx_hash: bytes, timeout: float) -> None:
        """Nothing to wait on: receipts are polled."""

    def log_source(self, address: str) -> LogSource:
        """``eth_getLogs`` over bounded ranges."""
        return RpcLogSource(self._w3, address)

    # ----------------------------------------------------------------- test-chain controls

    def snapshot(self) -> int:
        """``evm_snapshot``, on the development nodes that have it (anvil, Hardhat)."""
        return int(self._control("evm_snapshot", []), 16)

    def revert(self, snapshot: int) -> None:
        """``evm_revert`` to ``snapshot`` (the node forgets it, and any later one)."""
        if self._control("evm_revert", [hex(snapshot)]) is not True:
            raise LedgerError(f"the node has no snapshot {snapshot:#x} to revert to")

    def _control(self, method: str, params: list[Any]) -> Any:
        """A development-node method; a node without it is a clear :class:`LedgerError`."""
        try:
            response = self._w3.provider.make_request(RPCEndpoint(method), params)
        except OSError as exc:
            raise ChainUnavailableError(f"{method}: the node cannot be reached ({exc})") from exc
        if "error" in response:
            raise LedgerError(f"this node has no snapshots ({method}: {response['error']})")
        return response.get("result")

    def time_travel(self, timestamp: int) -> None:
        """Not on a node reached by URL."""
        raise LedgerError("time travel exists only on the in-memory embedded chain")

    def close(self) -> None:
        """Close the kept-alive connections, if any (they reopen if the backend is used again)."""
        if self._session is not None:
            self._session.close()
