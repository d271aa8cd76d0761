"""EIP-7825: a node that caps one transaction at 2**24 gas (anvil ``--enable-tx-gas-limit``).

Batches are sized from the worst-case gas of a certificate (32-character numbers, every field
set), so every chunk fits under min(block gas limit, 2**24); a transaction too large for the
node is a permanent failure (never 503 / retryable), and issue_many splits a chunk the node
refuses rather than failing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.errors import classify
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role
from ledger_client.codec import encode_issue_batch
from ledger_client.errors import GasLimitExceededError, TransactionRejectedError
from ledger_client.transactions import TX_GAS_CAP
from tests.conftest import AnvilFactory
from tests.realnode.conftest import Deployed, deploy_ledger, worst_case_request
from tests.support.anvil import AnvilNode


@pytest.fixture(scope="module")
def capped(anvil_factory: AnvilFactory) -> AnvilNode:
    return anvil_factory("--enable-tx-gas-limit")


@pytest.fixture(scope="module")
def deployed(capped: AnvilNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    ledger = deploy_ledger(capped, tmp_path_factory.mktemp("capped"))
    yield ledger
    ledger.close()


def test_a_thousand_worst_case_certificates_are_all_issued(deployed: Deployed) -> None:
    results = deployed.cr.certificates.issue_many([worst_case_request(i) for i in range(1000)])
    assert [r.error for r in results if r.error is not None] == []
    assert all(r.ok for r in results)
    hashes = {r.tx_hash for r in results}
    assert len(hashes) >= 3  # 1,000 certificates need more than two transactions under 2**24


@pytest.mark.parametrize("margin", [1.0, 1.2, 3.0])
def test_every_chunk_fits_under_the_cap_with_the_margin(deployed: Deployed, margin: float) -> None:
    sender = deployed.cr.context.sender
    saved = sender.gas_margin
    sender.gas_margin = margin
    try:
        size = deployed.cr.certificates.max_chunk()
    finally:
        sender.gas_margin = saved
    assert sender.max_gas() <= TX_GAS_CAP
    data = encode_issue_batch([worst_case_request(i, "M").to_request().encode() for i in range(size)])
    estimate = deployed.cr.chain.estimate_gas(deployed.cr.deployment.address, data, deployed.cr_signer.address)
    assert estimate * margin + 10_000 <= TX_GAS_CAP
    assert estimate * margin + 10_000 > TX_GAS_CAP * 0.7  # the chunks are not needlessly small


def test_a_chunk_the_node_refuses_as_too_large_is_split(deployed: Deployed) -> None:
    # Claim a cap above the node's: the first chunk is refused by the node and must be split.
    sender = deployed.cr.context.sender
    saved = sender.tx_gas_cap
    sender.tx_gas_cap = 40_000_000
    try:
        results = deployed.cr.certificates.issue_many([worst_case_request(i, "S") for i in range(700)], chunk_size=700)
    finally:
        sender.tx_gas_cap = saved
    assert [r.error for r in results if r.error is not None] == []


def test_too_large_for_one_transaction_is_permanent(deployed: Deployed) -> None:
    sender = deployed.cr.context.sender
    data = encode_issue_batch([worst_case_request(i, "P").to_request().encode() for i in range(700)])
    with pytest.raises(GasLimitExceededError) as raised:
        sender.send(deployed.cr_signer, deployed.cr.deployment.address, data, TX_GAS_CAP + 1)
    assert not isinstance(raised.value, TransactionRejectedError)
    assert classify(raised.value)[0] == 500  # transaction-failed: permanent, no Retry-After


def test_api_batch_of_a_thousand_answers_201_for_every_item(deployed: Deployed, tmp_path: Path) -> None:
    settings = ApiSettings(state_dir=tmp_path, index_wait_seconds=30, index_poll_seconds=0.05)
    registry = SignerRegistry(tmp_path / "keystores", governance=None)
    registry.register("CR", deployed.cr_signer)
    runtime = Runtime.assemble(settings, deployed.governance, registry, owner="tests")
    runtime.start()
    try:
        _record, secret = runtime.tokens.create(Role.WRITER, "CR", label="cr")
        body = {
            "certificates": [
                {
                    "number": f"API-{i:05d}",
                    "programmes": ["SECURITY"],
                    "roles": ["IMPORTER"],
                    "sme": False,
                    "valid_from": "2024-01-01T00:00:00Z",
                    "valid_until": None,
                    "document_hash": "0x" + "11" * 32,
                }
                for i in range(1000)
            ]
        }
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
            response = client.post("/v1/certificates/batch", json=body, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 201, response.text[:2000]
        answer = response.json()
        assert answer["issued"] == 1000
        assert answer["failed"] == 0
    finally:
        runtime.close()
