"""The :class:`Index` facade: one follower (writer) and a read connection per thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from web3 import Web3

from ledger_client.index.follower import Follower, SyncReport
from ledger_client.index.kpis import administration_kpis
from ledger_client.index.queries import Reader
from ledger_client.index.results import (
    AdministrationKpis,
    CertificateEventRow,
    CertificateStateAt,
    FeedPage,
    IndexedAdministration,
    IndexedCertificate,
    IndexedExchangeKey,
    IndexedMra,
    IssuerEvent,
    MraEventRow,
    Page,
)
from ledger_client.index.sources import LogSource, source_for
from ledger_client.models import CertificateStatus, Recognition


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

    def __init__(
        self,
        path: str | Path,
        source: LogSource,
        *,
        start_block: int,
        chain_id: int | None = None,
        confirmations: int = 0,
        batch_blocks: int = 500,
        start_hash: bytes | None = None,
    ) -> None:
        self._path = Path(path)
        self._follower = Follower(
            self._path,
            source,
            start_block=start_block,
            chain_id=chain_id,
            confirmations=confirmations,
            batch_blocks=batch_blocks,
            start_hash=start_hash,
        )
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

    def administration(self, code: str) -> IndexedAdministration | None:
        """One administration."""
        return self.reader.administration(code)

    def exchange_key(self, code: str, at: int | None = None) -> IndexedExchangeKey | None:
        """``code``'s current exchange key and gateway URL (or the one in force at ``at``)."""
        return self.reader.exchange_key(code, at)

    def exchange_key_history(self, code: str) -> list[IndexedExchangeKey]:
        """Every publication of ``code``'s exchange key, version 1 first."""
        return self.reader.exchange_key_history(code)

    def administrations(self) -> list[IndexedAdministration]:
        """Every administration."""
        return self.reader.administrations()

    def certificate(self, certificate_id: bytes | str) -> IndexedCertificate | None:
        """A certificate's current state."""
        return self.reader.certificate(certificate_id)

    def history(
        self, certificate_id: bytes | str, cursor: str | None = None, limit: int = 100
    ) -> Page[CertificateEventRow]:
        """A certificate's events, paged."""
        return self.reader.history(certificate_id, cursor, limit)

    def certificates(
        self,
        *,
        issuer: str | None = None,
        status: CertificateStatus | None = None,
        programme: int | None = None,
        role: int | None = None,
        sme: bool | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[IndexedCertificate]:
        """Certificates by issuer, status, programme bit, role bit and SME flag, paged."""
        return self.reader.certificates(
            issuer=issuer, status=status, programme=programme, role=role, sme=sme, cursor=cursor, limit=limit
        )

    def status_at(self, certificate_id: bytes | str, at: int) -> CertificateStateAt:
        """A certificate's recorded state at time ``at``."""
        return self.reader.status_at(certificate_id, at)

    def recognition_at(self, certificate_id: bytes | str, recognizer: str, at: int) -> Recognition:
        """Whether ``recognizer`` recognised the certificate at time ``at``."""
        return self.reader.recognition_at(certificate_id, recognizer, at)

    def mra(self, mra_id: int) -> IndexedMra | None:
        """One MRA."""
        return self.reader.mra(mra_id)

    def mras_of(self, code: str) -> list[IndexedMra]:
        """The MRAs an administration is party to."""
        return self.reader.mras_of(code)

    def mra_history(self, mra_id: int) -> list[MraEventRow]:
        """An MRA's events."""
        return self.reader.mra_history(mra_id)

    def inbox(self, partner: str, cursor: str | None = None, limit: int = 100) -> Page[CertificateEventRow]:
        """Partners' certificate events ``partner`` has not acknowledged (see :meth:`Reader.inbox`)."""
        return self.reader.inbox(partner, cursor, limit)

    def feed(self, partner: str, cursor: str | None = None, limit: int = 100) -> FeedPage:
        """Partners' certificate events since ``cursor`` (see :meth:`Reader.feed`)."""
        return self.reader.feed(partner, cursor, limit)

    def recent_events(self, issuer: str, limit: int = 20) -> list[IssuerEvent]:
        """The latest events of ``issuer``'s certificates and who acknowledged them (:meth:`Reader.recent_events`)."""
        return self.reader.recent_events(issuer, limit)

    def kpis(self, code: str, at: int | None = None, months: int | None = None) -> AdministrationKpis:
        """Key figures of an administration (see :func:`~ledger_client.index.kpis.administration_kpis`)."""
        return administration_kpis(self.reader, code, at, months)
