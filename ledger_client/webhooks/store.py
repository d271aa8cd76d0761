"""The durable webhook outbox of one gateway: endpoints, messages, deliveries and the attempt log (SQLite).

=====================  =================================================================
table                  holds
=====================  =================================================================
webhook_endpoints      registered URLs per administration: secret (and the previous one
                       during a rotation's grace period), event-type filter, paused flag,
                       and ``cursor_pos``: the chain position scanned through for it
webhook_messages       each event's signed body, once per (administration, event id)
webhook_deliveries     one per (endpoint, event): pending / delivered / failed, attempts
                       made, when the next one is due, the last status code or error
webhook_attempts       the delivery log: every attempt's time, status code, latency, error
=====================  =================================================================

Enqueueing inserts messages and deliveries and moves the endpoint's cursor in one transaction, and
ignores what is already there (idempotent by event id), so a gateway killed at any moment resumes
where it was: pending deliveries are tried again (at-least-once), nothing is enqueued twice.

The database is in WAL mode with ``synchronous=NORMAL``: a committed transaction survives the
process (``kill -9``); a power cut may lose the last ones, and that is safe too, since each
transaction moves a cursor with what it enqueued (both come back from the index) and a delivery
whose success is lost is only sent again. No fsync per attempt, so deliveries stay prompt.
"""

from __future__ import annotations

