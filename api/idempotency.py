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
CREATE TABLE IF NOT EXISTS idempotency_transactions (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,      -- the n-th transaction the request sent
    recipient TEXT,
    data_sha256 TEXT NOT NULL,
    raw BLOB NOT NULL,              -- the signed transaction, recorded before it was sent
    PRIMARY KEY (scope, key, position)
);
"""

#: ``owner`` of a key whose request stopped after sending a transaction (5xx): any retry takes it.
RELEASED = ""


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
                elif row[5] != self._owner or row[5] == RELEASED:
                    # Taken by a server that has since stopped, or released after a failure: this
                    # retry runs the request again, and :class:`IdempotencyJournal` makes it
                    # re-send the transactions the first run signed (same nonce, same hash)
                    # instead of new ones, so each lands once and the retry answers as the first
                    # run would have.
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
        """Free a claim whose request failed transiently (5xx) so that the client may retry it.

        A request that sent nothing is forgotten; one that recorded transactions stays, released,
        so the retry re-sends those transactions rather than new ones.
        """
        with self._lock:
            sent = self._conn.execute(
                "SELECT 1 FROM idempotency_transactions WHERE scope = ? AND key = ? LIMIT 1", (scope, key)
            ).fetchone()
            if sent is None:
                self._conn.execute(
                    "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'in_progress'", (scope, key)
                )
            else:
                self._conn.execute(
                    "UPDATE idempotency_keys SET owner = ? WHERE scope = ? AND key = ? AND state = 'in_progress'",
                    (RELEASED, scope, key),
                )

    def record_transaction(
        self, scope: str, key: str, position: int, recipient: str | None, *, data: bytes, raw: bytes
    ) -> None:
        """Record (durably, before it is sent) the ``position``-th signed transaction of a request."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO idempotency_transactions (scope, key, position, recipient, data_sha256, raw) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (scope, key, position, recipient, hashlib.sha256(data).hexdigest(), raw),
            )

    def recorded_transactions(self, scope: str, key: str) -> dict[int, tuple[str | None, str, bytes]]:
        """The transactions a request recorded: position -> (recipient, sha256 of data, signed bytes)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT position, recipient, data_sha256, raw FROM idempotency_transactions "
                "WHERE scope = ? AND key = ?",
                (scope, key),
            ).fetchall()
        return {int(r[0]): (r[1], str(r[2]), bytes(r[3])) for r in rows}

    def purge(self, older_than: float | None = None) -> int:
        """Delete completed keys older than the retention period; return how many."""
        cutoff = time.time() - (self._retention if older_than is None else older_than)
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM idempotency_keys WHERE state = 'completed' AND created_at < ?", (cutoff,)
            )
            self._conn.execute(
                "DELETE FROM idempotency_transactions WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys k "
                "WHERE k.scope = idempotency_transactions.scope AND k.key = idempotency_transactions.key)"
            )
        return int(cur.rowcount)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()


class IdempotencyJournal:
    """The :class:`~ledger_client.transactions.TransactionJournal` of one request's Idempotency-Key.

    Each transaction the request signs is recorded before it is sent; a retry of the same request
    (after a crash or a 5xx) is handed back the transaction signed at the same position for the
    same call, so the sender re-sends it instead of signing a new one.
    """

    def __init__(self, store: IdempotencyStore, scope: str, key: str) -> None:
        self._store = store
        self._scope = scope
        self._key = key
        self._recorded = store.recorded_transactions(scope, key)

    def replay(self, position: int, recipient: str | None, data: bytes) -> bytes | None:
        """The transaction recorded at ``position`` for this very call, if any."""
        recorded = self._recorded.get(position)
        if recorded is None:
            return None
        to, data_sha256, raw = recorded
        if to != recipient or data_sha256 != hashlib.sha256(data).hexdigest():
            return None
        return raw

    def record(self, position: int, recipient: str | None, data: bytes, raw: bytes) -> None:
        """Record a signed transaction before it is sent."""
        self._store.record_transaction(self._scope, self._key, position, recipient, data=data, raw=raw)
        self._recorded[position] = (recipient, hashlib.sha256(data).hexdigest(), raw)
