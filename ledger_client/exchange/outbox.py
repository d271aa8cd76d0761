"""The issuer gateway's envelopes (``<state>/envelopes.sqlite``), never on the chain.

=====================  =================================================================
table                  holds
=====================  =================================================================
envelopes              one row per (certificate, event, recipient, recipient key): HPKE
                       ``enc`` and ciphertext of the document; the row id is the fetch cursor
maker_state            the chain position the maker scanned through
recipients             per partner: the key sealed to and the MRAs that covered it at the
                       last scan (a change of either triggers backfill or re-encryption)
request_nonces         nonces of accepted envelope requests, until their timestamp expires
refusals               every refused envelope request: when, who claimed to ask, the key, why
=====================  =================================================================
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_client.exchange.database import LockedSqliteStore, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS envelopes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id BLOB NOT NULL,
    sequence INTEGER NOT NULL,          -- the certificate event whose document this is
    recipient TEXT NOT NULL,
    recipient_key BLOB NOT NULL,        -- the X25519 public key sealed to
    document_hash BLOB NOT NULL,
    enc BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (certificate_id, recipient, sequence, recipient_key)
);
CREATE INDEX IF NOT EXISTS envelopes_recipient ON envelopes (recipient, recipient_key, id);
CREATE TABLE IF NOT EXISTS maker_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recipients (
    code TEXT PRIMARY KEY, public_key BLOB NOT NULL, coverage TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS request_nonces (
    nonce BLOB PRIMARY KEY, requester TEXT NOT NULL, expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS request_nonces_expiry ON request_nonces (expires_at);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, requester TEXT, address TEXT,
    reason TEXT NOT NULL, detail TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class NewEnvelope:
    """One sealed document for one recipient, to store (its id is assigned on insert)."""

    certificate_id: bytes
    sequence: int
    recipient: str
    recipient_key: bytes
    document_hash: bytes
    enc: bytes
    ciphertext: bytes


@dataclass(frozen=True, kw_only=True)
class Envelope(NewEnvelope):
    """One sealed document for one recipient, as stored: with its id and the time it was made."""

    id: int
    created_at: float


@dataclass(frozen=True)
class Refusal:
    """A refused envelope request, as logged."""

    at: float
    requester: str | None
    address: str | None
    reason: str
    detail: str


_COLUMNS = "id, certificate_id, sequence, recipient, recipient_key, document_hash, enc, ciphertext, created_at"


def _envelope(row: Sequence[Any]) -> Envelope:
    return Envelope(
        bytes(row[1]),
        int(row[2]),
        str(row[3]),
        bytes(row[4]),
        bytes(row[5]),
        bytes(row[6]),
        bytes(row[7]),
        id=int(row[0]),
        created_at=float(row[8]),
    )


class EnvelopeOutbox(LockedSqliteStore):
    """The envelopes an issuer's gateway made, and the bookkeeping of who fetched what (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, _SCHEMA)

    # --- the maker's state ------------------------------------------------------------------

    def cursor(self) -> int:
        """The chain position scanned through (-1 at first)."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM maker_state WHERE key = 'cursor'").fetchone()
        return -1 if row is None else int(row[0])

    def recipients(self) -> dict[str, tuple[bytes, str]]:
        """Per partner: the key and the coverage (a canonical string of MRA ids) of the last scan."""
        with self._lock:
            rows = self._conn.execute("SELECT code, public_key, coverage FROM recipients").fetchall()
        return {str(r[0]): (bytes(r[1]), str(r[2])) for r in rows}

    def existing(self, recipient: str, recipient_key: bytes) -> set[tuple[bytes, int]]:
        """The (certificate, event) pairs already sealed to ``recipient_key``."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT certificate_id, sequence FROM envelopes WHERE recipient = ? AND recipient_key = ?",
                (recipient, recipient_key),
            ).fetchall()
        return {(bytes(r[0]), int(r[1])) for r in rows}

    def commit(
        self,
        envelopes: Iterable[NewEnvelope],
        *,
        cursor: int | None = None,
        recipients: dict[str, tuple[bytes, str]] | None = None,
    ) -> int:
        """Store ``envelopes`` (those already there are ignored) and the maker's new state, in one
        transaction; return how many were new."""
        now = time.time()
        rows = [
            (e.certificate_id, e.sequence, e.recipient, e.recipient_key, e.document_hash, e.enc, e.ciphertext, now)
            for e in envelopes
        ]
        with self._lock, transaction(self._conn):
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO envelopes (certificate_id, sequence, recipient, recipient_key, document_hash,"
                " enc, ciphertext, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = self._conn.total_changes - before
            if cursor is not None:
                self._conn.execute(
                    "INSERT INTO maker_state (key, value) VALUES ('cursor', ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (cursor,),
                )
            for code, (key, coverage) in (recipients or {}).items():
                self._conn.execute(
                    "INSERT INTO recipients (code, public_key, coverage) VALUES (?, ?, ?) ON CONFLICT (code)"
                    " DO UPDATE SET public_key = excluded.public_key, coverage = excluded.coverage",
                    (code, key, coverage),
                )
        return added

    # --- serving ----------------------------------------------------------------------------

    def page(self, recipient: str, recipient_key: bytes, after: int, limit: int) -> tuple[list[Envelope], bool]:
        """Envelopes sealed to ``recipient_key`` after row ``after``, in row order, and whether more follow."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM envelopes WHERE recipient = ? AND recipient_key = ? AND id > ?"
                " ORDER BY id LIMIT ?",
                (recipient, recipient_key, after, limit + 1),
            ).fetchall()
        return [_envelope(r) for r in rows[:limit]], len(rows) > limit

    def count(self, recipient: str | None = None) -> int:
        """How many envelopes are stored (for ``recipient``)."""
        with self._lock:
            if recipient is None:
                return int(self._conn.execute("SELECT COUNT(*) FROM envelopes").fetchone()[0])
            return int(
                self._conn.execute("SELECT COUNT(*) FROM envelopes WHERE recipient = ?", (recipient,)).fetchone()[0]
            )

    def envelopes_of(self, certificate_id: bytes) -> list[Envelope]:
        """Every envelope of a certificate, in row order."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM envelopes WHERE certificate_id = ? ORDER BY id", (certificate_id,)
            ).fetchall()
        return [_envelope(r) for r in rows]

    # --- request bookkeeping ------------------------------------------------------------------

    def use_nonce(self, nonce: bytes, requester: str, expires_at: float) -> bool:
        """Record ``nonce``; ``False`` when it was already used (a replay). Expired nonces are purged."""
        with self._lock, transaction(self._conn):
            self._conn.execute("DELETE FROM request_nonces WHERE expires_at < ?", (time.time(),))
            try:
                self._conn.execute(
                    "INSERT INTO request_nonces (nonce, requester, expires_at) VALUES (?, ?, ?)",
                    (nonce, requester, expires_at),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def log_refusal(self, refusal: Refusal) -> None:
        """Keep a refused request in the log."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO refusals (at, requester, address, reason, detail) VALUES (?, ?, ?, ?, ?)",
                (refusal.at, refusal.requester, refusal.address, refusal.reason, refusal.detail),
            )

    def refusals(self, limit: int = 100) -> list[Refusal]:
        """The latest refusals, newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT at, requester, address, reason, detail FROM refusals ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Refusal(float(r[0]), r[1], r[2], str(r[3]), str(r[4])) for r in rows]
