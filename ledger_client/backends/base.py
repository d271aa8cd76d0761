"""The seam under the client: what every chain backend provides (:class:`ChainBackend`).

:class:`~ledger_client.chain.Chain` speaks to a backend only through this protocol; nothing above
it asks which backend it has. One class per backend:

- :class:`~ledger_client.backends.memory.InMemoryBackend`: eth-tester on py-evm, in memory (tests);
- :class:`~ledger_client.backends.durable.DurableBackend`: the durable embedded node, in-process;
- :class:`~ledger_client.backends.rpc.RpcBackend`: any node by JSON-RPC (the durable node's
  server, anvil, Besu, geth).

Each owns its write strategy, how it sends and reads receipts, how it decodes revert data, the
log source the index follows, and the snapshots and time travel it has (the others refuse them
with a clear :class:`~ledger_client.errors.LedgerError`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Literal, Protocol, TypeVar

from web3 import Web3

from ledger_client.backends.logs import LogSource
from ledger_client.backends.types import Receipt, WriteStrategy

T = TypeVar("T")


class ChainBackend(Protocol):
    """One way of reaching a chain."""

    @property
    def w3(self) -> Web3:
        """The web3 instance on the backend's provider (plain reads go through it)."""
        ...

    @property
    def embedded(self) -> bool:
        """Whether the chain runs in this process (a development or single-site chain: free gas)."""
        ...

    @property
    def write_strategy(self) -> WriteStrategy:
        """How writes are checked before they cost anything."""
        ...

    @property
    def settable_clock(self) -> bool:
        """Whether ``evm_setTime`` may set the chain's clock back (the durable node's)."""
        ...

    @property
    def dev_keys(self) -> tuple[bytes, ...]:
        """Private keys of the funded development accounts (empty on a node reached by URL)."""
        ...

    @property
    def nonce_block(self) -> Literal["latest", "pending"]:
        """The block tag that counts the transactions a sender already handed to the node."""
        ...

    def guard(self, what: str) -> AbstractContextManager[None]:
        """Translate the backend's failures inside the block into :class:`LedgerError`s: a revert
        into the named contract error, an unreachable node into :class:`ChainUnavailableError`."""
        ...

    def lookup(self, what: str, fetch: Callable[[], T]) -> T | None:
        """``fetch()`` under :meth:`guard`; None when the node answers that it has no such thing."""
        ...

    def send_raw(self, raw: bytes) -> bytes:
        """Hand a signed transaction to the chain; its hash. :class:`TransactionRejectedError` when refused."""
        ...

    def speculate(self, raw: bytes) -> Receipt | None:
        """Mine ``raw`` at once; roll the chain back and return None if it reverted (``SPECULATE`` only)."""
        ...

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of ``tx_hash`` if mined."""
        ...

    def await_seal(self, tx_hash: bytes, timeout: float) -> None:
        """Block until ``tx_hash`` may be sealed, at most ``timeout`` s (a hint: polling follows)."""
        ...

    def log_source(self, address: str) -> LogSource:
        """The best source of ``address``'s logs for the index and the auditor."""
        ...

    def snapshot(self) -> int:
        """Snapshot the chain (the in-memory chain; nodes with ``evm_snapshot``: anvil, Hardhat)."""
        ...

    def revert(self, snapshot: int) -> None:
        """Return the chain to ``snapshot`` (where :meth:`snapshot` exists)."""
        ...

    def time_travel(self, timestamp: int) -> None:
        """Mine a block at ``timestamp`` (in-memory only; time only moves forward)."""
        ...

    def close(self) -> None:
        """Release the backend (closes an in-process node)."""
        ...
