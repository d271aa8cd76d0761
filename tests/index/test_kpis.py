"""KPIs with known data: SME share and acknowledgement latency per programme, the history per
month, and the unit of every figure."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from ledger_client.hashing import certificate_id, number_bytes
from ledger_client.index import AdministrationKpis, Index, MonthKpis, Percentiles, ProgrammeKpis
from ledger_client.index.kpis import (
    acknowledgements_of,
    month_start,
    monthly_kpis,
    next_month,
    percentiles,
    replayed_monthly_kpis,
)
from ledger_client.models import Programme, Role
from tests.support.harness_chain import DOC, Chain

DAY = 86_400
SECURITY, FISCAL = int(Programme.SECURITY), int(Programme.FISCAL)
ROLES = int(Role.IMPORTER | Role.CARRIER)


def _at(fresh: Chain, moment: int, code: str, fn: str, *args: object) -> int:
    """Send ``fn`` in a block stamped ``moment``; return the block's timestamp."""
    fresh.tester.time_travel(moment)
    block = fresh.tx(code, fn, *args)
    return int(fresh.w3.eth.get_block(block)["timestamp"])


def _issue(fresh: Chain, moment: int, number: str, programmes: int, flags: int, until: int = 0) -> tuple[bytes, int]:
    """Issue a CR certificate in a block stamped ``moment``; return its id and the block's timestamp."""
    terms = (number_bytes(number), programmes, ROLES, flags, 1_700_000_000, until, DOC)
    return certificate_id("CR", number), _at(fresh, moment, "CR", "issue", terms)


