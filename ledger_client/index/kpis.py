"""Key figures per administration: certificate counts, SME share, partners' acknowledgement
latency (per partner and per programme), certificates in force whose operator withholds consent (no
MRA partner recognises them) and the month-by-month history. Units: :data:`KPI_UNITS`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from ledger_client.index.queries import Reader
from ledger_client.index.results import (
    AdministrationKpis,
    LatencyStats,
    MonthKpis,
    Percentiles,
    ProgrammeKpis,
)
from ledger_client.models import FLAG_CONSENT_WITHHELD, CertificateAction, CertificateStatus, Programme, Role

#: Statuses reported, in order (stored ones plus the derived ``EXPIRED``).
STATUSES = (*(s.name for s in CertificateStatus if s != CertificateStatus.NONE), "EXPIRED")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def _percentile_figures(latencies: Iterable[float]) -> tuple[int, float, float, float, float, float]:
    values = sorted(latencies)
    return (
        len(values),
        percentile(values, 0.5),
        percentile(values, 0.9),
        percentile(values, 0.95),
        percentile(values, 0.99),
        float(values[-1]) if values else 0.0,
    )


def percentiles(latencies: Iterable[float]) -> Percentiles:
    """Count, p50/p90/p95/p99 and max of latencies (seconds)."""
    return Percentiles(*_percentile_figures(latencies))


def latency_stats(partner: str, latencies: Sequence[float]) -> LatencyStats:
    """p50/p90/p95/p99/max of one partner's acknowledgement latencies."""
    return LatencyStats(*_percentile_figures(latencies), partner=partner)


def share(part: int, whole: int) -> float:
    """``part / whole`` (0 when ``whole`` is 0)."""
    return part / whole if whole else 0.0


def derived_status(status: int, valid_until: int, at: int) -> str:
    """The reported status at ``at``: the stored one, or ``EXPIRED`` for an Active certificate past
    its validity."""
    if status == CertificateStatus.ACTIVE and valid_until != 0 and valid_until < at:
        return "EXPIRED"
    return CertificateStatus(status).name


def month_start(timestamp: int) -> datetime:
    """The first instant of the UTC calendar month containing ``timestamp``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    """The first instant of the following month."""
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


#: One acknowledgement of an administration's event: partner, ack block time, latency, the
#: certificate's programmes at the event.
Ack = tuple[str, int, float, int]


def acknowledgements_of(reader: Reader, code: str, at: int) -> list[Ack]:
    """Partners' acknowledgements of ``code``'s certificate events recorded by ``at``, oldest first."""
    rows = reader.execute(
        "SELECT a.partner, a.block_time, a.block_time - e.block_time, e.programmes FROM acknowledgements a"
        " JOIN certificate_events e ON e.id = a.id AND e.sequence = a.sequence"
        " WHERE a.issuer = ? AND a.block_time <= ? ORDER BY a.pos",
        (code, at),
    )
    return [(str(r[0]), int(r[1]), float(r[2]), int(r[3])) for r in rows]


#: Certificates of one kind: (status, programmes, roles, SME, consent withheld, expired at the
#: moment asked, count).
Group = tuple[int, int, int, bool, bool, bool, int]


def certificate_groups(reader: Reader, code: str, at: int) -> list[Group]:
    """``code``'s certificates counted by their current status, programmes, roles, SME flag,
    consent flag and whether they are past their validity at ``at``: one pass over them (the
    ``certificates_kpis`` index alone), for every current count."""
    rows = reader.execute(
        "SELECT status, programmes, roles, flags & 1, flags & ? != 0, valid_until != 0 AND valid_until < ?,"
        " COUNT(*) FROM certificates WHERE issuer = ? GROUP BY 1, 2, 3, 4, 5, 6",
        (FLAG_CONSENT_WITHHELD, at, code),
    )
    return [(int(r[0]), int(r[1]), int(r[2]), bool(r[3]), bool(r[4]), bool(r[5]), int(r[6])) for r in rows]


def reported_status(group: Group) -> str:
    """The status a group's certificates are reported with (``EXPIRED``: Active past validity)."""
    status, _, _, _, _, expired, _ = group
    return "EXPIRED" if status == CertificateStatus.ACTIVE and expired else CertificateStatus(status).name


def withheld(group: Group) -> int:
    """How many of a group's certificates are in force (reported ``ACTIVE``) but their operator
    withholds consent to the exchange with MRA partners: no partner recognises them for that reason."""
    return group[6] if group[4] and reported_status(group) == "ACTIVE" else 0


