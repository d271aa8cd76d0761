"""A node restarted empty on the same URL is not ready: nothing is sent, the old rows are not served.

The in-memory chain's ``reset_to_genesis`` stands for the node restarting without its data (the
anvil tests restart anvil itself).
"""

from __future__ import annotations

import time
from pathlib import Path

from ledger_client.index import Index
from tests.hardening.support import api_env, assert_problem, issue_body


def test_a_reset_chain_fails_ready_refuses_writes_and_empties_the_index(tmp_path: Path) -> None:
    with api_env(tmp_path, admins=("CR", "PE")) as env:
        issued = env.client.post("/v1/certificates", json=issue_body("RESET-1"), headers=env.headers("cr_writer"))
        assert issued.status_code == 201, issued.text
        cid = issued.json()["certificate"]["id"]
        assert env.client.get("/ready").status_code == 200
        chain = env.ledger.chain
        assert chain.tester is not None
        governance = env.ledger.signer
        assert governance is not None

        chain.tester.reset_to_genesis()  # the node restarted empty on the same URL
        env.ledger.guard.forget()  # (instead of waiting deployment_check_seconds)

        ready = assert_problem(env.client.get("/ready"), 503)
        assert ready["type"].endswith(":chain-reset"), ready
        assert "deployment block" in ready["detail"]
        assert ready["deployment_block"] == env.ledger.deployment.deployment_block
        assert ready["expected_block_hash"] == env.ledger.deployment.deployment_block_hash

        write = env.client.post("/v1/certificates", json=issue_body("RESET-2"), headers=env.headers("cr_writer"))
        assert assert_problem(write, 503)["type"].endswith(":chain-reset")
        admin = env.client.post(
            "/v1/administrations",
            json={"code": "MX", "name": "Mexico", "signer": env.dev[3].address},
            headers=env.headers("governance"),
        )
        assert assert_problem(admin, 503)["type"].endswith(":chain-reset")
        assert chain.block_number() == 0  # nothing was sent to the empty chain
        for signer in (env.dev[1], governance):
            assert chain.transaction_count(signer.address) == 0

        index: Index = env.runtime.index
        deadline = time.monotonic() + 30
        while index.chain_reset is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the background follower notices on its own
        assert index.chain_reset is not None
        assert index.certificate(cid) is None  # the old chain's rows are gone, not served as current
        read = env.client.get(f"/v1/certificates/{cid}", headers=env.headers("auditor"))
        assert assert_problem(read, 503)["type"].endswith(":chain-reset")
