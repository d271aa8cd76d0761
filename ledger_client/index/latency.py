"""Partners' acknowledgement latency month by month, per partner (the KPI library's
acknowledgements and percentiles, grouped by partner and UTC calendar month)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client.index.kpis import acknowledgements_of, month_start, percentiles
from ledger_client.index.queries import Reader
from ledger_client.index.results import Percentiles


@dataclass(frozen=True)
class PartnerMonthLatency:
    """One partner's acknowledgements of the issuer's events recorded in one month (``YYYY-MM``),
    and their latency (seconds, acknowledgement block time minus event block time)."""

    partner: str
    month: str
    latency: Percentiles


def partner_monthly_latency(
    reader: Reader, code: str, at: int | None = None, months: int | None = None
) -> tuple[PartnerMonthLatency, ...]:
    """Per partner and month (oldest first), the latency of its acknowledgements of ``code``'s
    events recorded by ``at`` (default: the last indexed block); only the last ``months`` months
    that have acknowledgements when given."""
    moment = reader.latest_time() if at is None else at
    grouped: dict[tuple[str, str], list[float]] = {}
    for partner, acknowledged_at, latency, _ in acknowledgements_of(reader, code, moment):
        month = month_start(acknowledged_at).strftime("%Y-%m")
        grouped.setdefault((month, partner), []).append(latency)
    kept = sorted({month for month, _ in grouped})
    if months is not None:
        kept = kept[-months:]
    return tuple(
        PartnerMonthLatency(partner, month, percentiles(values))
        for (month, partner), values in sorted(grouped.items())
        if month in kept
    )