def statuses_of(groups: Iterable[Group]) -> Counter[tuple[int, str]]:
    """Certificates by (scope, reported status): scope 0 = all, else a programme's bit."""
    statuses: Counter[tuple[int, str]] = Counter()
    for group in groups:
        name, programmes, count = reported_status(group), group[1], group[6]
        statuses[(0, name)] += count
        for p in Programme:
            if programmes & p:
                statuses[(int(p), name)] += count
    return statuses


def programme_kpis(groups: Sequence[Group], acks: Sequence[Ack]) -> tuple[ProgrammeKpis, ...]:
    """Certificates, SMEs, SME share, acknowledgement latency and certificates in force whose
    operator withholds consent of each programme."""
    figures = []
    for programme in Programme:
        certificates = sum(g[6] for g in groups if g[1] & programme)
        sme = sum(g[6] for g in groups if g[1] & programme and g[3])
        latencies = (latency for _, _, latency, programmes in acks if programmes & int(programme))
        figures.append(
            ProgrammeKpis(
                str(programme.name),
                certificates,
                sme,
                share(sme, certificates),
                percentiles(latencies),
                sum(withheld(g) for g in groups if g[1] & programme),
            )
        )
    return tuple(figures)


def _by_programme(counts: Counter[tuple[int, str]]) -> dict[str, dict[str, int]]:
    return {str(p.name): {name: counts[(int(p), name)] for name in STATUSES} for p in Programme}


def _month(
    start: datetime,
    events: Counter[str],
    statuses: Counter[tuple[int, str]],
    latencies: Sequence[float],
) -> MonthKpis:
    """One month's figures; ``statuses`` counts certificates by (scope, status), scope 0 = all,
    else a programme's bit."""
    return MonthKpis(
        start.strftime("%Y-%m"),
        int(start.timestamp()),
        int(next_month(start).timestamp()),
        {action.name: events[action.name] for action in CertificateAction if action != CertificateAction.NONE},
        {name: statuses[(0, name)] for name in STATUSES},
        len(latencies),
        percentiles(latencies),
        _by_programme(statuses),
    )


def _months_from(first_event_time: int, at: int, months: int | None) -> list[datetime]:
    starts = [month_start(first_event_time)]
    while int(next_month(starts[-1]).timestamp()) <= at:
        starts.append(next_month(starts[-1]))
    return starts if months is None else starts[-months:]


def _latencies_by_month(acks: Sequence[Ack]) -> dict[int, list[float]]:
    grouped: dict[int, list[float]] = {}
    for _, acknowledged_at, latency, _ in acks:
        grouped.setdefault(int(month_start(acknowledged_at).timestamp()), []).append(latency)
    return grouped


def _first_event_time(reader: Reader, code: str, at: int) -> int | None:
    rows = reader.execute(
        "SELECT block_time FROM certificate_events WHERE issuer = ? AND block_time <= ? ORDER BY pos LIMIT 1",
        (code, at),
    )
    return int(rows[0][0]) if rows else None


def replayed_monthly_kpis(
    reader: Reader, code: str, at: int, acks: Sequence[Ack], months: int | None = None
) -> tuple[MonthKpis, ...]:
    """:func:`monthly_kpis` computed from scratch: every event of ``code`` replayed in order (the
    reference of the aggregates, and the way to any ``at`` before the last indexed block)."""
    events = reader.execute(
        "SELECT id, action, status, programmes, valid_until, block_time FROM certificate_events"
        " WHERE issuer = ? AND block_time <= ? ORDER BY pos",
        (code, at),
    )
    if not events:
        return ()
    state: dict[bytes, tuple[int, int, int]] = {}
    series: list[MonthKpis] = []
    latencies = _latencies_by_month(acks)
    e = 0
    start = month_start(int(events[0][5]))
    while int(start.timestamp()) <= at:
        hi = int(next_month(start).timestamp())
        actions: Counter[str] = Counter()
        while e < len(events) and events[e][5] < hi:
            cid, action, status, programmes, valid_until, _ = events[e]
            state[bytes(cid)] = (int(status), int(programmes), int(valid_until))
            actions[CertificateAction(action).name] += 1
            e += 1
        moment = min(hi - 1, at)
        statuses: Counter[tuple[int, str]] = Counter()
        for status, programmes, valid_until in state.values():
            name = derived_status(status, valid_until, moment)
            statuses[(0, name)] += 1
            for p in Programme:
                if programmes & p:
                    statuses[(int(p), name)] += 1
        series.append(_month(start, actions, statuses, latencies.get(int(start.timestamp()), [])))
        start = next_month(start)
    return tuple(series if months is None else series[-months:])


