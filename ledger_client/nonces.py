"""Per-signer nonce management, safe for many threads sending with one key.

The manager hands out nonces under a lock that is held until the transaction is accepted by
the node (or refused), so transactions of one signer reach the node in nonce order and two
threads never sign the same nonce. Any failure while the nonce is held — the node refusing the
transaction, a connection error — marks the counter stale; the next reservation resyncs from
the node's ``pending`` transaction count. A transaction that was accepted but never mined
(dropped from the pool) is reported with :meth:`NonceManager.invalidate`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class NonceManager:
    """Nonces of one signer.

    Args:
        fetch: returns the node's pending transaction count of the signer.
    """

    def __init__(self, fetch: Callable[[], int]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._next: int | None = None

    @contextmanager
    def reserve(self) -> Iterator[int]:
        """Hold the next nonce while the transaction is signed and handed to the node.

        Leaving the block normally consumes the nonce; an exception releases it and forces a
        resync on the next reservation.
        """
        with self._lock:
            if self._next is None:
                self._next = self._fetch()
            nonce = self._next
            try:
                yield nonce
            except BaseException:
                self._next = None
                raise
            self._next = nonce + 1

    def invalidate(self) -> None:
        """Forget the local counter (a transaction was dropped); resync on next use."""
        with self._lock:
            self._next = None

    def peek(self) -> int | None:
        """The next nonce the manager would hand out, if known (diagnostics)."""
        return self._next


class NonceRegistry:
    """One :class:`NonceManager` per address, created on first use (thread-safe)."""

    def __init__(self, fetch: Callable[[str], int]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._managers: dict[str, NonceManager] = {}

    def for_address(self, address: str) -> NonceManager:
        """The manager of ``address``."""
        key = address.lower()
        with self._lock:
            manager = self._managers.get(key)
            if manager is None:
                manager = NonceManager(lambda: self._fetch(address))
                self._managers[key] = manager
            return manager

    def invalidate_all(self) -> None:
        """Resync every signer (e.g. after the chain was reverted to a snapshot)."""
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            manager.invalidate()
