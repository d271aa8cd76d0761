"""Key figures per administration: certificate counts and partners' acknowledgement latency."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ledger_client.index.queries import Reader
from ledger_client.index.results import AdministrationKpis, LatencyStats
from ledger_client.models import CertificateStatus, Programme, Role


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def latency_stats(partner: str, latencies: Sequence[float]) -> LatencyStats:
    """p50/p90/p95/p99/max of one partner's acknowledgement latencies."""
    values = sorted(latencies)
    return LatencyStats(
        partner,
        len(values),
        percentile(values, 0.5),
        percentile(values, 0.9),
        percentile(values, 0.95),
        percentile(values, 0.99),
        float(values[-1]) if values else 0.0,
    )


def administration_kpis(reader: Reader, code: str, at: int | None = None) -> AdministrationKpis:
    """Counts of ``code``'s certificates by status, programme, role and SME, and the latency of
    its partners' acknowledgements (ack block time minus event block time), per partner.

    ``at`` (default: the last indexed block's time) decides which Active certificates count as
    ``EXPIRED``.
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
    latencies: dict[str, list[float]] = {}
    for partner, latency in reader.execute(
        "SELECT a.partner, a.block_time - e.block_time FROM acknowledgements a"
        " JOIN certificate_events e ON e.id = a.id AND e.sequence = a.sequence WHERE a.issuer = ?",
        (code,),
    ):
        latencies.setdefault(str(partner), []).append(float(latency))
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
    )
