"""API tokens: created by the CLI, stored hashed, revocable.

A token is shown once, at creation (``aeo_`` + 43 url-safe characters, 256 random bits). Only
its sha256 is stored: a high-entropy secret needs no slow hash, and a stolen database yields no
usable token. Each token grants one role, for one administration (governance tokens for none; an ``agency``
token, another government agency of that administration, only reads, and its reads are logged).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ledger_client.errors import LedgerValueError

TOKEN_PREFIX = "aeo_"


class Role(StrEnum):
    """What a token may do."""

    WRITER = "writer"  # write its administration's certificates, MRAs, acknowledgements; read
    READER = "reader"  # read what its administration may see
    AUDITOR = "auditor"  # read everything, run verifications (administration optional)
    GOVERNANCE = "governance"  # register and freeze administrations; read everything
    AGENCY = "agency"  # another government agency under an administration: reads, never writes; its reads are logged


class UnknownTokenError(LedgerValueError, LookupError):
    """No token has this id."""


@dataclass(frozen=True)
class TokenRecord:
    """A stored token (never the secret itself)."""

    id: int
    role: Role
    administration: str | None
    label: str
    created_at: int
    revoked_at: int | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    administration TEXT,
    label TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
"""


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """Tokens in a SQLite file (thread-safe; authentication hits an in-memory cache)."""

    def __init__(self, path: Path | str, *, administration: str | None = None) -> None:
        self._path = str(path)
        self.administration = administration
        """A gateway's administration: only its tokens (and consortium auditors') are created and accepted."""
        Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        self._cache: dict[str, TokenRecord] = {}
        self._cache_version: tuple[int, int] = (-1, -1)

    def create(self, role: Role | str, administration: str | None, label: str = "") -> tuple[TokenRecord, str]:
        """Create a token; returns its record and the secret (shown once)."""
        role = Role(role)
        if role is Role.GOVERNANCE:
            if administration is not None:
                raise LedgerValueError("governance tokens belong to the consortium, not to an administration")
        elif role is Role.AUDITOR and administration is None:
            pass  # a consortium auditor (an auditor token may also name the administration it audits for)
        elif (
            administration is None
            or not administration.isascii()
            or len(administration) != 2
            or not all("A" <= c <= "Z" for c in administration.upper())
        ):
            raise LedgerValueError(
                f"a {role.value} token needs --admin with an ISO 3166-1 alpha-2 code, got {administration!r}"
            )
        else:
            administration = administration.upper()
        self._check_gateway(role, administration)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = int(time.time())
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO api_tokens (token_sha256, role, administration, label, created_at) VALUES (?, ?, ?, ?, ?)",
                (hash_token(secret), role.value, administration, label, now),
            )
            token_id = int(cur.lastrowid or 0)
        return TokenRecord(token_id, role, administration, label, now, None), secret

    def admits(self, record: TokenRecord) -> bool:
        """Whether this store's gateway accepts ``record`` (always, outside gateway mode)."""
        if self.administration is None:
            return True
        if record.role is Role.GOVERNANCE:
            return False
        if record.role is Role.AUDITOR and record.administration is None:
            return True
        return record.administration == self.administration

    def _check_gateway(self, role: Role, administration: str | None) -> None:
        if self.administration is None:
            return
        if role is Role.GOVERNANCE:
            raise LedgerValueError(
                f"this is administration {self.administration}'s gateway: governance tokens belong to the "
                "consortium's governance, never to an administration's gateway"
            )
        if administration not in (None, self.administration):
            raise LedgerValueError(
                f"this is administration {self.administration}'s gateway: it issues tokens for "
                f"{self.administration} only, not for {administration}"
            )

    def revoke(self, token_id: int) -> TokenRecord:
        """Revoke a token: it is refused from the next request on."""
        with self._lock:
            self._conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (int(time.time()), token_id)
            )
            record = self._get(token_id)
        if record is None:
            raise UnknownTokenError(f"no API token with id {token_id}")
        return record

    def list(self) -> list[TokenRecord]:
        """Every token, newest last."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, role, administration, label, created_at, revoked_at FROM api_tokens ORDER BY id"
            ).fetchall()
        return [_record(row) for row in rows]

    def get(self, token_id: int) -> TokenRecord:
        """One token's record; :class:`UnknownTokenError` when there is none."""
        with self._lock:
            record = self._get(token_id)
        if record is None:
            raise UnknownTokenError(f"no API token with id {token_id}")
        return record

    def authenticate(self, secret: str) -> TokenRecord | None:
        """The active token with this secret, or None. Revocations are seen on the next call."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        digest = hash_token(secret)
        with self._lock:
            # data_version changes when another connection (the CLI) commits; total_changes when this one does.
            version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            total = self._conn.total_changes
            marker = (version, total)
            if marker != self._cache_version:
                self._cache.clear()
                self._cache_version = marker
            cached = self._cache.get(digest)
            if cached is not None:
                return cached
            row = self._conn.execute(
                "SELECT id, role, administration, label, created_at, revoked_at FROM api_tokens "
                "WHERE token_sha256 = ? AND revoked_at IS NULL",
                (digest,),
            ).fetchone()
            if row is None:
                return None
            record = _record(row)
            self._cache[digest] = record
            return record

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def _get(self, token_id: int) -> TokenRecord | None:
        row = self._conn.execute(
            "SELECT id, role, administration, label, created_at, revoked_at FROM api_tokens WHERE id = ?", (token_id,)
        ).fetchone()
        return None if row is None else _record(row)


def _record(row: tuple[int, str, str | None, str, int, int | None]) -> TokenRecord:
    return TokenRecord(int(row[0]), Role(row[1]), row[2], row[3], int(row[4]), row[5])
