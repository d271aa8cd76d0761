"""Per-signer nonce management, safe for many threads sending with one key, and reorg-proof.

The manager hands out nonces under a lock that is held until the transaction is accepted by
the node (or refused), so transactions of one signer reach the node in nonce order and two
threads never sign the same nonce. Any failure while the nonce is held — the node refusing the
transaction, a connection error — marks the counter stale; the next reservation resyncs from
the node's ``pending`` transaction count.

Each reservation also compares the local counter with the node's count (one
``eth_getTransactionCount`` call). A node that counts fewer transactions than this signer has
handed it lost some of them: a reorg dropped blocks holding them (``anvil_reorg``,
``anvil_rollback``, ``evm_revert``, a real fork) or its pool evicted them. Signing the next nonce
anyway would leave a gap: the node queues the new transaction, the write hangs until its receipt
timeout and lands later, when something fills the gap — a write answered as failed that happens
anyway. Instead the manager re-sends, in nonce order, the signed transactions it kept for the
missing nonces (same bytes, same hash: whatever the caller was told about them stays true), and
continues after them. A missing nonce it has no transaction for is taken by the next write,
which definitively replaces whatever once held it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ledger_client.errors import TransactionRejectedError

log = logging.getLogger(__name__)

#: Signed transactions kept per signer, to re-send what a reorg drops (the newest ones).
DEFAULT_KEEP = 128


@dataclass(frozen=True)
class KeptTransaction:
    """A signed transaction this client handed to the node."""

    sender: str
    nonce: int
    tx_hash: bytes
    raw: bytes


@dataclass(frozen=True)
class Restoration:
    """What a :meth:`NonceManager.restore` found and did."""

    node_count: int  # the node's pending transaction count before re-sending
    local_next: int | None  # the nonce the manager would have handed out
    resent: tuple[bytes, ...]  # hashes of the kept transactions re-sent, in nonce order
    replaced_from: int | None  # first missing nonce with no kept transaction: the next write takes it


class NonceManager:
    """Nonces of one signer.

    Args:
        fetch: returns the node's pending transaction count of the signer.
        resend: hands a kept signed transaction to the node again (raises
            :class:`~ledger_client.errors.TransactionRejectedError` when refused).
        address: the signer (for the kept transactions and log messages).
        verify: compare the counter with the node's on every reservation (reorg-proof); without
            it the node is asked only after a failure.
        keep: how many of the newest signed transactions to keep for re-sending.
    """

    def __init__(
        self,
        fetch: Callable[[], int],
        resend: Callable[[bytes], object] | None = None,
        *,
        address: str = "",
        verify: bool = True,
        keep: int = DEFAULT_KEEP,
    ) -> None:
        self._fetch = fetch
        self._resend = resend
        self._address = address
        self._verify = verify
        self._keep_count = max(0, keep)
        self._lock = threading.Lock()
        self._kept_lock = threading.Lock()
        self._kept: OrderedDict[int, KeptTransaction] = OrderedDict()
        self._next: int | None = None
        self._high: int | None = None  # one past the highest nonce handed to the node

    @contextmanager
    def reserve(self) -> Iterator[int]:
        """Hold the next nonce while the transaction is signed and handed to the node.

        Leaving the block normally consumes the nonce; an exception releases it and forces a
        resync on the next reservation. Call :meth:`keep` inside the block once the signed
        transaction exists.
        """
        with self._lock:
            if self._next is None or self._verify:
                self._restore_locked(self._fetch())
            nonce = self._next
            assert nonce is not None
            try:
                yield nonce
            except BaseException:
                self._next = None
                with self._kept_lock:
                    self._kept.pop(nonce, None)
                raise
            self._next = nonce + 1
            self._high = max(self._high or 0, nonce + 1)

    def keep(self, nonce: int, tx_hash: bytes, raw: bytes) -> None:
        """Remember a signed transaction (inside :meth:`reserve`, before it is sent)."""
        if self._keep_count == 0:
            return
        with self._kept_lock:
            self._kept.pop(nonce, None)
            self._kept[nonce] = KeptTransaction(self._address, nonce, tx_hash, raw)
            while len(self._kept) > self._keep_count:
                self._kept.popitem(last=False)

    def kept(self, tx_hash: bytes) -> KeptTransaction | None:
        """The kept transaction with ``tx_hash``, if this manager signed it recently."""
        with self._kept_lock:
            for transaction in reversed(self._kept.values()):
                if transaction.tx_hash == tx_hash:
                    return transaction
        return None

    def restore(self) -> Restoration:
        """Compare with the node now and re-send what it lost (see the module docstring)."""
        with self._lock:
            return self._restore_locked(self._fetch())

    def _restore_locked(self, node_count: int) -> Restoration:
        local = self._high
        if local is None or node_count >= local:
            # Equal: nothing lost. Higher: another client used this key; continue after it.
            self._next = node_count
            return Restoration(node_count, local, (), None)
        resent: list[bytes] = []
        replaced_from: int | None = None
        for nonce in range(node_count, local):
            with self._kept_lock:
                transaction = self._kept.get(nonce)
            if transaction is None or self._resend is None:
                replaced_from = nonce
                break
            try:
                self._resend(transaction.raw)
            except TransactionRejectedError as exc:
                log.warning("re-sending 0x%s (nonce %d) failed: %s", transaction.tx_hash.hex(), nonce, exc)
                replaced_from = nonce
                break
            resent.append(transaction.tx_hash)
        self._next = self._fetch() if resent else node_count
        self._high = self._next
        log.warning(
            "signer %s: the node counts %d transactions, this client had signed up to nonce %d (reorg or "
            "eviction); re-sent %d kept transaction(s)%s",
            self._address or "?",
            node_count,
            local - 1,
            len(resent),
            "" if replaced_from is None else f"; nonce {replaced_from} onwards goes to the next writes",
        )
        return Restoration(node_count, local, tuple(resent), replaced_from)

    def invalidate(self) -> None:
        """Forget the local counter; the next reservation resyncs (and re-sends what the node lost)."""
        with self._lock:
            self._next = None

    def forget(self) -> None:
        """Forget everything, kept transactions included: the chain was deliberately reverted
        (a test's snapshot), so what it no longer holds must not be re-sent."""
        with self._lock:
            self._next = self._high = None
            with self._kept_lock:
                self._kept.clear()

    def peek(self) -> int | None:
        """The next nonce the manager would hand out, if known (diagnostics)."""
        return self._next


class NonceRegistry:
    """One :class:`NonceManager` per address, created on first use (thread-safe).

    Args:
        fetch: the node's pending transaction count of an address.
        resend: hands a signed transaction to the node again (for :meth:`NonceManager.restore`).
        verify: see :class:`NonceManager`.
        keep: see :class:`NonceManager`.
    """

    def __init__(
        self,
        fetch: Callable[[str], int],
        resend: Callable[[bytes], object] | None = None,
        *,
        verify: bool = True,
        keep: int = DEFAULT_KEEP,
    ) -> None:
        self._fetch = fetch
        self._resend = resend
        self._verify = verify
        self._keep = keep
        self._lock = threading.Lock()
        self._managers: dict[str, NonceManager] = {}

    def for_address(self, address: str) -> NonceManager:
        """The manager of ``address``."""
        key = address.lower()
        with self._lock:
            manager = self._managers.get(key)
            if manager is None:
                manager = NonceManager(
                    lambda: self._fetch(address), self._resend, address=address, verify=self._verify, keep=self._keep
                )
                self._managers[key] = manager
            return manager

    def kept(self, tx_hash: bytes) -> KeptTransaction | None:
        """The kept transaction with ``tx_hash``, whichever signer sent it."""
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            found = manager.kept(tx_hash)
            if found is not None:
                return found
        return None

    def invalidate_all(self) -> None:
        """Forget every signer's counter and kept transactions (after a deliberate revert to a snapshot)."""
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            manager.forget()
