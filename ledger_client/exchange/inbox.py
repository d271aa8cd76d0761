"""The partner gateway's received documents (``<state>/received-envelopes.sqlite``).

=====================  =================================================================
table                  holds
=====================  =================================================================
received               per foreign certificate: its latest opened document (canonical
                       JSON, checked against the chain), the event it belongs to, when
trader_ids             normalised trader identifiers → certificates (the border lookup)
fetch_cursors          per issuer: the envelope row fetched through, last success/error
rejected               envelopes that did not open or did not match the chain, and why
=====================  =================================================================
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_client.exchange.database import LockedSqliteStore, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    certificate_id BLOB PRIMARY KEY, issuer TEXT NOT NULL, sequence INTEGER NOT NULL,
    document_hash BLOB NOT NULL, document BLOB NOT NULL, number TEXT NOT NULL, legal_name TEXT NOT NULL,
    received_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trader_ids (
    identifier TEXT NOT NULL, certificate_id BLOB NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (identifier, certificate_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trader_ids_certificate ON trader_ids (certificate_id);
CREATE TABLE IF NOT EXISTS fetch_cursors (
    issuer TEXT PRIMARY KEY, after INTEGER NOT NULL, fetched_at REAL, last_error TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, issuer TEXT NOT NULL, envelope_id INTEGER NOT NULL,
    certificate_id BLOB, reason TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ForeignDocument:
    """A foreign certificate's document as opened and checked: which event of which certificate it
    is the document of, and the operator it names."""

    certificate_id: bytes
    issuer: str
    sequence: int
    document_hash: bytes
    document: bytes
    number: str
    legal_name: str


@dataclass(frozen=True)
class ReceivedDocument(ForeignDocument):
    """A foreign certificate's document as kept, with the time it was received."""

    received_at: float


@dataclass(frozen=True)
class Accepted(ForeignDocument):
    """A document to keep, with its trader identifiers ``(kind, normalised)``."""

    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Rejection:
    """An envelope that was refused, and why."""

    issuer: str
    envelope_id: int
    certificate_id: bytes | None
    reason: str


_COLUMNS = "certificate_id, issuer, sequence, document_hash, document, number, legal_name, received_at"


def _received(row: Sequence[Any]) -> ReceivedDocument:
    return ReceivedDocument(
        bytes(row[0]), str(row[1]), int(row[2]), bytes(row[3]), bytes(row[4]), str(row[5]), str(row[6]), float(row[7])
    )


class EnvelopeInbox(LockedSqliteStore):
    """What a partner's gateway received from issuers' gateways (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, _SCHEMA)

    def cursor(self, issuer: str) -> int:
        """The envelope row fetched through from ``issuer`` (0 at first)."""
        with self._lock:
            row = self._conn.execute("SELECT after FROM fetch_cursors WHERE issuer = ?", (issuer,)).fetchone()
        return 0 if row is None else int(row[0])

    def keep(self, issuer: str, accepted: Sequence[Accepted], rejected: Sequence[Rejection], after: int) -> None:
        """Keep a page's documents (a newer event's document replaces an older one), log its rejections and
        move ``issuer``'s cursor to ``after``, in one transaction."""
        now = time.time()
        with self._lock, transaction(self._conn):
            for a in accepted:
                row = self._conn.execute(
                    "SELECT sequence FROM received WHERE certificate_id = ?", (a.certificate_id,)
                ).fetchone()
                if row is not None and int(row[0]) > a.sequence:
                    continue
                self._conn.execute(
                    f"INSERT OR REPLACE INTO received ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (a.certificate_id, a.issuer, a.sequence, a.document_hash, a.document, a.number, a.legal_name, now),
                )
                self._conn.execute("DELETE FROM trader_ids WHERE certificate_id = ?", (a.certificate_id,))
                self._conn.executemany(
                    "INSERT OR IGNORE INTO trader_ids (identifier, certificate_id, kind) VALUES (?, ?, ?)",
                    [(value, a.certificate_id, kind) for kind, value in a.identifiers],
                )
            self._conn.executemany(
                "INSERT INTO rejected (at, issuer, envelope_id, certificate_id, reason) VALUES (?, ?, ?, ?, ?)",
                [(now, r.issuer, r.envelope_id, r.certificate_id, r.reason) for r in rejected],
            )
            self._conn.execute(
                "INSERT INTO fetch_cursors (issuer, after, fetched_at, last_error) VALUES (?, ?, ?, NULL)"
                " ON CONFLICT (issuer) DO UPDATE SET after = excluded.after, fetched_at = excluded.fetched_at,"
                " last_error = NULL",
                (issuer, after, now),
            )

    def note_error(self, issuer: str, error: str) -> None:
        """Remember the last failure fetching from ``issuer``."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO fetch_cursors (issuer, after, last_error) VALUES (?, 0, ?)"
                " ON CONFLICT (issuer) DO UPDATE SET last_error = excluded.last_error",
                (issuer, error),
            )

    def find(self, identifier: str) -> list[tuple[ReceivedDocument, str]]:
        """The documents whose operator has normalised identifier ``identifier``, with the kind that matched."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}, t.kind FROM trader_ids t"
                " JOIN received r ON r.certificate_id = t.certificate_id WHERE t.identifier = ?"
                " ORDER BY r.issuer, r.number",
                (identifier,),
            ).fetchall()
        return [(_received(r[:-1]), str(r[-1])) for r in rows]

    def document(self, certificate_id: bytes) -> ReceivedDocument | None:
        """The kept document of a certificate, or ``None``."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM received WHERE certificate_id = ?", (certificate_id,)
            ).fetchone()
        return None if row is None else _received(row)

    def count(self) -> int:
        """How many foreign certificates' documents are kept."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM received").fetchone()[0])

    def rejections(self, limit: int = 100) -> list[Rejection]:
        """The latest rejected envelopes, newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT issuer, envelope_id, certificate_id, reason FROM rejected ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Rejection(str(r[0]), int(r[1]), None if r[2] is None else bytes(r[2]), str(r[3])) for r in rows]
