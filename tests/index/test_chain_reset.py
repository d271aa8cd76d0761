"""The index notices that the deployment block changed (a reset chain) and serves nothing from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.errors import ChainResetError
from ledger_client.index.attach import log_source, open_index
from ledger_client.index.core import Index
from ledger_client.ledger import Ledger
from tests.client.conftest import make_request


def test_a_reset_chain_empties_the_index_and_every_sync_says_why(tmp_path: Path) -> None:
    with Ledger.embedded() as ledger:
        signers = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", signers[1].address)
        issued = ledger.with_signer(signers[1]).certificates.issue(make_request("RESET-IDX"))
        index = open_index(ledger, tmp_path / "index.sqlite")
        try:
            index.sync()
            assert index.certificate(issued.certificate_id) is not None
            assert ledger.chain.tester is not None
            ledger.chain.tester.reset_to_genesis()
            ledger.chain.tester.mine_blocks(5)  # the new chain grows past the deployment block

            with pytest.raises(ChainResetError, match="deployment block"):
                index.sync()
            assert index.certificate(issued.certificate_id) is None
            assert index.administration("CR") is None
            assert index.block_number == ledger.deployment.deployment_block - 1
            with pytest.raises(ChainResetError):
                index.sync()  # and stays so while the chain lacks the deployment
            assert index.chain_reset is not None
        finally:
            index.close()


def test_an_index_built_from_another_deployment_block_is_rebuilt(tmp_path: Path) -> None:
    with Ledger.embedded() as ledger:
        signers = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", signers[1].address)
        path = tmp_path / "index.sqlite"
        with open_index(ledger, path) as index:
            index.sync()
            assert index.administration("CR") is not None
        start = ledger.deployment.deployment_block
        # the manifest of a redeployment at the same block (another hash): the old rows go at once
        with Index(path, log_source(ledger), start_block=start, start_hash=b"\x01" * 32) as other:
            assert other.administration("CR") is None
            with pytest.raises(ChainResetError):
                other.sync()  # and this chain is not the one that manifest describes
        with open_index(ledger, path) as index:  # back to the real deployment: rebuilt from the chain
            assert index.sync().events > 0
            assert index.administration("CR") is not None
            assert index.chain_reset is None
