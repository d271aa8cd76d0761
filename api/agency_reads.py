"""The access log of other government agencies' reads (``agency`` tokens), kept per administration.

An ``agency`` token (a sanitary or phytosanitary authority, a port authority …) reads under its
administration. Every request it makes is recorded here by the access middleware
(:mod:`api.access`) once it is answered — method, path, query (without anything that looks like a
token), status and time — and the administration's writers and auditors list them with
``GET /v1/administrations/{code}/agency-reads``. Stored in ``<state>/agency-reads.sqlite``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from api.tokens import TOKEN_PREFIX

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agency_reads (
    id INTEGER PRIMARY KEY,
    administration TEXT NOT NULL,
    token_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS agency_reads_by_administration ON agency_reads (administration, id);
"""

_REQUEST_COLUMNS = "administration, token_id, label, method, path, query, status, request_id"
_COLUMNS = f"{_REQUEST_COLUMNS}, id, at"


@dataclass(frozen=True, slots=True)
class AgencyRequest:
    """One answered request of an agency token: whose token, what it asked, what it was answered."""

    administration: str
    token_id: int
    label: str
    method: str
    path: str
    query: str
    status: int
    request_id: str


@dataclass(frozen=True, slots=True)
class AgencyRead(AgencyRequest):
    """One request an agency token made, as recorded: its position in the log and when it was answered."""

    id: int
    at: float


def scrubbed_query(query: str) -> str:
    """``query`` without parameters whose value looks like an API token (never stored)."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not v.startswith(TOKEN_PREFIX)]
    return urlencode(kept)


class AgencyReadLog:
    """Agency reads in a SQLite file (thread-safe)."""

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def record(self, request: AgencyRequest, at: float | None = None) -> None:
        """Record one answered request of an agency token (its query without anything like a token)."""
        r = request
        with self._lock:
            self._conn.execute(
                f"INSERT INTO agency_reads ({_REQUEST_COLUMNS}, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r.administration,
                    r.token_id,
                    r.label,
                    r.method,
                    r.path,
                    scrubbed_query(r.query),
                    r.status,
                    r.request_id,
                    time.time() if at is None else at,
                ),
            )

    def list(self, administration: str, after: int = 0, limit: int = 100) -> list[AgencyRead]:
        """The administration's agency reads with id > ``after``, oldest first, at most ``limit``."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM agency_reads WHERE administration = ? AND id > ? ORDER BY id LIMIT ?",
                (administration, after, limit),
            ).fetchall()
        return [AgencyRead(*row) for row in rows]

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
