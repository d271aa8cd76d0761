"""The index decodes every event type and materialises the same state as the chain."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

from ledger_client.hashing import code_bytes, number_bytes
from ledger_client.index import EthTesterLogSource, Index, RpcLogSource
from ledger_client.models import CertificateAction, CertificateStatus, MraAction, MraStatus
from tests.support.harness_chain import DOC, Chain

NEW_DOC = Web3.keccak(text="amended document")


def _exercise(chain: Chain) -> dict[str, bytes]:
    """One of every event type; returns the certificate ids."""
    accounts = chain.w3.eth.accounts
    ids = {"a": chain.issue("CR", "CR-A", flags=1), "b": chain.issue("CR", "CR-B")}
    batch = [(number_bytes(f"PE-{i}"), 1, 2, 0, 1_700_000_000, 2_000_000_000, DOC) for i in range(5)]
    chain.tx("PE", "issueBatch", batch)
    chain.tx("CR", "suspend", ids["a"], 3)
    chain.tx("CR", "reinstate", ids["a"], 9)
    chain.tx("CR", "amend", ids["a"], 1, 7, 0, 1_700_000_000, 1_900_000_000, NEW_DOC, 4)
    chain.tx("CR", "renew", ids["a"], 1_800_000_000, 2_100_000_000, DOC)
    chain.tx("CR", "revoke", ids["b"], 1)
    ids["c"] = chain.issue("CR", "CR-C")
    chain.tx("CR", "annul", ids["c"], 6)
    mra = chain.mra(["CR", "PE", "MX"])
    chain.tx("PE", "suspendMra", mra, 2)
    chain.tx("MX", "resumeMra", mra)
    chain.tx("PE", "acknowledge", ids["a"], 1)
    chain.tx("PE", "acknowledge", ids["a"], 5)
    second = chain.mra(["CR", "MX"], accept=False)
    chain.tx("CR", "terminateMra", second, 1)
    chain.tx("CR", "addSigner", accounts[5])
    chain.tx("CR", "removeSigner", accounts[5])
    chain.tx("gov", "freezeAdministration", code_bytes("MX"))
    chain.tx("gov", "recoverAdministration", code_bytes("MX"), accounts[6])
    chain.tx("gov", "unfreezeAdministration", code_bytes("MX"))
    chain.tx("gov", "freezeAdministration", code_bytes("PE"))
    return ids


def _assert_matches_chain(chain: Chain, index: Index, ids: dict[str, bytes]) -> None:
    ledger = chain.ledger.functions
    for cid in ids.values():
        onchain = ledger.certificate(cid).call()
        row = index.certificate(cid)
        assert row is not None
        assert (
            row.status,
            row.programmes,
            row.roles,
            row.flags,
            row.valid_from,
            row.valid_until,
            row.event_count,
            row.head,
        ) == tuple(onchain)
        assert [e.sequence for e in index.history(cid).items] == list(range(1, onchain[6] + 1))
    for mra_id in range(1, ledger.mraCount().call() + 1):
        onchain = ledger.mra(mra_id).call()
        mra = index.mra(mra_id)
        assert mra is not None
        assert (mra.status, mra.accepted_count, mra.event_count, mra.head, mra.terms_hash) == (
            onchain[0],
            onchain[5],
            onchain[6],
            onchain[8],
            onchain[9],
        )
    for code in ("CR", "PE", "MX"):
        _registered, frozen, name, signers = ledger.administration(code_bytes(code)).call()
        admin = index.administration(code)
        assert admin is not None
        assert (admin.name, admin.frozen, sorted(admin.signers)) == (name, frozen, sorted(signers))


def test_every_event_type_is_indexed(fresh: Chain, index: Index) -> None:
    ids = _exercise(fresh)
    report = index.sync()
    assert report.to_block == fresh.head()
    assert report.events > 25
    _assert_matches_chain(fresh, index, ids)

    history = index.history(ids["a"]).items
    assert [e.action for e in history] == [
        CertificateAction.ISSUED,
        CertificateAction.SUSPENDED,
        CertificateAction.REINSTATED,
        CertificateAction.AMENDED,
        CertificateAction.RENEWED,
    ]
    assert history[1].status == CertificateStatus.SUSPENDED
    assert history[1].reason_code == 3
    assert history[3].roles == 7
    assert history[3].document_hash == NEW_DOC
    assert history[3].reason_code == 4
    assert (history[4].valid_from, history[4].valid_until, history[4].roles) == (1_800_000_000, 2_100_000_000, 7)
    assert all(e.sender == fresh.signers["CR"] for e in history)
    assert all(e.block_time > 0 and len(e.tx_hash) == 32 for e in history)
    cert = index.certificate(ids["a"])
    assert cert is not None
    assert cert.document_hash == DOC
    assert not cert.sme  # amended to non-SME
    assert cert.number == "CR-A"
    assert index.certificate(ids["c"]).status == CertificateStatus.ANNULLED  # type: ignore[union-attr]
    issued_c = index.history(ids["c"]).items[0]
    before_annulment = index.status_at(ids["c"], issued_c.block_time)
    assert before_annulment.status == CertificateStatus.ACTIVE
    assert before_annulment.annulled_later  # void from the start

    mra = index.mra(1)
    assert mra is not None
    assert mra.parties == ("CR", "PE", "MX")
    assert mra.accepted == mra.parties
    assert [e.action for e in index.mra_history(1)] == [
        MraAction.PROPOSED,
        MraAction.ACCEPTED,
        MraAction.ACCEPTED,
        MraAction.SUSPENDED,
        MraAction.RESUMED,
    ]
    assert index.mra(2).status == MraStatus.TERMINATED  # type: ignore[union-attr]
    assert [m.id for m in index.mras_of("MX")] == [1, 2]
    assert index.administration("PE").frozen  # type: ignore[union-attr]
    assert index.administration("MX").signers == (fresh.w3.eth.accounts[6],)  # type: ignore[union-attr]
    acks = index.feed("PE").items
    assert {(e.event.sequence, e.acknowledged) for e in acks if e.event.certificate_id == ids["a"]} == {
        (1, True),
        (2, False),
        (3, False),
        (4, False),
        (5, True),
    }


def test_incremental_sync_never_rescans(fresh: Chain, index: Index) -> None:
    first = fresh.issue("CR", "CR-1")
    assert index.sync().events == 4  # three registrations and the issue
    assert index.sync().events == 0
    fresh.tx("CR", "suspend", first, 1)
    report = index.sync()
    assert (report.events, report.from_block) == (1, fresh.head() - 1)


def test_restart_resumes_without_duplicates(fresh: Chain, tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite"
    source = EthTesterLogSource(fresh.tester, fresh.ledger.address)
    cid = fresh.issue("CR", "CR-R")
    with Index(path, source, start_block=fresh.start_block) as index:
        index.sync()
        stopped_at = index.block_number
    fresh.tx("CR", "suspend", cid, 1)
    fresh.tx("CR", "reinstate", cid, 0)
    with Index(path, source, start_block=fresh.start_block) as index:
        assert index.block_number == stopped_at
        report = index.sync()
        assert report.from_block == stopped_at
        assert report.events == 2
        assert [e.sequence for e in index.history(cid).items] == [1, 2, 3]
        assert index.reader.execute("SELECT COUNT(*) FROM certificate_events")[0][0] == 3
        assert index.reader.execute("SELECT COUNT(*) FROM administration_events")[0][0] == 3


def test_rpc_source_gives_the_same_index(fresh: Chain, tmp_path: Path, index: Index) -> None:
    ids = _exercise(fresh)
    index.sync()
    rpc = RpcLogSource(fresh.w3, fresh.ledger.address, max_range=7)
    with Index(tmp_path / "rpc.sqlite", rpc, start_block=fresh.start_block) as other:
        other.sync()
        _assert_matches_chain(fresh, other, ids)
        for cid in ids.values():
            assert other.history(cid) == index.history(cid)
        assert other.feed("PE") == index.feed("PE")
        assert [other.mra(i) for i in (1, 2)] == [index.mra(i) for i in (1, 2)]


def test_database_of_another_contract_is_refused(fresh: Chain, tmp_path: Path) -> None:
    import pytest

    from ledger_client.errors import IndexConfigurationError

    path = tmp_path / "bound.sqlite"
    Index(path, EthTesterLogSource(fresh.tester, fresh.ledger.address), start_block=fresh.start_block).close()
    other = EthTesterLogSource(fresh.tester, fresh.governance)
    with pytest.raises(IndexConfigurationError, match="address"):
        Index(path, other, start_block=fresh.start_block)


def test_for_web3_picks_the_in_process_source(fresh: Chain, tmp_path: Path) -> None:
    cid = fresh.issue("MX", "MX-1")
    with Index.for_web3(tmp_path / "w3.sqlite", fresh.w3, fresh.ledger.address, start_block=fresh.start_block) as idx:
        assert isinstance(idx.follower.source, EthTesterLogSource)
        idx.wait_for_block(fresh.head())
        assert idx.certificate("0x" + cid.hex()) is not None