def monthly_kpis(
    reader: Reader,
    code: str,
    at: int,
    acks: Sequence[Ack],
    months: int | None = None,
    *,
    groups: Sequence[Group] | None = None,
) -> tuple[MonthKpis, ...]:
    """``code``'s history month by month, from the month of its first certificate event to the
    month containing ``at`` (only the last ``months`` of them when given).

    When ``at`` is not before the last indexed block, from the index's month aggregates
    (:mod:`ledger_client.index.kpi_months`) and the certificates' current state: the months before
    the one containing ``at`` are sums of aggregate rows, the last one is the state at ``at``
    (``groups``: :func:`certificate_groups` at ``at``, when the caller has them). Before it, replayed
    from the events (:func:`replayed_monthly_kpis`)."""
    if at < reader.latest_time():
        return replayed_monthly_kpis(reader, code, at, acks, months)
    first = _first_event_time(reader, code, at)
    if first is None:
        return ()
    starts = _months_from(first, at, months)
    window = int(starts[0].timestamp())
    statuses: Counter[tuple[int, str]] = Counter()
    for scope, name, count in reader.execute(
        "SELECT scope, name, SUM(count) FROM kpi_months WHERE issuer = ? AND kind = 'status' AND month < ?"
        " GROUP BY scope, name",
        (code, window),
    ):
        statuses[(int(scope), str(name))] = int(count)
    changes: dict[int, list[tuple[int, str, str, int]]] = {}
    for month, scope, kind, name, count in reader.execute(
        "SELECT month, scope, kind, name, count FROM kpi_months WHERE issuer = ? AND month >= ? AND month <= ?",
        (code, window, int(starts[-1].timestamp())),
    ):
        changes.setdefault(int(month), []).append((int(scope), str(kind), str(name), int(count)))
    latencies = _latencies_by_month(acks)
    series: list[MonthKpis] = []
    for i, start in enumerate(starts):
        lo = int(start.timestamp())
        actions: Counter[str] = Counter()
        for scope, kind, name, count in changes.get(lo, ()):
            if kind == "event":
                actions[name] += count
            else:
                statuses[(scope, name)] += count
        if i == len(starts) - 1:
            statuses = statuses_of(certificate_groups(reader, code, at) if groups is None else groups)
        series.append(_month(start, actions, statuses, latencies.get(lo, [])))
    return tuple(series)


@contextmanager
def snapshot(reader: Reader) -> Iterator[None]:
    """Run the queries of the block in one read transaction: one state of the index (the writer may
    commit between two of them otherwise)."""
    conn = reader.connection
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def administration_kpis(
    reader: Reader, code: str, at: int | None = None, months: int | None = None
) -> AdministrationKpis:
    """Counts of ``code``'s certificates by status, programme, role and SME, the latency of its
    partners' acknowledgements (ack block time minus event block time) per partner and per
    programme, SME share per programme, the certificates in force whose operator withholds consent
    (in all and per programme), and the month-by-month history (``months``: only the
    last ones; ``0``: none, for a summary that need not replay the history).

    ``at`` (default: the last indexed block's time) decides which Active certificates count as
    ``EXPIRED`` and where the acknowledgement figures and the history stop.
    """
    with snapshot(reader):
        return _administration_kpis(reader, code, reader.latest_time() if at is None else at, months)


def _administration_kpis(reader: Reader, code: str, moment: int, months: int | None) -> AdministrationKpis:
    groups = certificate_groups(reader, code, moment)
    total = sum(g[6] for g in groups)
    sme = sum(g[6] for g in groups if g[3])
    by_programme = {str(p.name): sum(g[6] for g in groups if g[1] & p) for p in Programme}
    by_role = {str(r.name): sum(g[6] for g in groups if g[2] & r) for r in Role}
    now = statuses_of(groups)
    by_status = {name: now[(0, name)] for name in STATUSES}
    acks = acknowledgements_of(reader, code, moment)
    latencies: dict[str, list[float]] = {}
    for partner, _, latency, _ in acks:
        latencies.setdefault(partner, []).append(latency)
    stats = tuple(latency_stats(p, values) for p, values in sorted(latencies.items()))
    return AdministrationKpis(
        code=code,
        at=moment,
        certificates=total,
        by_status=by_status,
        by_programme=by_programme,
        by_role=by_role,
        sme=sme,
        non_sme=total - sme,
        acknowledgement_latency=stats,
        sme_share=share(sme, total),
        programmes=programme_kpis(groups, acks),
        consent_withheld=sum(withheld(g) for g in groups),
        monthly=() if months == 0 else monthly_kpis(reader, code, moment, acks, months, groups=groups),
    )