def test_kpis_per_programme_and_per_month_with_known_data(fresh: Chain, index: Index) -> None:
    jan = next_month(next_month(month_start(fresh.time())))
    feb, mar = next_month(jan), next_month(next_month(jan))
    apr = next_month(mar)
    t = int(jan.timestamp())
    fresh.tester.time_travel(t + DAY)
    fresh.mra(["CR", "PE"], programmes=SECURITY | FISCAL, roles=ROLES)
    a, a1 = _issue(fresh, t + 2 * DAY, "CR-A", SECURITY, flags=1)  # SME
    b, b1 = _issue(fresh, t + 2 * DAY + 10, "CR-B", SECURITY | FISCAL, flags=0)
    _issue(fresh, t + 2 * DAY + 20, "CR-C", FISCAL, flags=1, until=int(mar.timestamp()) + 10 * DAY)
    ack_a1 = _at(fresh, a1 + 3_600, "PE", "acknowledge", a, 1)
    f = int(feb.timestamp())
    b2 = _at(fresh, f + 2 * DAY, "CR", "suspend", b, 1)
    ack_b2 = _at(fresh, b2 + 7_200, "PE", "acknowledge", b, 2)
    ack_b1 = _at(fresh, ack_b2 + 5, "PE", "acknowledge", b, 1)
    m = int(mar.timestamp())
    _at(fresh, m + DAY, "CR", "revoke", a, 1)
    fresh.tester.time_travel(m + 15 * DAY)  # c expired on the 10th
    fresh.tx("MX", "issue", (b"\0" * 31 + b"X", SECURITY, ROLES, 0, 1_700_000_000, 0, b"\1" * 32))
    index.sync()
    at = index.reader.latest_time()
    assert m + 15 * DAY <= at < int(apr.timestamp())

    k = index.kpis("CR")
    assert (k.certificates, k.sme, k.non_sme, k.sme_share) == (3, 2, 1, 2 / 3)
    assert k.by_status == {"ACTIVE": 0, "SUSPENDED": 1, "REVOKED": 1, "ANNULLED": 0, "EXPIRED": 1}
    latency_a1, latency_b2, latency_b1 = ack_a1 - a1, ack_b2 - b2, ack_b1 - b1
    assert latency_a1 == 3_600
    (pe,) = k.acknowledgement_latency
    assert (pe.partner, pe.count, pe.max) == ("PE", 3, float(latency_b1))

    programmes = {p.programme: p for p in k.programmes}
    assert list(programmes) == ["SECURITY", "SIMPLIFICATIONS", "FISCAL", "SANITARY"]
    assert programmes["SECURITY"] == ProgrammeKpis(
        "SECURITY", 2, 1, 0.5, percentiles([latency_a1, latency_b2, latency_b1])
    )
    assert programmes["FISCAL"] == ProgrammeKpis("FISCAL", 2, 1, 0.5, percentiles([latency_b2, latency_b1]))
    assert programmes["SIMPLIFICATIONS"] == ProgrammeKpis("SIMPLIFICATIONS", 0, 0, 0.0, Percentiles(0, 0, 0, 0, 0, 0))
    assert programmes["FISCAL"].acknowledgement_latency.p50 == float(latency_b2)  # nearest rank of 2 values

    months = {month.month: month for month in k.monthly}
    assert list(months) == [jan.strftime("%Y-%m"), feb.strftime("%Y-%m"), mar.strftime("%Y-%m")]
    first, second, third = k.monthly
    assert (first.start, first.end, second.start, third.end) == (t, f, f, int(apr.timestamp()))
    assert _nonzero(first.events) == {"ISSUED": 3}
    assert _nonzero(second.events) == {"SUSPENDED": 1}
    assert _nonzero(third.events) == {"REVOKED": 1}
    assert _nonzero(first.by_status) == {"ACTIVE": 3}
    assert _nonzero(second.by_status) == {"ACTIVE": 2, "SUSPENDED": 1}
    assert _nonzero(third.by_status) == {"SUSPENDED": 1, "REVOKED": 1, "EXPIRED": 1}
    assert [(mo.acknowledgements, mo.acknowledgement_latency.max) for mo in k.monthly] == [
        (1, float(latency_a1)),
        (2, float(max(latency_b1, latency_b2))),
        (0, 0.0),
    ]
    assert [mo.month for mo in index.kpis("CR", months=2).monthly] == [second.month, third.month]
    # Per programme (a certificate counts under each of its programmes), by status at each month's end.
    assert [_nonzero_programmes(mo) for mo in k.monthly] == [
        {"SECURITY": {"ACTIVE": 2}, "FISCAL": {"ACTIVE": 2}},  # a, b | b, c
        {"SECURITY": {"ACTIVE": 1, "SUSPENDED": 1}, "FISCAL": {"ACTIVE": 1, "SUSPENDED": 1}},  # b suspended
        {"SECURITY": {"REVOKED": 1, "SUSPENDED": 1}, "FISCAL": {"SUSPENDED": 1, "EXPIRED": 1}},  # a revoked, c expired
    ]
    assert set(first.by_programme) == {"SECURITY", "SIMPLIFICATIONS", "FISCAL", "SANITARY"}
    # Past the last block (a month with no event), and the replay from scratch agrees.
    later = index.kpis("CR", at=int(apr.timestamp()) + DAY)
    assert [mo.month for mo in later.monthly] == [*months, apr.strftime("%Y-%m")]
    assert later.monthly[-1].by_status == third.by_status
    assert later.monthly[-1].by_programme == third.by_programme
    for moment in (at, int(apr.timestamp()) + DAY):
        acks = acknowledgements_of(index.reader, "CR", moment)
        assert moment >= index.reader.latest_time()  # so monthly_kpis reads the month aggregates
        assert monthly_kpis(index.reader, "CR", moment, acks) == replayed_monthly_kpis(index.reader, "CR", moment, acks)

    # At the end of January: the history stops there, and so do the acknowledgement figures.
    end_of_jan = index.kpis("CR", at=f - 1)
    assert [mo.month for mo in end_of_jan.monthly] == [first.month]
    assert end_of_jan.monthly[0] == MonthKpis(
        first.month, t, f, first.events, first.by_status, 1, percentiles([3_600]), first.by_programme
    )
    assert [(s.partner, s.count) for s in end_of_jan.acknowledgement_latency] == [("PE", 1)]
    assert index.kpis("PE").monthly == ()  # issued nothing


def test_every_figure_has_a_unit(fresh: Chain, index: Index) -> None:
    index.sync()
    k = index.kpis("CR")
    figures = {f.name for f in fields(AdministrationKpis)} - {"code", "units", "programmes", "monthly"}
    nested = {f"programmes.{f.name}" for f in fields(ProgrammeKpis) if f.name != "programme"}
    nested |= {f"monthly.{f.name}" for f in fields(MonthKpis)}
    assert figures | nested == set(k.units)
    assert "seconds" in k.units["acknowledgement_latency"]
    assert "fraction" in k.units["programmes.sme_share"]


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if n}


def _nonzero_programmes(month: MonthKpis) -> dict[str, dict[str, int]]:
    return {p: _nonzero(counts) for p, counts in month.by_programme.items() if any(counts.values())}


def test_month_arithmetic() -> None:
    december = datetime(2026, 12, 1, tzinfo=UTC)
    assert next_month(december) == datetime(2027, 1, 1, tzinfo=UTC)
    assert month_start(int(datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC).timestamp())) == datetime(
        2027, 2, 1, tzinfo=UTC
    )
