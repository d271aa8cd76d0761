"""The py-evm key-value store, in memory, remembering what changed since the last snapshot."""

from __future__ import annotations

from collections.abc import Iterator

from eth.db.backends.base import BaseDB


class TrackingMemoryDB(BaseDB):
    """A dict-backed py-evm database that records written and deleted keys.

    :meth:`take_delta` hands out the changes since its previous call, which is what an
    incremental snapshot segment stores.
    """

    def __init__(self, kv_store: dict[bytes, bytes] | None = None) -> None:
        self.kv_store: dict[bytes, bytes] = {} if kv_store is None else kv_store
        self._dirty: set[bytes] = set()
        self._deleted: set[bytes] = set()

    def __getitem__(self, key: bytes) -> bytes:
        return self.kv_store[key]

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.kv_store[key] = value
        self._dirty.add(key)
        self._deleted.discard(key)

    def __delitem__(self, key: bytes) -> None:
        del self.kv_store[key]
        self._dirty.discard(key)
        self._deleted.add(key)

    def _exists(self, key: bytes) -> bool:
        return key in self.kv_store

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.kv_store)

    def __len__(self) -> int:
        return len(self.kv_store)

    def take_delta(self) -> tuple[dict[bytes, bytes], list[bytes]]:
        """Return (written keys → values, deleted keys) since the last call and reset."""
        store = self.kv_store
        puts = {key: store[key] for key in self._dirty}
        deletes = list(self._deleted)
        self._dirty = set()
        self._deleted = set()
        return puts, deletes

    def take_full(self) -> dict[bytes, bytes]:
        """Return a copy of the whole store and reset change tracking."""
        self._dirty = set()
        self._deleted = set()
        return dict(self.kv_store)
