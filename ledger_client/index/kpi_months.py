"""Month-by-month KPI aggregates, kept by the index's writer as it applies and rewinds blocks.

Table ``kpi_months`` holds, per issuer and UTC calendar month, the *changes* of the KPI counts
dated in that month: ``kind = 'event'`` rows count certificate events by action; ``kind =
'status'`` rows add and subtract certificates by reported status (``EXPIRED`` derived as in
:func:`~ledger_client.index.kpis.derived_status`), for all the issuer's certificates
(``scope = 0``) and for each programme (``scope`` = the programme's bit). The counts by status
at the end of month *m* are the sums of the status rows up to *m*: the history no longer replays
every event on each read.

Each certificate event contributes a fixed set of changes, a function of the certificate's state
before the event (its previous event row, which the writer reads as the certificates row it
updates) and after it: the old state's future (its status from
the event on, and its expiry when Active with a validity end still ahead) is taken back and the
new state's future added. An expiry is a change dated ``valid_until + 1``, possibly in a later
month. So the table is the sum over ``certificate_events`` rows of their contributions: applying
a block adds its rows' contributions, rewinding subtracts the removed rows', and
:meth:`KpiMonths.rebuild` recomputes the whole table from the rows (an index created before the
table existed is filled once when its writer opens it).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ledger_client.index.kpis import month_start
from ledger_client.models import CertificateAction, CertificateStatus, Programme

#: The last second :mod:`datetime` can name (9999-12-31T23:59:59Z): a later expiry is never reached.
LAST_TIME = 253_402_300_799
#: The meta key recording that ``kpi_months`` is maintained for this database.
META_KEY = "kpi_months"
_DAY = 86_400

#: A certificate's state as the KPIs see it: (status, programmes, valid_until).
KpiState = tuple[int, int, int]
#: One aggregate cell: (issuer, month start, scope, kind, name).
Cell = tuple[str, int, int, str, str]

_UPSERT = (
    "INSERT INTO kpi_months (issuer, month, scope, kind, name, count) VALUES (?,?,?,?,?,?)"
    " ON CONFLICT (issuer, month, scope, kind, name) DO UPDATE SET count = count + excluded.count"
)
_ROWS_WITH_PREVIOUS = (
    "SELECT e.issuer, e.action, e.block_time, p.status, p.programmes, p.valid_until,"
    " e.status, e.programmes, e.valid_until FROM certificate_events e"
    " LEFT JOIN certificate_events p ON p.id = e.id AND p.sequence = e.sequence - 1"
)


@lru_cache(maxsize=8_192)
def _month_of_day(day: int) -> int:
    return int(month_start(day * _DAY).timestamp())


def month_of(timestamp: int) -> int:
    """The first instant (Unix seconds) of the UTC calendar month containing ``timestamp``."""
    return _month_of_day(timestamp // _DAY)


@lru_cache(maxsize=256)
def scopes_of(programmes: int) -> tuple[int, ...]:
    """The scopes a certificate counts under: 0 (all) and the bit of each of its programmes."""
    return (0, *(int(p) for p in Programme if programmes & p))


_ACTIVE = int(CertificateStatus.ACTIVE)
_STATUS_NAMES = {int(s): s.name for s in CertificateStatus}
_ACTION_NAMES = {int(a): a.name for a in CertificateAction}


def steps(state: KpiState, since: int) -> list[tuple[int, str]]:
    """The reported status of a certificate in ``state`` from ``since`` on: ``(from, status)`` steps
    (as :func:`~ledger_client.index.kpis.derived_status` reports it at each instant)."""
    status, _, valid_until = state
    if status == _ACTIVE and valid_until != 0:
        if valid_until < since:
            return [(since, "EXPIRED")]
        return [(since, "ACTIVE"), (valid_until + 1, "EXPIRED")] if valid_until < LAST_TIME else [(since, "ACTIVE")]
    return [(since, _STATUS_NAMES[status])]


def add_contribution(
    cells: Counter[Cell],
    issuer: str,
    action: int,
    time: int,
    *,
    before: KpiState | None,
    after: KpiState,
    sign: int = 1,
) -> None:
    """Add the aggregate changes of one certificate event to ``cells`` (``sign = -1``: take them back)."""
    cells[(issuer, month_of(time), 0, "event", _ACTION_NAMES[action])] += sign
    for weight, state in ((-sign, before), (sign, after)):
        if state is None:
            continue
        scopes = scopes_of(state[1])
        previous: str | None = None
        for since, name in steps(state, time):
            month = month_of(since)
            for scope in scopes:
                if previous is not None:
                    cells[(issuer, month, scope, "status", previous)] -= weight
                cells[(issuer, month, scope, "status", name)] += weight
            previous = name


def _state(status: Any, programmes: Any, valid_until: Any) -> KpiState | None:
    return None if status is None else (int(status), int(programmes), int(valid_until))


class KpiMonths:
    """The writer's side of ``kpi_months``: changes gathered during a transaction, then written."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pending: Counter[Cell] = Counter()

    def reset(self) -> None:
        """Forget changes not written (a transaction that failed)."""
        self._pending.clear()

    def applied(self, issuer: str, action: int, time: int, *, before: KpiState | None, after: KpiState) -> None:
        """Gather the changes of an event just applied: the certificate's state ``before`` it (None:
        its issue) and ``after`` it."""
        add_contribution(self._pending, issuer, action, time, before=before, after=after)

    def flush(self) -> None:
        """Write the gathered changes (inside the caller's transaction)."""
        cells = [(*cell, count) for cell, count in self._pending.items() if count]
        self._pending.clear()
        if cells:
            self._conn.executemany(_UPSERT, cells)

    def rewinding(self, first_pos: int) -> None:
        """Take back the changes of the events at ``pos >= first_pos``: call before deleting them."""
        self._gather(self._conn.execute(f"{_ROWS_WITH_PREVIOUS} WHERE e.pos >= ?", (first_pos,)), -1)
        self.flush()
        self._conn.execute("DELETE FROM kpi_months WHERE count = 0")

    def rebuild(self) -> None:
        """Recompute the whole table from ``certificate_events`` (inside the caller's transaction)."""
        self._pending.clear()
        self._conn.execute("DELETE FROM kpi_months")
        self._gather(self._conn.execute(_ROWS_WITH_PREVIOUS), 1)
        self.flush()
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (META_KEY,))

    def maintained(self) -> bool:
        """Whether this database's table is maintained (filled since its events were first written)."""
        return self._conn.execute("SELECT 1 FROM meta WHERE key = ?", (META_KEY,)).fetchone() is not None

    def _gather(self, rows: Iterable[Sequence[Any]], sign: int) -> None:
        gather(self._pending, rows, sign)


def gather(cells: Counter[Cell], rows: Iterable[Sequence[Any]], sign: int = 1) -> None:
    """Add the changes of certificate event rows (:data:`_ROWS_WITH_PREVIOUS`) to ``cells``."""
    for issuer, action, time, b_status, b_programmes, b_until, status, programmes, until in rows:
        before = _state(b_status, b_programmes, b_until)
        after = (int(status), int(programmes), int(until))
        add_contribution(cells, str(issuer), int(action), int(time), before=before, after=after, sign=sign)


def recomputed(conn: sqlite3.Connection) -> dict[Cell, int]:
    """What ``kpi_months`` holds when right: computed from scratch from ``certificate_events``
    (writes nothing: for checks on any connection)."""
    cells: Counter[Cell] = Counter()
    gather(cells, conn.execute(_ROWS_WITH_PREVIOUS))
    return {cell: count for cell, count in cells.items() if count}


def table(conn: sqlite3.Connection) -> dict[Cell, int]:
    """Every non-zero cell of ``kpi_months`` (for checks and tests)."""
    rows = conn.execute("SELECT issuer, month, scope, kind, name, count FROM kpi_months WHERE count != 0")
    return {(str(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4])): int(r[5]) for r in rows}
