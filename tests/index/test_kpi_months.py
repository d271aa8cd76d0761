"""The month aggregates the index keeps (``kpi_months``) equal a computation from scratch after
random sequences of issue, suspend, reinstate, revoke, annul, amend, renew and acknowledge, and
after reorgs; the monthly KPIs read from them equal the replay of every event."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_client.events import (
    CertificateAmended,
    CertificateEventAcknowledged,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
    EventRecord,
    LedgerEvent,
    LogPosition,
    Terms,
)
from ledger_client.index.kpi_months import recomputed, table
from ledger_client.index.kpis import (
    acknowledgements_of,
    month_start,
    monthly_kpis,
    next_month,
    replayed_monthly_kpis,
)
from ledger_client.index.queries import Reader
from ledger_client.index.schema import connect
from ledger_client.index.sources import BlockHeader
from ledger_client.index.store import Store
from ledger_client.models import CertificateAction, CertificateStatus

START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400
ISSUERS = ("CR", "PE")
HEAD = b"\x07" * 16
DOC = b"\x05" * 32

# One step: (kind, certificate pick, programmes, validity end (None: open-ended; days from now, or
# (months ahead, seconds from that month's first instant) for ends next to a month's last second),
# days since the last block).
Step = tuple[str, int, int, int | tuple[int, int] | None, int]
STEPS = st.tuples(
    st.sampled_from(["issue", "issue", "suspend", "reinstate", "revoke", "annul", "amend", "renew", "ack"]),
    st.integers(0, 50),
    st.integers(1, 15),
    st.one_of(st.none(), st.integers(-20, 120), st.tuples(st.integers(0, 3), st.integers(-3, 1))),
    st.sampled_from([0, 0, 1, 3, 17, 40]),
)


def _until(now: int, end: int | tuple[int, int] | None) -> int:
    if end is None:
        return 0
    if isinstance(end, int):
        return now + end * DAY
    months, seconds = end
    start = month_start(now)
    for _ in range(months + 1):
        start = next_month(start)
    return int(start.timestamp()) + seconds


@dataclass
class Certificate:
    issuer: str
    status: CertificateStatus
    sequence: int


@dataclass
class Chain:
    """A model of the ledger's rules, enough to write only valid events."""

    block: int = 0
    time: int = START
    certificates: dict[bytes, Certificate] = field(default_factory=dict)
    acked: set[tuple[bytes, int]] = field(default_factory=set)


def _event(model: Chain, step: Step) -> LedgerEvent | None:
    kind, pick, programmes, offset, _ = step
    until = _until(model.time, offset)
    ids = sorted(model.certificates)
    if kind == "issue" or not ids:
        n = len(model.certificates)
        issuer = ISSUERS[pick % 2]
        cid = issuer.encode() + n.to_bytes(30, "big")
        model.certificates[cid] = Certificate(issuer, CertificateStatus.ACTIVE, 1)
        return CertificateIssued(cid, issuer, f"{issuer}-{n}", Terms(programmes, 1, pick % 2, START, until), DOC, HEAD)
    cid = ids[pick % len(ids)]
    c = model.certificates[cid]
    live = c.status in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
    transitions = {
        "suspend": (CertificateAction.SUSPENDED, CertificateStatus.SUSPENDED, c.status == CertificateStatus.ACTIVE),
        "reinstate": (CertificateAction.REINSTATED, CertificateStatus.ACTIVE, c.status == CertificateStatus.SUSPENDED),
        "revoke": (CertificateAction.REVOKED, CertificateStatus.REVOKED, live),
        "annul": (CertificateAction.ANNULLED, CertificateStatus.ANNULLED, live),
    }
    if kind in transitions:
        action, status, allowed = transitions[kind]
        if not allowed:
            return None
        c.sequence += 1
        c.status = status
        return CertificateStatusChanged(cid, c.issuer, action, c.sequence, 1, HEAD)
    if kind == "ack":
        if (cid, c.sequence) in model.acked:
            return None
        model.acked.add((cid, c.sequence))
        return CertificateEventAcknowledged(cid, c.issuer, "MX", c.sequence)
    if not live:
        return None
    c.sequence += 1
    if kind == "amend":
        return CertificateAmended(cid, c.issuer, c.sequence, Terms(programmes, 1, 0, START, until), DOC, 0, HEAD)
    return CertificateRenewed(cid, c.issuer, c.sequence, START, until, DOC, HEAD)