import json
import secrets as _random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ledger_client.webhooks.errors import (
    WebhookDeliveryNotFoundError,
    WebhookEndpointNotFoundError,
    WebhookEventNotFoundError,
)
from ledger_client.webhooks.policy import RetryPolicy, succeeded

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id TEXT PRIMARY KEY,
    administration TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    event_types TEXT,                   -- JSON list; NULL: every type
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_expires_at REAL,
    paused INTEGER NOT NULL DEFAULT 0,
    cursor_pos INTEGER NOT NULL,        -- chain position scanned through for this endpoint
    created_at REAL NOT NULL,
    rotated_at REAL
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_admin ON webhook_endpoints (administration, created_at);
CREATE TABLE IF NOT EXISTS webhook_messages (
    administration TEXT NOT NULL,
    id TEXT NOT NULL,                   -- the event id, sent as webhook-id
    type TEXT NOT NULL,
    pos INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (administration, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_messages_pos ON webhook_messages (administration, pos);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id TEXT NOT NULL,
    administration TEXT NOT NULL,
    message_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    status TEXT NOT NULL,               -- pending | delivered | failed
    attempts INTEGER NOT NULL,          -- attempts in the current cycle (a replay starts a new one)
    next_attempt_at REAL,
    last_status_code INTEGER,
    last_error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    delivered_at REAL,
    UNIQUE (endpoint_id, message_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, status, next_attempt_at);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    started_at REAL NOT NULL,
    status_code INTEGER,
    latency_ms REAL NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
"""


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class Endpoint:
    """A registered receiver of one administration."""

    id: str
    administration: str
    url: str
    description: str
    event_types: tuple[str, ...] | None
    secret: str
    previous_secret: str | None
    previous_expires_at: float | None
    paused: bool
    cursor_pos: int
    created_at: float
    rotated_at: float | None

    def signing_secrets(self, now: float) -> list[str]:
        """The secrets to sign with now: the current one, and the previous one within its grace period."""
        return list(_signing_secrets(self.secret, self.previous_secret, self.previous_expires_at, now))

    def wants(self, event_type: str) -> bool:
        """Whether the endpoint subscribed to ``event_type``."""
        return self.event_types is None or event_type in self.event_types


@dataclass(frozen=True)
class Message:
    """One event's signed body, as enqueued."""

    id: str
    type: str
    pos: int
    occurred_at: int
    body: bytes


@dataclass(frozen=True)
class Delivery:
    """One event to one endpoint."""

    id: int
    endpoint_id: str
    administration: str
    message_id: str
    message_type: str
    pos: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: float | None
    last_status_code: int | None
    last_error: str | None
    created_at: float
    updated_at: float
    delivered_at: float | None


@dataclass(frozen=True)
class Attempt:
    """One entry of the delivery log."""

    delivery_id: int
    started_at: float
    status_code: int | None
    latency_ms: float
    error: str | None


@dataclass(frozen=True)
class DueDelivery:
    """A delivery to try now, with everything the request needs."""

    id: int
    endpoint_id: str
    url: str
    message_id: str
    body: bytes
    secrets: tuple[str, ...]
    attempts: int


@dataclass(frozen=True)
class EndpointStats:
    """Backlog figures of an endpoint (or of the whole outbox)."""

    pending: int
    failed: int
    delivered: int


_ENDPOINT_COLUMNS = (
    "id, administration, url, description, event_types, secret, previous_secret, previous_expires_at, paused,"
    " cursor_pos, created_at, rotated_at"
)
_DELIVERY_COLUMNS = (
    "d.id, d.endpoint_id, d.administration, d.message_id, m.type, d.pos, d.status, d.attempts, d.next_attempt_at,"
    " d.last_status_code, d.last_error, d.created_at, d.updated_at, d.delivered_at"
)
_DELIVERY_FROM = (
    "webhook_deliveries d JOIN webhook_messages m ON m.administration = d.administration AND m.id = d.message_id"
)


def _signing_secrets(secret: str, previous: str | None, expires_at: float | None, now: float) -> tuple[str, ...]:
    if previous is not None and expires_at is not None and now < expires_at:
        return (secret, previous)
    return (secret,)


def _insert_message(conn: sqlite3.Connection, administration: str, m: Message) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO webhook_messages (administration, id, type, pos, occurred_at, body)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (administration, m.id, m.type, m.pos, m.occurred_at, m.body),
    )


def _not_in(ids: Iterable[int]) -> tuple[str, list[int]]:
    """A ``AND d.id NOT IN (...)`` clause and its parameters."""
    skip = sorted(set(ids))
    return (f" AND d.id NOT IN ({','.join('?' * len(skip))})" if skip else ""), skip


def _endpoint(row: Sequence[Any]) -> Endpoint:
    types = None if row[4] is None else tuple(json.loads(row[4]))
    return Endpoint(
        row[0], row[1], row[2], row[3], types, row[5], row[6], row[7], bool(row[8]), row[9], row[10], row[11]
    )


def _delivery(row: Sequence[Any]) -> Delivery:
    return Delivery(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        DeliveryStatus(row[6]),
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
        row[13],
    )


#: Delivered deliveries (with their log) and the messages no delivery needs any more are kept this long.
DEFAULT_RETENTION_SECONDS = 30 * 86_400


class Outbox:
    """The webhook outbox in one SQLite file (thread-safe; one instance per gateway process).

    Opening it purges what is older than ``retention_seconds`` (see :meth:`purge`).
    """

    def __init__(self, path: Path | str, *, retention_seconds: float = DEFAULT_RETENTION_SECONDS) -> None:
        self._lock = threading.Lock()
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self.purge(retention_seconds)

    def purge(self, older_than_seconds: float) -> int:
        """Forget deliveries delivered more than ``older_than_seconds`` ago with their log, and messages
        older than that which no delivery refers to; return how many deliveries went. Pending and failed
        deliveries stay (a failed one can always be replayed)."""
        cutoff = time.time() - older_than_seconds
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM webhook_attempts WHERE delivery_id IN"
                " (SELECT id FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < ?)",
                (cutoff,),
            )
            cur = conn.execute(
                "DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < ?", (cutoff,)
            )
            conn.execute(
                "DELETE FROM webhook_messages WHERE occurred_at < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
                " WHERE d.administration = webhook_messages.administration AND d.message_id = webhook_messages.id)",
                (cutoff,),
            )
            return int(cur.rowcount)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return list(self._conn.execute(sql, tuple(params)).fetchall())

    # --- endpoints ---------------------------------------------------------------------------------

    def create_endpoint(
        self,
        administration: str,
        url: str,
        secret: str,
        cursor_pos: int,
        *,
        description: str = "",
        event_types: Sequence[str] | None = None,
    ) -> Endpoint:
        """Register ``url`` for ``administration``; events after ``cursor_pos`` will be delivered to it."""
        endpoint_id = "ep_" + _random.token_hex(8)
        types = None if event_types is None else json.dumps(list(event_types))
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO webhook_endpoints ({_ENDPOINT_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 0, ?, ?, NULL)",
                (endpoint_id, administration, url, description, types, secret, cursor_pos, time.time()),
            )
        return self.endpoint(endpoint_id, administration)

    def endpoint(self, endpoint_id: str, administration: str | None = None) -> Endpoint:
        """One endpoint (of ``administration`` when given), else :class:`WebhookEndpointNotFoundError`."""
        rows = self._query(f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?", (endpoint_id,))
        if not rows or (administration is not None and rows[0][1] != administration):
            owner = f" of administration {administration}" if administration else ""
            raise WebhookEndpointNotFoundError(f"no webhook endpoint {endpoint_id!r}{owner}")
        return _endpoint(rows[0])

    def endpoints(self, administration: str | None = None) -> list[Endpoint]:
        """The endpoints of ``administration`` (default: all), oldest first."""
        where, params = ("WHERE administration = ?", (administration,)) if administration else ("", ())
        rows = self._query(f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints {where} ORDER BY created_at", params)
        return [_endpoint(r) for r in rows]

    def set_paused(self, endpoint_id: str, administration: str, paused: bool) -> Endpoint:
        """Pause (deliveries wait; events keep being enqueued) or resume an endpoint."""
        self.endpoint(endpoint_id, administration)
        with self._transaction() as conn:
            conn.execute("UPDATE webhook_endpoints SET paused = ? WHERE id = ?", (int(paused), endpoint_id))
        return self.endpoint(endpoint_id, administration)

    def rotate_secret(self, endpoint_id: str, administration: str, secret: str, grace_seconds: float) -> Endpoint:
        """Make ``secret`` the signing secret; the old one also signs for ``grace_seconds`` more."""
        self.endpoint(endpoint_id, administration)
        now = time.time()
        with self._transaction() as conn:
            conn.execute(
                "UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = ?, secret = ?,"
                " rotated_at = ? WHERE id = ?",
                (now + grace_seconds, secret, now, endpoint_id),
            )
        return self.endpoint(endpoint_id, administration)

    def delete_endpoint(self, endpoint_id: str, administration: str) -> None:
        """Remove an endpoint with its deliveries and their log."""
        self.endpoint(endpoint_id, administration)
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM webhook_attempts WHERE delivery_id IN"
                " (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)",
                (endpoint_id,),
            )
            conn.execute("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", (endpoint_id,))
            conn.execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint_id,))

    def clamp_cursors(self, pos: int) -> int:
        """Move every endpoint cursor beyond ``pos`` back to it (the index rewound a reorg); return how many."""
        with self._transaction() as conn:
            cur = conn.execute("UPDATE webhook_endpoints SET cursor_pos = ? WHERE cursor_pos > ?", (pos, pos))
            return int(cur.rowcount)

    # --- enqueueing --------------------------------------------------------------------------------

    def enqueue(self, endpoint: Endpoint, messages: Iterable[Message], cursor_pos: int) -> int:
        """Add the messages for ``endpoint`` (those of its event types) and move its cursor to ``cursor_pos``.

        Idempotent: a message already in the outbox, or already queued for the endpoint, is left as
        it is. Returns the number of new deliveries.
        """
        now = time.time()
        added = 0
        with self._transaction() as conn:
            for m in messages:
                _insert_message(conn, endpoint.administration, m)
                if not endpoint.wants(m.type):
                    continue
                cur = conn.execute(
                    "INSERT OR IGNORE INTO webhook_deliveries (endpoint_id, administration, message_id, pos, status,"
                    " attempts, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
                    (endpoint.id, endpoint.administration, m.id, m.pos, now, now, now),
                )
                added += cur.rowcount
            conn.execute(
                "UPDATE webhook_endpoints SET cursor_pos = MAX(cursor_pos, ?) WHERE id = ?", (cursor_pos, endpoint.id)
            )
        return added

    def requeue(self, endpoint: Endpoint, messages: Iterable[Message]) -> list[str]:
        """Replay: queue the messages for ``endpoint`` again (new deliveries, or a fresh attempt cycle for
        delivered and failed ones); return their ids."""
        now = time.time()
        ids: list[str] = []
        with self._transaction() as conn:
            for m in messages:
                if not endpoint.wants(m.type):
                    continue
                _insert_message(conn, endpoint.administration, m)
                conn.execute(
                    "INSERT INTO webhook_deliveries (endpoint_id, administration, message_id, pos, status, attempts,"
                    " next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)"
                    " ON CONFLICT (endpoint_id, message_id) DO UPDATE SET status = 'pending', attempts = 0,"
                    " next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at",
                    (endpoint.id, endpoint.administration, m.id, m.pos, now, now, now),
                )
                ids.append(m.id)
        return ids

    def message(self, administration: str, message_id: str) -> Message:
        """A message of the outbox, else :class:`WebhookEventNotFoundError`."""
        rows = self._query(
            "SELECT id, type, pos, occurred_at, body FROM webhook_messages WHERE administration = ? AND id = ?",
            (administration, message_id),
        )
        if not rows:
            raise WebhookEventNotFoundError(f"no webhook event {message_id!r} for administration {administration}")
        r = rows[0]
        return Message(r[0], r[1], r[2], r[3], bytes(r[4]))

    # --- delivering ------------------------------------------------------------------------------

    def due(
        self,
        now: float,
        limit: int,
        exclude: Iterable[int] = (),
        *,
        per_endpoint: int | None = None,
        in_flight: Mapping[str, int] | None = None,
    ) -> list[DueDelivery]:
        """Pending deliveries of endpoints not paused whose next attempt is due, oldest first.

        ``exclude``: deliveries in flight. ``per_endpoint``: at most this many in flight per endpoint,
        counting ``in_flight`` (endpoint id → requests running), so that a slow or dead endpoint
        never takes every slot from the others.
        """
        busy = in_flight or {}
        not_in, skip = _not_in(exclude)
        rows: list[Any] = []
        for (endpoint_id,) in self._query("SELECT id FROM webhook_endpoints WHERE paused = 0"):
            room = limit if per_endpoint is None else min(limit, per_endpoint - busy.get(endpoint_id, 0))
            if room <= 0:
                continue
            rows += self._query(
                "SELECT d.id, d.endpoint_id, e.url, d.message_id, m.body, e.secret, e.previous_secret,"
                " e.previous_expires_at, d.attempts, d.next_attempt_at"
                f" FROM {_DELIVERY_FROM} JOIN webhook_endpoints e ON e.id = d.endpoint_id"
                f" WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?{not_in}"
                " ORDER BY d.next_attempt_at, d.id LIMIT ?",
                (endpoint_id, now, *skip, room),
            )
        rows.sort(key=lambda r: (r[9], r[0]))
        return [
            DueDelivery(r[0], r[1], r[2], r[3], bytes(r[4]), _signing_secrets(r[5], r[6], r[7], now), r[8])
            for r in rows[:limit]
        ]

    def next_due_at(self, exclude: Iterable[int] = (), skip_endpoints: Iterable[str] = ()) -> float | None:
        """When the next pending delivery of an endpoint not paused (nor in ``skip_endpoints``) is due
        (``None``: nothing pending)."""
        not_in, skip = _not_in(exclude)
        endpoints = sorted(set(skip_endpoints))
        not_of = f" AND d.endpoint_id NOT IN ({','.join('?' * len(endpoints))})" if endpoints else ""
        rows = self._query(
            "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
            f" WHERE d.status = 'pending' AND e.paused = 0{not_in}{not_of}",
            (*skip, *endpoints),
        )
        return None if not rows or rows[0][0] is None else float(rows[0][0])

    def record_attempt(self, attempt: Attempt, policy: RetryPolicy) -> DeliveryStatus:
        """Log an attempt and move its delivery on: delivered on a 2xx, else retried later or failed."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT attempts, status FROM webhook_deliveries WHERE id = ?", (attempt.delivery_id,)
            ).fetchone()
            conn.execute(
                "INSERT INTO webhook_attempts (delivery_id, started_at, status_code, latency_ms, error)"
                " VALUES (?, ?, ?, ?, ?)",
                (attempt.delivery_id, attempt.started_at, attempt.status_code, attempt.latency_ms, attempt.error),
            )
            if row is None:  # the endpoint was deleted meanwhile
                return DeliveryStatus.FAILED
            now = time.time()
            made = int(row[0]) + 1
            if succeeded(attempt.status_code):
                status, next_at, delivered = DeliveryStatus.DELIVERED, None, now
            else:
                next_at = policy.next_attempt_at(made, now)
                status = DeliveryStatus.PENDING if next_at is not None else DeliveryStatus.FAILED
                delivered = None
            conn.execute(
                "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?,"
                " last_error = ?, updated_at = ?, delivered_at = COALESCE(?, delivered_at) WHERE id = ?",
                (status.value, made, next_at, attempt.status_code, attempt.error, now, delivered, attempt.delivery_id),
            )
        return status

    def replay_delivery(self, delivery_id: int, administration: str) -> Delivery:
        """Queue one delivery again now (a fresh attempt cycle), whatever its status."""
        self.delivery(delivery_id, administration)
        now = time.time()
        with self._transaction() as conn:
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?"
                " WHERE id = ?",
                (now, now, delivery_id),
            )
        return self.delivery(delivery_id, administration)

    # --- the delivery log ------------------------------------------------------------------------

    def delivery(self, delivery_id: int, administration: str | None = None) -> Delivery:
        """One delivery (of ``administration`` when given), else :class:`WebhookDeliveryNotFoundError`."""
        rows = self._query(f"SELECT {_DELIVERY_COLUMNS} FROM {_DELIVERY_FROM} WHERE d.id = ?", (delivery_id,))
        if not rows or (administration is not None and rows[0][2] != administration):
            raise WebhookDeliveryNotFoundError(f"no webhook delivery {delivery_id}")
        return _delivery(rows[0])

    def deliveries(
        self,
        endpoint_id: str,
        *,
        status: DeliveryStatus | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[Delivery]:
        """An endpoint's deliveries in the order they were queued, after ``after_id``."""
        where = "d.endpoint_id = ? AND d.id > ?"
        params: list[Any] = [endpoint_id, after_id]
        if status is not None:
            where += " AND d.status = ?"
            params.append(status.value)
        rows = self._query(
            f"SELECT {_DELIVERY_COLUMNS} FROM {_DELIVERY_FROM} WHERE {where} ORDER BY d.id LIMIT ?", (*params, limit)
        )
        return [_delivery(r) for r in rows]

    def attempts(self, delivery_id: int) -> list[Attempt]:
        """The delivery log of one delivery, oldest first."""
        rows = self._query(
            "SELECT delivery_id, started_at, status_code, latency_ms, error FROM webhook_attempts"
            " WHERE delivery_id = ? ORDER BY id",
            (delivery_id,),
        )
        return [Attempt(*r) for r in rows]

    def stats(self, endpoint_id: str | None = None) -> EndpointStats:
        """Pending, failed and delivered deliveries of an endpoint (default: of the whole outbox)."""
        where, params = ("WHERE endpoint_id = ?", (endpoint_id,)) if endpoint_id else ("", ())
        counts = dict(self._query(f"SELECT status, COUNT(*) FROM webhook_deliveries {where} GROUP BY status", params))
        return EndpointStats(
            int(counts.get("pending", 0)), int(counts.get("failed", 0)), int(counts.get("delivered", 0))
        )
