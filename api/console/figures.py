"""The KPI figures the dashboard and the KPIs page show, computed by the index's KPI functions once
per (administration, indexed block): they cannot change until the index holds a new block, and a
large administration's figures scan all its certificates."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ledger_client.index import AdministrationKpis, Index
from ledger_client.index.coverage import MraCoverage, mra_coverage
from ledger_client.index.latency import PartnerMonthLatency, partner_monthly_latency

#: Months of history the charts show.
MONTHS = 24
#: Administrations whose figures are kept (the least recently computed are dropped first).
MAX_ENTRIES = 64


@dataclass(frozen=True)
class Figures:
    """An administration's KPIs and MRA coverage as of one indexed block."""

    block: tuple[int, bytes | None]  # number and hash: a reorganised block of the same number is another block
    kpis: AdministrationKpis
    coverage: tuple[MraCoverage, ...]
    latency_by_month: tuple[PartnerMonthLatency, ...]


class FigureCache:
    """:class:`Figures` per administration, recomputed when the index has moved on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, bool], Figures] = {}

    def figures(self, index: Index, code: str, *, history: bool = True) -> Figures:
        """The figures of ``code`` at the index's current block; without ``history`` only the
        current counts (no month-by-month replay, coverage or monthly latency: the dashboard)."""
        number = index.block_number
        rows = index.reader.execute("SELECT hash FROM blocks WHERE number = ?", (number,))
        block = (number, bytes(rows[0][0]) if rows else None)
        key = (code, history)
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None and cached.block == block:
            return cached
        if history:
            fresh = Figures(
                block,
                index.kpis(code, months=MONTHS),
                tuple(mra_coverage(index.reader, code)),
                partner_monthly_latency(index.reader, code, months=MONTHS),
            )
        else:
            fresh = Figures(block, index.kpis(code, months=0), (), ())
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = fresh
            while len(self._entries) > MAX_ENTRIES:
                self._entries.pop(next(iter(self._entries)))
        return fresh
