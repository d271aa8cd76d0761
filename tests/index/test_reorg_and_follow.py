"""Reorgs (made with eth-tester snapshot/revert), the background follower and read-your-writes."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from ledger_client.audit import Auditor
from ledger_client.backends.memory_logs import EthTesterLogSource
from ledger_client.errors import IndexTimeoutError
from ledger_client.index import Index
from ledger_client.index.kpi_months import recomputed, table
from ledger_client.index.sources import BlockHeader, BlockLogs, TopicFilter
from ledger_client.models import CertificateStatus, MraStatus
from tests.support.harness_chain import Chain


def _verify(chain: Chain, index: Index) -> None:
    auditor = Auditor(chain.w3, chain.ledger.address, start_block=chain.start_block)
    result = auditor.verify_index(index.reader)
    assert result.ok, result.mismatches


def test_reorg_rewinds_and_matches_the_new_chain(fresh: Chain, index: Index) -> None:
    kept = fresh.issue("CR", "CR-KEPT")
    index.sync()
    fork = fresh.tester.take_snapshot()
    fork_block = fresh.head()
    dropped = fresh.issue("CR", "CR-DROPPED")
    fresh.tx("CR", "suspend", kept, 1)
    mra = fresh.mra(["CR", "PE"])
    fresh.tx("PE", "acknowledge", kept, 2)
    index.sync()
    assert index.certificate(dropped) is not None
    assert index.mra(mra) is not None

    fresh.tester.revert_to_snapshot(fork)
    other = fresh.issue("PE", "PE-OTHER")
    fresh.tx("CR", "revoke", kept, 6)
    fresh.tester.mine_blocks(5)  # the new branch is longer than the old one
    report = index.sync()

    assert report.reorgs == 1
    assert report.rewound_to == fork_block
    assert index.block_number == fresh.head()
    assert index.certificate(dropped) is None
    assert index.certificate(other) is not None
    kept_row = index.certificate(kept)
    assert kept_row is not None
    assert kept_row.status == CertificateStatus.REVOKED
    assert kept_row.event_count == 2
    assert [e.reason_code for e in index.history(kept).items] == [0, 6]
    assert index.mra(mra) is None
    assert index.mras_of("PE") == []
    assert index.reader.execute("SELECT COUNT(*) FROM acknowledgements")[0][0] == 0
    assert index.reader.execute("SELECT COUNT(*) FROM mra_pairs")[0][0] == 0
    # The KPI month aggregates were taken back with the dropped blocks: what a rebuild would hold.
    assert table(index.reader.connection) == recomputed(index.reader.connection)
    assert index.kpis("CR").monthly[-1].by_status == index.kpis("CR").by_status
    assert index.kpis("CR").by_status["REVOKED"] == 1
    _verify(fresh, index)


def test_reorg_to_a_shorter_chain_and_within_an_mra(fresh: Chain, index: Index) -> None:
    mra = fresh.mra(["CR", "PE"], accept=False)
    index.sync()
    fork = fresh.tester.take_snapshot()
    fresh.tx("PE", "acceptMra", mra)
    fresh.tx("CR", "suspendMra", mra, 3)
    fresh.tester.mine_blocks(3)
    index.sync()
    assert index.mra(mra).status == MraStatus.SUSPENDED  # type: ignore[union-attr]

    fresh.tester.revert_to_snapshot(fork)
    fresh.tx("PE", "terminateMra", mra, 2)  # one block: the new branch is shorter
    report = index.sync()
    assert report.reorgs == 1
    row = index.mra(mra)
    assert row is not None
    assert (row.status, row.accepted, row.event_count, row.live_block) == (MraStatus.TERMINATED, ("CR",), 2, None)
    _verify(fresh, index)


def test_wait_for_block_syncs_in_the_caller(fresh: Chain, index: Index) -> None:
    cid = fresh.issue("CR", "CR-W")
    assert index.wait_for_block(fresh.head(), timeout=5) == fresh.head()
    assert index.certificate(cid) is not None
    with pytest.raises(IndexTimeoutError):
        index.wait_for_block(fresh.head() + 100, timeout=0.2)


def test_background_follower_gives_read_your_writes(fresh: Chain, index: Index) -> None:
    lock = threading.Lock()
    index.follower.source._lock = lock  # type: ignore[attr-defined]  # share the writer's lock
    index.start(poll_interval=0.01)
    try:
        for i in range(5):
            with lock:
                cid = fresh.issue("CR", f"CR-BG-{i}")
                block = fresh.head()
            index.wait_for_block(block, timeout=5)
            assert index.certificate(cid) is not None  # read from this thread's own connection
    finally:
        index.stop()
    assert index.follower.last_error is None


class CountingSource:
    """A log source that counts the calls the follower makes."""

    def __init__(self, inner: EthTesterLogSource) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    @property
    def address(self) -> str:
        return self.inner.address

    def head(self) -> int:
        self.calls["head"] += 1
        return self.inner.head()

    def header(self, number: int) -> BlockHeader | None:
        self.calls["header"] += 1
        return self.inner.header(number)

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        self.calls["read"] += 1
        return self.inner.read(from_block, to_block, topics)


def test_following_one_block_with_logs_reads_it_once_and_a_reached_block_asks_nothing(
    fresh: Chain, tmp_path: Path
) -> None:
    source = CountingSource(EthTesterLogSource(fresh.tester, fresh.ledger.address))
    with Index(tmp_path / "counted.sqlite", source, start_block=fresh.start_block) as index:
        index.sync()
        fresh.issue("CR", "CR-ONE")
        source.calls.clear()
        report = index.sync()
        assert report.events == 1
        # the head, the cursor's hash (a reorg?), the new block's logs with its header: nothing more
        assert source.calls == Counter(head=1, header=1, read=1)
        source.calls.clear()
        assert index.sync(to_block=fresh.head()).events == 0
        assert source.calls == Counter()  # read-your-writes behind a sync that brought the block in
        _verify(fresh, index)


def test_a_reorg_during_a_read_is_caught_by_the_next_sync(fresh: Chain, tmp_path: Path) -> None:
    kept = fresh.issue("CR", "CR-KEPT")

    class ReorgDuringRead(CountingSource):
        """Its first read answers what the chain held, then the chain reorganises before the follower
        reads anything else."""

        def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
            blocks = self.inner.read(from_block, to_block, topics)
            if not self.calls["read"]:
                fresh.tester.revert_to_snapshot(fork)
                moved["other"] = fresh.issue("PE", "PE-OTHER")
            self.calls["read"] += 1
            return blocks

    moved: dict[str, bytes] = {}
    with Index(
        tmp_path / "moving.sqlite",
        ReorgDuringRead(EthTesterLogSource(fresh.tester, fresh.ledger.address)),
        start_block=fresh.start_block,
    ) as index:
        fork = fresh.tester.take_snapshot()
        dropped = fresh.issue("CR", "CR-DROPPED")
        index.sync()  # commits what its read answered: the old branch, consistent in itself
        assert index.certificate(dropped) is not None
        report = index.sync()  # the cursor block is no longer canonical: rewound and read again
        assert report.reorgs == 1
        assert index.certificate(dropped) is None
        assert index.certificate(moved["other"]) is not None
        assert index.certificate(kept) is not None
        _verify(fresh, index)
