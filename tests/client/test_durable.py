"""The same API on the durable embedded node (in-process provider from ledger_client.node)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.errors import CertificateNotActive
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus, ReasonCode
from ledger_client.settings import GasStrategy, Settings

Factory = Callable[..., CertificateRequest]


def test_durable_embedded_ledger_survives_reopen(tmp_path: Path, new_request: Factory) -> None:
    data = tmp_path / "node"
    with Ledger.embedded(data_dir=data) as ledger:
        assert ledger.context.sender.gas_strategy is GasStrategy.SIMULATE
        assert not ledger.context.sender.can_speculate
        signer = ledger.dev_signers()[1]
        ledger.administrations.register("CR", "Costa Rica", signer.address)
        cr = ledger.with_signer(signer)
        cid = cr.certificates.issue(new_request()).certificate_id
        cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
        with pytest.raises(CertificateNotActive) as info:
            cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
        assert info.value.inputs["status"] is CertificateStatus.SUSPENDED
        results = cr.certificates.issue_many([new_request(f"D-{i}") for i in range(20)] + [new_request()])
        assert sum(r.ok for r in results) == 20
        assert results[-1].error is not None
        address = ledger.deployment.address
    assert (data / "deployments" / "local.json").exists()
    with Ledger.embedded(data_dir=data) as reopened:
        assert reopened.deployment.address == address
        assert reopened.certificates.get(cid).status is CertificateStatus.SUSPENDED


@pytest.mark.slow  # eight threads writing through the durable node (about 30 s)
def test_durable_eight_threads_one_key(tmp_path: Path, new_request: Factory) -> None:
    # 400 writes that each wait for their receipt: instant blocks (realtime would seal ~8 a second)
    with Ledger.embedded(data_dir=tmp_path / "node", settings=Settings(block_mode="instant")) as ledger:
        signer = ledger.dev_signers()[1]
        ledger.administrations.register("CR", "Costa Rica", signer.address)
        cr = ledger.with_signer(signer)

        def worker(thread: int) -> int:
            for i in range(50):
                cr.certificates.issue(new_request(f"T{thread}-{i}"))
            return 50

        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(worker, range(8))) == 400
        assert ledger.chain.transaction_count(signer.address) == 400
