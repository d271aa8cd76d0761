"""Idempotency-Key handling for POST requests: the store.

A retry with the same key and the same body returns the first response and sends no second
transaction; the same key with another body is refused. Keys are scoped per API token. The
store is a SQLite table, so replays survive a restart of the server. The HTTP side lives in
:mod:`api.middleware`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

MAX_KEY_LENGTH = 255
#: Completed keys are kept this long (a day: longer than any client's retry window).
DEFAULT_RETENTION_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,            -- 'in_progress' | 'completed'
    status_code INTEGER,
    content_type TEXT,
    body BLOB,
    created_at REAL NOT NULL,
    owner TEXT NOT NULL,            -- the server instance that took the key
    PRIMARY KEY (scope, key)
);
"""


class Outcome(Enum):
    """What to do with a request that carries an Idempotency-Key."""

    PROCEED = "proceed"  # first time: run it, then call complete()
    REPLAY = "replay"  # done before with the same body: return the stored response
    MISMATCH = "mismatch"  # the key was used with another request
    IN_PROGRESS = "in_progress"  # the first request is still running


@dataclass(frozen=True)
class Claim:
    """The result of :meth:`IdempotencyStore.claim` (the stored response for a REPLAY)."""

    outcome: Outcome
    status_code: int | None = None
    content_type: str | None = None
    body: bytes | None = None


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A request's identity for idempotency: method, path (with query) and exact body bytes."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    """Idempotency keys in SQLite. One instance per server process (``owner`` names it)."""

    def __init__(self, path: Path | str, owner: str, *, retention_seconds: float = DEFAULT_RETENTION_SECONDS) -> None:
        self._lock = threading.Lock()
        self._owner = owner
        self._retention = retention_seconds
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self.purge()

    def claim(self, scope: str, key: str, request_fingerprint: str) -> Claim:
        """Take the key for this request, or say why not."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT fingerprint, state, status_code, content_type, body, owner FROM idempotency_keys "
                    "WHERE scope = ? AND key = ?",
                    (scope, key),
                ).fetchone()
                if row is None:
                    self._conn.execute(
                        "INSERT INTO idempotency_keys (scope, key, fingerprint, state, created_at, owner) "
                        "VALUES (?, ?, ?, 'in_progress', ?, ?)",
                        (scope, key, request_fingerprint, time.time(), self._owner),
                    )
                    claim = Claim(Outcome.PROCEED)
                elif row[0] != request_fingerprint:
                    claim = Claim(Outcome.MISMATCH)
                elif row[1] == "completed":
                    claim = Claim(Outcome.REPLAY, int(row[2]), row[3], bytes(row[4]))
                elif row[5] != self._owner:
                    # Taken by a server that has since stopped: this retry runs it again. Writes
                    # are safe to re-run: the contracts refuse a second issue of the same number
                    # and any transition that no longer applies.
                    self._conn.execute(
                        "UPDATE idempotency_keys SET owner = ?, created_at = ? WHERE scope = ? AND key = ?",
                        (self._owner, time.time(), scope, key),
                    )
                    claim = Claim(Outcome.PROCEED)
                else:
                    claim = Claim(Outcome.IN_PROGRESS)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return claim

    def complete(self, scope: str, key: str, status_code: int, content_type: str, body: bytes) -> None:
        """Store the response of a finished request (2xx and 4xx: a retry gets the same answer)."""
        with self._lock:
            self._conn.execute(
                "UPDATE idempotency_keys SET state = 'completed', status_code = ?, content_type = ?, body = ? "
                "WHERE scope = ? AND key = ?",
                (status_code, content_type, body, scope, key),
            )

    def release(self, scope: str, key: str) -> None:
        """Forget a claim whose request failed transiently (5xx): the client may retry it."""
        with self._lock:
            self._conn.execute(
                "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'in_progress'", (scope, key)
            )

    def purge(self, older_than: float | None = None) -> int:
        """Delete completed keys older than the retention period; return how many."""
        cutoff = time.time() - (self._retention if older_than is None else older_than)
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM idempotency_keys WHERE state = 'completed' AND created_at < ?", (cutoff,)
            )
        return int(cur.rowcount)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
