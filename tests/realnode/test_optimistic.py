"""The optimistic gas strategy on anvil: writes go out without a pre-flight; a refusal is mined as a
failed transaction and still named; with a gateway's index as foresight a foreseen refusal sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.errors import CertificateAlreadyIssued, CertificateNotActive
from ledger_client.index.attach import open_index
from ledger_client.index.foresight import IndexForesight
from ledger_client.models import ReasonCode
from ledger_client.settings import GasStrategy
from tests.realnode.conftest import deploy_ledger, worst_case_request
from tests.support.anvil import AnvilNode


def test_optimistic_writes_on_anvil_name_a_mined_refusal_and_the_index_foresees_the_next(
    anvil: AnvilNode, tmp_path: Path
) -> None:
    deployed = deploy_ledger(anvil, tmp_path, gas_strategy=GasStrategy.OPTIMISTIC)
    try:
        cr, address = deployed.cr, deployed.cr_signer.address
        assert cr.context.sender.optimistic
        cid = cr.certificates.issue(worst_case_request(1, "O")).certificate_id
        cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
        sent = cr.chain.transaction_count(address)
        with pytest.raises(CertificateNotActive):
            cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
        assert cr.chain.transaction_count(address) == sent + 1  # mined as a failed transaction, then named
        results = cr.certificates.issue_many([worst_case_request(2, "O"), worst_case_request(1, "O")])
        assert [r.ok for r in results] == [True, False]
        assert isinstance(results[1].error, CertificateAlreadyIssued)

        index = open_index(cr, tmp_path / "index.sqlite")
        try:
            index.sync()
            cr.use_foresight(IndexForesight(index))
            sent = cr.chain.transaction_count(address)
            with pytest.raises(CertificateNotActive):
                cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
            assert cr.chain.transaction_count(address) == sent  # foreseen: pre-flighted, nothing sent
        finally:
            index.close()
    finally:
        deployed.close()
