"""Per-partner monthly acknowledgement latency on a synthetic index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ledger_client.index.latency import partner_monthly_latency
from ledger_client.index.queries import Reader
from ledger_client.index.schema import connect, create_schema


def _ts(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp())


def test_latency_is_grouped_by_partner_and_month(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    conn = connect(path)
    create_schema(conn)
    cid = b"CR" + b"\x01" * 30
    events = [(1, _ts(2026, 1, 10)), (2, _ts(2026, 1, 20)), (3, _ts(2026, 2, 5))]
    for pos, (sequence, when) in enumerate(events):
        conn.execute(
            "INSERT INTO certificate_events VALUES"
            " (?, ?, 'CR', ?, 1, 1, 1, 1, 0, 0, 0, x'00', 0, x'00', ?, ?, 0, x'00', NULL)",
            (cid, sequence, pos, pos, when),
        )
    acks = [  # partner, sequence, acknowledged at
        ("PE", 1, _ts(2026, 1, 10, 2)),
        ("PE", 2, _ts(2026, 1, 20, 6)),
        ("MX", 1, _ts(2026, 1, 11)),
        ("PE", 3, _ts(2026, 2, 5, 1)),
    ]
    for pos, (partner, sequence, when) in enumerate(acks, start=100):
        conn.execute(
            "INSERT INTO acknowledgements VALUES (?, ?, ?, 'CR', ?, ?, ?, x'00', NULL)",
            (cid, partner, sequence, pos, pos, when),
        )
    conn.commit()
    reader = Reader(path)
    rows = partner_monthly_latency(reader, "CR", at=_ts(2026, 3, 1))
    assert [(r.partner, r.month, r.latency.count) for r in rows] == [
        ("MX", "2026-01", 1),
        ("PE", "2026-01", 2),
        ("PE", "2026-02", 1),
    ]
    pe_january = rows[1].latency
    assert (pe_january.p50, pe_january.p90) == (2 * 3600, 6 * 3600)
    assert rows[0].latency.p50 == 24 * 3600
    assert [r.month for r in partner_monthly_latency(reader, "CR", at=_ts(2026, 3, 1), months=1)] == ["2026-02"]
    assert [r.latency.count for r in partner_monthly_latency(reader, "CR", at=_ts(2026, 1, 15))] == [1, 1]
    reader.close()


def test_kpis_without_history_skip_the_monthly_replay(tmp_path: Path) -> None:
    from ledger_client.index.kpis import administration_kpis

    path = tmp_path / "index.sqlite"
    conn = connect(path)
    create_schema(conn)
    cid = b"CR" + b"\x02" * 30
    conn.execute(
        "INSERT INTO certificates VALUES (?, 'CR', 'N-1', 1, 1, 1, 1, 0, 0, x'00', 1, x'00', 1, ?, 0)",
        (cid, _ts(2026, 1, 1)),
    )
    conn.execute(
        "INSERT INTO certificate_events VALUES"
        " (?, 1, 'CR', 0, 1, 1, 1, 1, 1, 0, 0, x'00', 0, x'00', 1, ?, 0, x'00', NULL)",
        (cid, _ts(2026, 1, 1)),
    )
    conn.commit()
    reader = Reader(path)
    full = administration_kpis(reader, "CR", at=_ts(2026, 2, 1))
    summary = administration_kpis(reader, "CR", at=_ts(2026, 2, 1), months=0)
    assert [m.month for m in full.monthly] == ["2026-01", "2026-02"]
    assert summary.monthly == ()
    assert summary.by_status == full.by_status
    assert summary.by_status["ACTIVE"] == 1
    reader.close()
