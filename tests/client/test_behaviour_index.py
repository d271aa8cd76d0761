"""The index follows, and the auditor proves, what each backend's chain holds (behaviour suite).

Each backend hands the index and the auditor its own log source (eth-tester's py-evm read
in-process, ``eth_getLogs`` of the durable node over JSON-RPC, anvil's): the same writes give
the same index, every history audits clean, and a reorg (a reverted snapshot, where the backend
has snapshots) is rewound.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledger_client.audit import Auditor
from ledger_client.certificates import CertificateRequest
from ledger_client.index.attach import open_index
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus, ReasonCode
from tests.client.conftest import DOC
from tests.support.backends import BEHAVIOUR_SUITE, SNAPSHOT_BACKENDS

Factory = Callable[..., CertificateRequest]


def _auditor(ledger: Ledger) -> Auditor:
    address = ledger.deployment.address
    return Auditor(
        ledger.chain.w3,
        address,
        start_block=ledger.deployment.deployment_block,
        source=ledger.chain.log_source(address),
    )


@BEHAVIOUR_SUITE
def test_index_follows_writes_and_the_audit_agrees(
    cr: Ledger, pe: Ledger, new_request: Factory, tmp_path: Path
) -> None:
    cid = cr.certificates.issue(new_request()).certificate_id
    batch = cr.certificates.issue_many([new_request(f"CR-B-{n}") for n in range(3)])
    assert all(row.error is None for row in batch)
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    cr.certificates.reinstate(cid)
    mra_id = cr.mras.propose(["CR", "PE"], 1, 1, 0, DOC).mra_id
    pe.mras.accept(mra_id)
    pe.recognition.acknowledge(cid, 3)

    with open_index(cr, tmp_path / "index.sqlite") as index:
        report = index.sync()
        assert report.to_block == cr.chain.block_number()
        row = index.certificate(cid)
        assert row is not None
        assert (row.status, row.event_count) == (CertificateStatus.ACTIVE, 3)
        reasons = [e.reason_code for e in index.history(cid).items]
        assert reasons == [0, ReasonCode.INVESTIGATION, ReasonCode.CORRECTIVE_ACTION_COMPLETED]
        for item in batch:
            assert item.certificate_id is not None
            assert index.certificate(item.certificate_id) is not None
        assert index.mra(mra_id) is not None
        assert index.reader.execute("SELECT COUNT(*) FROM acknowledgements")[0][0] == 1
        auditor = _auditor(cr)
        assert auditor.audit_certificate(cid).ok
        assert auditor.audit_mra(mra_id).ok
        verified = auditor.verify_index(index.reader)
        assert verified.ok, verified.mismatches


@pytest.mark.parametrize("backend", SNAPSHOT_BACKENDS, indirect=True)  # a reverted snapshot makes the reorg
def test_index_rewinds_a_reorg(cr: Ledger, new_request: Factory, tmp_path: Path) -> None:
    kept = cr.certificates.issue(new_request("CR-KEPT")).certificate_id
    with open_index(cr, tmp_path / "index.sqlite") as index:
        index.sync()
        fork = cr.chain.snapshot()
        dropped = cr.certificates.issue(new_request("CR-DROPPED")).certificate_id
        index.sync()
        assert index.certificate(dropped) is not None

        cr.chain.revert(fork)  # the chain drops the branch the index followed
        cr.context.sender.nonces.invalidate_all()
        other = cr.certificates.issue(new_request("CR-OTHER")).certificate_id
        cr.certificates.suspend(kept, ReasonCode.INVESTIGATION)
        cr.certificates.revoke(kept, ReasonCode.FRAUD)  # the new branch is longer than the old one
        report = index.sync()

        assert report.reorgs == 1
        assert index.certificate(dropped) is None
        assert index.certificate(other) is not None
        row = index.certificate(kept)
        assert row is not None
        assert (row.status, row.event_count) == (CertificateStatus.REVOKED, 3)
        verified = _auditor(cr).verify_index(index.reader)
        assert verified.ok, verified.mismatches
