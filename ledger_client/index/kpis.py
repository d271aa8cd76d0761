"""Key figures per administration: certificate counts, SME share, partners' acknowledgement
latency (per partner and per programme) and the month-by-month history. Units: :data:`KPI_UNITS`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from ledger_client.index.queries import Reader
from ledger_client.index.results import (
    AdministrationKpis,
    LatencyStats,
    MonthKpis,
    Percentiles,
    ProgrammeKpis,
)
from ledger_client.models import CertificateAction, CertificateStatus, Programme, Role

#: Statuses reported, in order (stored ones plus the derived ``EXPIRED``).
STATUSES = (*(s.name for s in CertificateStatus if s != CertificateStatus.NONE), "EXPIRED")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def percentiles(latencies: Iterable[float]) -> Percentiles:
    """Count, p50/p90/p95/p99 and max of latencies (seconds)."""
    values = sorted(latencies)
    return Percentiles(
        len(values),
        percentile(values, 0.5),
        percentile(values, 0.9),
        percentile(values, 0.95),
        percentile(values, 0.99),
        float(values[-1]) if values else 0.0,
    )


def latency_stats(partner: str, latencies: Sequence[float]) -> LatencyStats:
    """p50/p90/p95/p99/max of one partner's acknowledgement latencies."""
    p = percentiles(latencies)
    return LatencyStats(partner, p.count, p.p50, p.p90, p.p95, p.p99, p.max)


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


def programme_kpis(reader: Reader, code: str, acks: Sequence[Ack]) -> tuple[ProgrammeKpis, ...]:
    """Certificates, SMEs, SME share and acknowledgement latency of each programme."""
    sums = ", ".join(
        f"SUM(programmes & {int(p)} != 0), SUM(programmes & {int(p)} != 0 AND flags & 1)" for p in Programme
    )
    row = reader.execute(f"SELECT {sums} FROM certificates WHERE issuer = ?", (code,))[0]
    figures = []
    for i, programme in enumerate(Programme):
        certificates, sme = int(row[2 * i] or 0), int(row[2 * i + 1] or 0)
        latencies = (latency for _, _, latency, programmes in acks if programmes & int(programme))
        figures.append(
            ProgrammeKpis(str(programme.name), certificates, sme, share(sme, certificates), percentiles(latencies))
        )
    return tuple(figures)


def monthly_kpis(
    reader: Reader, code: str, at: int, acks: Sequence[Ack], months: int | None = None
) -> tuple[MonthKpis, ...]:
    """``code``'s history month by month, from the month of its first certificate event to the
    month containing ``at`` (only the last ``months`` of them when given)."""
    events = reader.execute(
        "SELECT id, action, status, valid_until, block_time FROM certificate_events"
        " WHERE issuer = ? AND block_time <= ? ORDER BY pos",
        (code, at),
    )
    if not events:
        return ()
    state: dict[bytes, tuple[int, int]] = {}
    series: list[MonthKpis] = []
    e = a = 0
    start = month_start(int(events[0][4]))
    while int(start.timestamp()) <= at:
        end = next_month(start)
        lo, hi = int(start.timestamp()), int(end.timestamp())
        actions: Counter[str] = Counter()
        while e < len(events) and events[e][4] < hi:
            cid, action, status, valid_until, _ = events[e]
            state[bytes(cid)] = (int(status), int(valid_until))
            actions[CertificateAction(action).name] += 1
            e += 1
        latencies: list[float] = []
        while a < len(acks) and acks[a][1] < hi:
            latencies.append(acks[a][2])
            a += 1
        moment = min(hi - 1, at)
        statuses = Counter(derived_status(s, vu, moment) for s, vu in state.values())
        series.append(
            MonthKpis(
                start.strftime("%Y-%m"),
                lo,
                hi,
                {action.name: actions[action.name] for action in CertificateAction if action != CertificateAction.NONE},
                {name: statuses[name] for name in STATUSES},
                len(latencies),
                percentiles(latencies),
            )
        )
        start = end
    return tuple(series if months is None else series[-months:])


def administration_kpis(
    reader: Reader, code: str, at: int | None = None, months: int | None = None
) -> AdministrationKpis:
    """Counts of ``code``'s certificates by status, programme, role and SME, the latency of its
    partners' acknowledgements (ack block time minus event block time) per partner and per
    programme, SME share per programme, and the month-by-month history (``months``: only the
    last ones; ``0``: none, for a summary that need not replay the history).

    ``at`` (default: the last indexed block's time) decides which Active certificates count as
    ``EXPIRED`` and where the acknowledgement figures and the history stop.
    """
    moment = reader.latest_time() if at is None else at
    programme_sums = ", ".join(f"SUM(programmes & {int(p)} != 0)" for p in Programme)
    role_sums = ", ".join(f"SUM(roles & {int(r)} != 0)" for r in Role)
    row = reader.execute(
        f"SELECT COUNT(*), COALESCE(SUM(flags & 1), 0), {programme_sums}, {role_sums},"
        " COALESCE(SUM(status = 1 AND valid_until != 0 AND valid_until < ?), 0)"
        " FROM certificates WHERE issuer = ?",
        (moment, code),
    )[0]
    total, sme = int(row[0]), int(row[1])
    programmes = list(Programme)
    roles = list(Role)
    by_programme = {str(p.name): int(row[2 + i] or 0) for i, p in enumerate(programmes)}
    by_role = {str(r.name): int(row[2 + len(programmes) + i] or 0) for i, r in enumerate(roles)}
    expired = int(row[-1])
    by_status = {s.name: 0 for s in CertificateStatus if s != CertificateStatus.NONE}
    for status, count in reader.execute(
        "SELECT status, COUNT(*) FROM certificates WHERE issuer = ? GROUP BY status", (code,)
    ):
        by_status[CertificateStatus(status).name] = int(count)
    by_status["ACTIVE"] -= expired
    by_status["EXPIRED"] = expired
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
        programmes=programme_kpis(reader, code, acks),
        monthly=() if months == 0 else monthly_kpis(reader, code, moment, acks, months),
    )
