"""On anvil: no ghost writes after a reorg (item 3) and a reset chain is not ready (item 4).

``anvil_rollback``, ``anvil_reorg`` and ``evm_revert`` drop blocks and their transactions leave
the node altogether (nothing returns to its pool): before the fix the next write signed a nonce
past the gap, was queued by the node, hung until the receipt timeout (503) and landed later.
``anvil_reset`` is the node restarted empty on the same URL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus, ReasonCode
from ledger_client.outcomes import OutcomeState
from tests.realnode.conftest import Deployed, deploy_ledger, worst_case_request
from tests.support.anvil import AnvilNode

#: Receipt timeout of these tests: a write queued behind a nonce gap would wait this long (then 202).
RECEIPT_TIMEOUT = 8.0


@pytest.fixture
def deployed(anvil_factory: Any, tmp_path: Path) -> Iterator[Deployed]:
    """A fresh anvil node per test (reorgs and resets must not leak), the ledger deployed, CR registered."""
    node: AnvilNode = anvil_factory()
    ledger = deploy_ledger(node, tmp_path, receipt_timeout_seconds=RECEIPT_TIMEOUT, deployment_check_seconds=0)
    yield ledger
    ledger.close()
    node.stop()


def _id(ledger: Ledger, serial: int) -> bytes:
    return ledger.certificates.certificate_id("CR", worst_case_request(serial).number)


@pytest.mark.parametrize(
    "reorg",
    [
        pytest.param(lambda node: node.rpc("anvil_rollback", 2), id="anvil_rollback"),
        pytest.param(lambda node: node.rpc("anvil_reorg", 2, []), id="anvil_reorg"),
    ],
)
def test_writes_a_reorg_drops_land_again_and_the_next_write_does_not_hang(deployed: Deployed, reorg: Any) -> None:
    cr, node = deployed.cr, deployed.node
    first = cr.certificates.issue(worst_case_request(1))
    suspended = cr.certificates.suspend(first.certificate_id, ReasonCode.INVESTIGATION)
    reorg(node)  # both blocks replaced: the issue and the suspension are gone from the node
    assert not cr.certificates.exists(first.certificate_id)

    started = time.monotonic()
    after = cr.certificates.issue(worst_case_request(2))
    waited = time.monotonic() - started

    assert waited < RECEIPT_TIMEOUT / 2, f"the write waited {waited:.1f} s: it was queued behind a nonce gap"
    assert cr.certificates.get(first.certificate_id).status is CertificateStatus.SUSPENDED
    assert cr.certificates.exists(after.certificate_id)
    for result in (first, suspended, after):
        outcome = cr.transaction_outcome(bytes.fromhex(result.tx_hash[2:]))
        assert outcome is not None
        assert outcome.state is OutcomeState.LANDED, outcome
    assert node.rpc("txpool_content")["queued"] == {}


def test_evm_revert_then_asking_for_the_outcome_resends_the_dropped_write(deployed: Deployed) -> None:
    cr, node = deployed.cr, deployed.node
    snapshot = node.rpc("evm_snapshot")
    issued = cr.certificates.issue(worst_case_request(3))
    assert node.rpc("evm_revert", snapshot) is True
    tx_hash = bytes.fromhex(issued.tx_hash[2:])
    assert cr.chain.receipt(tx_hash) is None

    outcome = cr.transaction_outcome(tx_hash)  # the gateway re-sends what the node lost

    assert outcome is not None
    assert outcome.state in (OutcomeState.PENDING, OutcomeState.LANDED)
    cr.chain.wait_for_receipt(tx_hash, 10)
    landed = cr.transaction_outcome(tx_hash)
    assert landed is not None
    assert landed.state is OutcomeState.LANDED
    assert [r.key for r in landed.resources] == ["0x" + issued.certificate_id.hex()]


@dataclass
class _Api:
    client: TestClient
    runtime: Runtime
    headers: dict[str, str]

    def issue(self, serial: int) -> Any:
        request = worst_case_request(serial)
        body = {
            "number": request.number,
            "programmes": ["SECURITY"],
            "roles": ["IMPORTER"],
            "sme": False,
            "valid_from": "2024-01-01T00:00:00Z",
            "valid_until": None,
            "document_hash": "0x" + "11" * 32,
        }
        return self.client.post("/v1/certificates", json=body, headers=self.headers)


@pytest.fixture
def api(deployed: Deployed, tmp_path: Path) -> Iterator[_Api]:
    """The API over the anvil deployment, with a CR writer token."""
    state = tmp_path / "state"
    settings = ApiSettings(state_dir=state, index_wait_seconds=10, index_poll_seconds=0.05)
    registry = SignerRegistry(state / "keystores", governance=deployed.governance.signer)
    registry.register("CR", deployed.cr_signer)
    runtime = Runtime.assemble(settings, deployed.governance, registry, owner="anvil")
    runtime.owns = False
    runtime.start()
    _, secret = runtime.tokens.create(Role.WRITER, "CR", label="cr")
    try:
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
            yield _Api(client, runtime, {"Authorization": f"Bearer {secret}"})
    finally:
        runtime.close()


def test_api_write_after_a_rollback_answers_201_at_once_and_the_dropped_one_is_back(
    api: _Api, deployed: Deployed
) -> None:
    first = api.issue(10)
    assert first.status_code == 201, first.text
    deployed.node.rpc("anvil_rollback", 1)

    second = api.issue(11)

    assert second.status_code == 201, second.text  # not a 503 after the receipt timeout
    cid = first.json()["certificate"]["id"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the index follows the reorg and the re-sent write on its own
        got = api.client.get(f"/v1/certificates/{cid}", headers=api.headers)
        if got.status_code == 200:
            break
        time.sleep(0.05)
    assert got.status_code == 200, got.text
    assert got.json()["status"] == "ACTIVE"


def test_api_write_not_mined_in_time_answers_202_and_lands_when_mined(api: _Api, deployed: Deployed) -> None:
    node = deployed.node
    node.rpc("evm_setAutomine", False)
    deployed.governance.chain.receipt_timeout = 0.5
    try:
        accepted = api.issue(20)
    finally:
        deployed.governance.chain.receipt_timeout = RECEIPT_TIMEOUT

    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert accepted.headers["location"] == body["outcome_url"]
    pending = api.client.get(body["outcome_url"], headers=api.headers)
    assert pending.json()["state"] == "pending", pending.text
    node.rpc("evm_mine")
    node.rpc("evm_setAutomine", True)
    landed = api.client.get(body["outcome_url"], headers=api.headers).json()
    assert landed["state"] == "landed", landed
    assert landed["resources"][0]["kind"] == "certificate"


def test_a_reset_node_is_not_ready_gets_no_write_and_its_index_serves_nothing(api: _Api, deployed: Deployed) -> None:
    issued = api.issue(30)
    assert issued.status_code == 201, issued.text
    cid = issued.json()["certificate"]["id"]
    assert api.client.get("/ready").status_code == 200
    node, chain = deployed.node, deployed.governance.chain
    state = node.rpc("anvil_dumpState")

    node.rpc("anvil_reset")  # the node restarted empty on the same URL

    ready = api.client.get("/ready")
    assert ready.status_code == 503, ready.text
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert ready.json()["type"].endswith(":chain-reset")
    write = api.issue(31)
    assert write.status_code == 503, write.text
    assert write.json()["type"].endswith(":chain-reset")
    assert chain.block_number() == 0
    assert chain.transaction_count(deployed.cr_signer.address) == 0  # nothing was sent
    deadline = time.monotonic() + 20
    while api.runtime.index.chain_reset is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.runtime.index.certificate(bytes.fromhex(cid[2:])) is None
    read = api.client.get(f"/v1/certificates/{cid}", headers=api.headers)
    assert read.status_code == 503, read.text

    # the node's data comes back (its dumped state, blocks included): ready again, the index rebuilt
    node.rpc("anvil_loadState", state)
    assert chain.block(deployed.governance.deployment.deployment_block).hash.hex() == (
        deployed.governance.deployment.deployment_block_hash.removeprefix("0x")
    )
    deadline = time.monotonic() + 20
    while api.client.get("/ready").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.client.get("/ready").status_code == 200
    api.runtime.index.wait_for_block(chain.block_number(), timeout=20)  # ready tolerates a lag of a few blocks
    again = api.client.get(f"/v1/certificates/{cid}", headers=api.headers)
    assert again.status_code == 200, again.text
    assert api.issue(32).status_code == 201