def _apply(store: Store, model: Chain, steps: list[Step], branch: int, history: list[Chain]) -> None:
    """Write each step in its own block (the same block when 0 days pass), committing every few blocks;
    ``history[b - 1]`` is the model at the end of block ``b`` for every block before the last."""
    records: list[EventRecord] = []
    headers: list[BlockHeader] = []
    for step in steps:
        if step[4] or not headers:
            if model.block:
                history.append(_copy(model))  # the state at the end of the block before
            model.block += 1
            model.time += step[4] * DAY + 12
            parent = headers[-1].hash if headers else b"\x00" * 32
            headers.append(
                BlockHeader(model.block, bytes([branch]) + model.block.to_bytes(31, "big"), parent, model.time)
            )
        event = _event(model, step)
        if event is not None:
            position = LogPosition(model.block, headers[-1].hash, model.time, b"\x01" * 32, 0, len(records), None)
            records.append(EventRecord(position, event))
        if len(headers) >= 3:
            store.commit_blocks(records, headers[:-1], headers[-1])
            records, headers = [], []
    if headers:
        store.commit_blocks(records, headers[:-1], headers[-1])


def _copy(model: Chain) -> Chain:
    return replace(
        model,
        certificates={k: replace(v) for k, v in model.certificates.items()},
        acked=set(model.acked),
    )


def _check(path: Path) -> None:
    reader = Reader(path)
    try:
        assert table(reader.connection) == recomputed(reader.connection)
        latest = reader.latest_time()
        for code in ISSUERS:
            for at in (latest, latest + 45 * DAY):
                acks = acknowledgements_of(reader, code, at)
                replayed = replayed_monthly_kpis(reader, code, at, acks)  # at >= latest: aggregates vs replay
                assert monthly_kpis(reader, code, at, acks) == replayed
                assert monthly_kpis(reader, code, at, acks, 3) == replayed[-3:]
    finally:
        reader.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(STEPS, min_size=1, max_size=40),
    fork=st.floats(0, 1),
    second=st.lists(STEPS, min_size=0, max_size=25),
)
def test_aggregates_equal_a_computation_from_scratch_through_a_reorg(
    first: list[Step], fork: float, second: list[Step]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        conn = connect(path)
        store = Store(conn)
        store.bind("0x" + "00" * 20, 1, None)
        model = Chain()
        history: list[Chain] = []
        _apply(store, model, first, 1, history)
        history.append(_copy(model))
        _check(path)

        fork_block = int(fork * model.block)  # 0: every block is rewound
        store.rewind(fork_block)
        model = _copy(history[fork_block - 1]) if fork_block else Chain()
        assert model.block == fork_block
        _check(path)

        _apply(store, model, second, 2, history[:fork_block])
        _check(path)
        conn.close()


def test_an_index_written_before_the_aggregates_is_filled_when_opened() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        conn = connect(path)
        store = Store(conn)
        store.bind("0x" + "00" * 20, 1, None)
        model = Chain()
        steps: list[Step] = [("issue", 0, 3, 40, 1), ("issue", 1, 4, None, 2), ("suspend", 0, 1, None, 30)]
        _apply(store, model, steps, 1, [])
        kept = table(conn)
        assert kept
        conn.execute("DELETE FROM kpi_months")
        conn.execute("DELETE FROM meta WHERE key = 'kpi_months'")
        Store(conn)
        assert table(conn) == kept
        conn.close()
