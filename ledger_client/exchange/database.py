"""SQLite connections of the exchange stores (WAL, ``synchronous=NORMAL``, one lock per store)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


def connect(path: str | Path, schema: str) -> sqlite3.Connection:
    """A connection to ``path`` (created with ``schema`` if new), shared by the store's threads under its lock."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(schema)
    return conn


class transaction:  # noqa: N801 - used as ``with transaction(conn):``
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on an exception)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


class LockedSqliteStore:
    """A store on one SQLite file at ``path``, its connection shared by threads under ``_lock``."""

    def __init__(self, path: str | Path, schema: str) -> None:
        self.path = Path(path)
        self._conn = connect(self.path, schema)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()
