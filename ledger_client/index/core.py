"""The :class:`Index` facade: one follower (writer) and a read connection per thread."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, Unpack

from web3 import Web3

from ledger_client.index.follower import Follower, FollowOptions, SyncReport
from ledger_client.index.kpis import administration_kpis
from ledger_client.index.queries import Reader
from ledger_client.index.results import AdministrationKpis
from ledger_client.index.sources import LogSource, source_for

P = ParamSpec("P")
R = TypeVar("R")


def _on_reader(query: Callable[Concatenate[Reader, P], R]) -> Callable[Concatenate[Index, P], R]:
    """An :class:`Index` method that runs the :class:`Reader` method ``query`` on the calling
    thread's reader (:attr:`Index.reader`), with its signature and docstring."""

    @functools.wraps(query)
    def on_reader(index: Index, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return query(index.reader, *args, **kwargs)

    return on_reader


class Index:
    """SQLite read model of one AeoLedger deployment, following the chain from its deployment block.

    Example::

        index = Index.for_web3("index.sqlite", w3, address, start_block=deployment_block)
        index.start()                      # background follower
        receipt = ...                      # a write through the client
        index.wait_for_block(receipt.blockNumber)
        index.history(certificate_id)

    Args:
        path: SQLite file (created if missing; WAL mode).
        source: the log source (see :mod:`ledger_client.index.sources`).
        start_block: the contract's deployment block.
        chain_id: checked against the database on reopen, when given.
        confirmations: stay this many blocks behind the head.
        batch_blocks: blocks per sync step (each step commits atomically).
        start_hash: the deployment block's hash (a chain without it is a reset chain: see
            :attr:`chain_reset`).
    """

    def __init__(self, path: str | Path, source: LogSource, **options: Unpack[FollowOptions]) -> None:
        self._path = Path(path)
        self._follower = Follower(self._path, source, **options)
        self._local = threading.local()
        self._readers: list[Reader] = []
        self._readers_lock = threading.Lock()

    @classmethod
    def for_web3(cls, path: str | Path, w3: Web3, address: str, *, start_block: int, **kwargs: Any) -> Index:
        """An index on the best source for ``w3`` (in-process for eth-tester, ``eth_getLogs`` otherwise)."""
        source_options = {k: kwargs.pop(k) for k in ("lock", "max_range", "senders") if k in kwargs}
        return cls(path, source_for(w3, address, **source_options), start_block=start_block, **kwargs)

    # --- following -----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._path

    @property
    def block_number(self) -> int:
        """The last block fully indexed."""
        return self._follower.cursor

    @property
    def chain_reset(self) -> str | None:
        """Why the index serves nothing: the chain lost the deployment block (None normally)."""
        return self._follower.chain_reset

    @property
    def follower(self) -> Follower:
        """The follower (writer) behind this index."""
        return self._follower

    def sync(self, to_block: int | None = None) -> SyncReport:
        """Catch up with the chain now (in the calling thread)."""
        return self._follower.sync(to_block)

    def start(self, poll_interval: float = 0.2) -> None:
        """Follow the chain in a background thread."""
        self._follower.start(poll_interval)

    def stop(self) -> None:
        """Stop the background thread."""
        self._follower.stop()

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(block)`` whenever the index advances or rewinds (see :meth:`Follower.add_listener`)."""
        self._follower.add_listener(listener)

    def remove_listener(self, listener: Callable[[int], None]) -> None:
        """Stop calling ``listener``."""
        self._follower.remove_listener(listener)

    def wait_for_block(self, number: int, timeout: float = 10.0) -> int:
        """Read-your-writes: return once block ``number`` is indexed (raises ``IndexTimeoutError``)."""
        return self._follower.wait_for_block(number, timeout)

    def close(self) -> None:
        """Stop following and close every connection."""
        self._follower.close()
        with self._readers_lock:
            for reader in self._readers:
                try:
                    reader.close()
                except Exception:  # a reader of another thread: sqlite refuses, the GC closes it
                    continue
            self._readers.clear()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------------

    @property
    def reader(self) -> Reader:
        """This thread's read connection."""
        reader: Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = Reader(self._path)
            self._local.reader = reader
            with self._readers_lock:
                self._readers.append(reader)
        return reader

    # Each query is the reader's own method, run on this thread's reader (same signature, same doc).
    administration = _on_reader(Reader.administration)
    exchange_key = _on_reader(Reader.exchange_key)
    exchange_key_history = _on_reader(Reader.exchange_key_history)
    administrations = _on_reader(Reader.administrations)
    certificate = _on_reader(Reader.certificate)
    history = _on_reader(Reader.history)
    certificates = _on_reader(Reader.certificates)
    status_at = _on_reader(Reader.status_at)
    recognition_at = _on_reader(Reader.recognition_at)
    mra = _on_reader(Reader.mra)
    mras_of = _on_reader(Reader.mras_of)
    mra_history = _on_reader(Reader.mra_history)
    inbox = _on_reader(Reader.inbox)
    feed = _on_reader(Reader.feed)
    recent_events = _on_reader(Reader.recent_events)

    def kpis(self, code: str, at: int | None = None, months: int | None = None) -> AdministrationKpis:
        """Key figures of an administration (see :func:`~ledger_client.index.kpis.administration_kpis`)."""
        return administration_kpis(self.reader, code, at, months)
