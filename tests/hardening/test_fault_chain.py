"""Fault drills on the chain side of the API: a reorganisation under the index, and the node going away.

- Reorg (eth-tester snapshot/revert on the in-memory embedded chain, the API's background follower
  running): afterwards every API answer (certificate, history, list, audit) matches the chain.
- Node unreachable (API in RPC mode against an ``aeo-ledger node`` subprocess that is ``kill -9``-ed
  mid-write and restarted): writes answer 503 problems (never 500), reads from the index keep
  working, the API recovers by itself when the node returns, and the index catches up.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from api.signers import SignerRegistry
from api.tokens import Role, TokenStore
from ledger_client.audit import Auditor
from ledger_client.errors import CertificateNotFoundError
from ledger_client.ledger import Ledger
from ledger_client.models import ReasonCode
from ledger_client.node.accounts import derive_accounts
from ledger_client.node.config import DEFAULT_HD_PATH, DEFAULT_MNEMONIC
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.hardening.support import (
    KEYSTORE_PASSWORD,
    LOOPBACK,
    ApiEnv,
    ServerProcess,
    api_env,
    assert_problem,
    cli,
    free_port,
    issue_body,
)

POLL_LIMIT_S = 30.0


# --------------------------------------------------------------------------------------------- reorg


def _chain_view(ledger: Ledger, cid: str) -> tuple[str, int, str] | None:
    try:
        cert = ledger.certificates.get(cid)
    except CertificateNotFoundError:
        return None
    return cert.status.name, cert.event_count, "0x" + cert.head.hex()


def _api_view(env: ApiEnv, cid: str) -> tuple[str, int, str] | None:
    response = env.client.get(f"/v1/certificates/{cid}", headers=env.headers("auditor"))
    if response.status_code == 404:
        assert_problem(response, 404)
        return None
    assert response.status_code == 200, response.text
    body = response.json()
    return body["status"], body["event_count"], body["head"]


def _mismatches(env: ApiEnv, ids: list[str]) -> list[tuple[str, Any, Any]]:
    return [
        (c, _api_view(env, c), _chain_view(env.ledger, c))
        for c in ids
        if _api_view(env, c) != _chain_view(env.ledger, c)
    ]


def test_api_answers_match_the_chain_after_a_reorg(tmp_path: Path) -> None:
    with api_env(tmp_path, admins=("CR", "PE")) as env:

        def issue(number: str) -> str:
            response = env.client.post("/v1/certificates", json=issue_body(number), headers=env.headers("cr_writer"))
            assert response.status_code == 201, response.text
            return str(response.json()["certificate"]["id"])

        kept = issue("REORG-KEPT")
        fork = env.ledger.chain.snapshot()
        dropped = issue("REORG-DROPPED")
        suspended = env.client.post(
            f"/v1/certificates/{kept}/suspend", json={"reason": "INVESTIGATION"}, headers=env.headers("cr_writer")
        )
        assert suspended.status_code == 201, suspended.text
        assert (
            _api_view(env, kept)
            == _chain_view(env.ledger, kept)
            == ("SUSPENDED", 2, suspended.json()["certificate"]["head"])
        )
        assert _api_view(env, dropped) is not None

        # the fork: the old branch (dropped issued, kept suspended) vanishes; a longer branch replaces it
        env.ledger.chain.revert(fork)
        # a fork that discards the old branch for good: the gateway forgets what it sent there (else its
        # nonce manager re-sends the dropped writes, as tests/api/test_reorg_writes.py checks)
        env.ledger.context.sender.nonces.invalidate_all()
        cr = env.as_admin("CR")
        cr.certificates.revoke(kept, ReasonCode.FRAUD)
        other = "0x" + cr.certificates.issue(_request("REORG-OTHER")).certificate_id.hex()
        assert env.ledger.chain.tester is not None
        env.ledger.chain.tester.mine_blocks(4)

        ids = [kept, dropped, other]
        deadline = time.monotonic() + POLL_LIMIT_S
        while _mismatches(env, ids) and time.monotonic() < deadline:
            time.sleep(0.05)  # the background follower notices the reorg on its own
        assert not _mismatches(env, ids)
        assert _api_view(env, dropped) is None
        assert _api_view(env, kept) is not None
        assert _api_view(env, kept)[0] == "REVOKED"  # type: ignore[index]

        # history, listing and the on-chain audit agree as well
        history = env.client.get(f"/v1/certificates/{kept}/history", headers=env.headers("auditor")).json()
        assert [e["action"] for e in history["items"]] == ["ISSUED", "REVOKED"]
        listing = env.client.get("/v1/certificates", params={"issuer": "CR"}, headers=env.headers("auditor")).json()
        assert sorted(i["number"] for i in listing["items"]) == ["REORG-KEPT", "REORG-OTHER"]
        for cid in (kept, other):
            audit = env.client.get(f"/v1/certificates/{cid}/audit", headers=env.headers("auditor"))
            assert audit.status_code == 200, audit.text
            assert audit.json()["ok"] is True, audit.text
        ready = env.client.get("/ready")
        assert ready.status_code == 200, ready.text
        result = Auditor(
            env.ledger.chain.w3, env.ledger.deployment.address, start_block=env.ledger.deployment.deployment_block
        ).verify_index(env.runtime.index.reader)
        assert result.ok, result.mismatches
        # and the API writes on the new branch (its nonce counter resyncs after the rewind)
        issue("REORG-AFTER")


def _request(number: str) -> Any:
    from api.schemas.certificates import IssueCertificateRequest

    request = IssueCertificateRequest.model_validate(issue_body(number))
    return request.to_request(number)


# --------------------------------------------------------------------------------------------- node outage


ACCOUNTS = derive_accounts(DEFAULT_MNEMONIC, 10, DEFAULT_HD_PATH)


def _rpc_ok(url: str) -> bool:
    try:
        answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}, timeout=2)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and "result" in answer.json()


def _start_node(node: ServerProcess, url: str) -> None:
    node.start()
    deadline = time.monotonic() + 60
    while not _rpc_ok(url):
        assert node.alive(), node.log()[-2000:]
        assert time.monotonic() < deadline, "node did not come up"
        time.sleep(0.1)


class _Rpc:
    """A node subprocess, a deployment on it, and an API in RPC mode in front of it."""

    def __init__(self, tmp_path: Path) -> None:
        port = free_port()
        self.url = f"http://{LOOPBACK}:{port}"
        argv = [*cli(), "node", "--data-dir", str(tmp_path / "node"), "--host", LOOPBACK, "--port", str(port)]
        self.node = ServerProcess([*argv, "--log-level", "WARNING"], tmp_path / "node.log")
        self.state = tmp_path / "state"
        self.settings = ApiSettings(
            rpc_url=self.url,
            deployment="hardening",
            deployments_dir=tmp_path / "deployments",
            state_dir=self.state,
            index_poll_seconds=0.05,
            index_wait_seconds=10,
            request_timeout_seconds=3,
            receipt_timeout_seconds=10,
            receipt_poll_seconds=0.02,
        )
        self.tokens: dict[str, str] = {}

    def setup(self) -> None:
        _start_node(self.node, self.url)
        governance, cr = (Signer.from_key(ACCOUNTS[i].private_key) for i in (0, 1))
        settings = Settings(deployments_dir=self.settings.deployments_dir)
        with Ledger.deploy(self.url, signer=governance, name="hardening", settings=settings) as ledger:
            ledger.administrations.register("CR", "Costa Rica", cr.address)
        SignerRegistry(self.state / "keystores").save("CR", cr, KEYSTORE_PASSWORD)
        store = TokenStore(self.settings.tokens_file())
        for name, role, admin in (("cr_writer", Role.WRITER, "CR"), ("auditor", Role.AUDITOR, None)):
            self.tokens[name] = store.create(role, admin, label=name)[1]
        store.close()

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


@pytest.fixture
def rpc(tmp_path: Path) -> Iterator[_Rpc]:
    env = _Rpc(tmp_path)
    try:
        env.setup()
        yield env
    finally:
        env.node.stop()


@pytest.mark.slow
def test_node_outage_mid_write_gives_503_and_the_api_recovers_by_itself(rpc: _Rpc) -> None:
    statuses: Counter[int] = Counter()
    problems: list[dict[str, Any]] = []
    lock = threading.Lock()
    stop = threading.Event()
    landed: dict[str, int] = {}
    accepted: dict[str, str] = {}

    with TestClient(create_app(rpc.settings), raise_server_exceptions=False) as client:
        first = client.post("/v1/certificates", json=issue_body("RPC-0000"), headers=rpc.headers("cr_writer"))
        assert first.status_code == 201, first.text

        def writer(worker: int) -> None:
            """Write continuously; retry each request with its key on 503 until it lands (bounded)."""
            for i in range(10_000):
                if stop.is_set():
                    return
                number, key = f"RPC-{worker}-{i:04d}", f"rpc-{worker}-{i}"
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    response = client.post(
                        "/v1/certificates",
                        json=issue_body(number),
                        headers=rpc.headers("cr_writer", **{"Idempotency-Key": key}),
                    )
                    with lock:
                        statuses[response.status_code] += 1
                    if response.status_code == 503:
                        with lock:
                            problems.append(assert_problem(response, 503))
                        time.sleep(0.1)
                        continue
                    with lock:
                        landed[number] = response.status_code
                        if response.status_code == 202:  # sent when the node died: its outcome is read later
                            accepted[number] = response.json()["outcome_url"]
                    break

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
        for thread in threads:
            thread.start()
        _wait(lambda: len(landed) >= 15, "writes before the outage")
        rpc.node.kill9()  # mid-write: some requests are between send and receipt
        _wait(lambda: statuses[503] >= 6, "503 answers during the outage")

        # during the outage: reads from the index still answer, /ready says why it is not ready
        read = client.get("/v1/certificates/" + first.json()["certificate"]["id"], headers=rpc.headers("auditor"))
        assert read.status_code == 200, read.text
        not_ready = client.get("/ready")
        assert_problem(not_ready, 503)
        assert not_ready.headers.get("retry-after")

        before = len(landed)
        _start_node(rpc.node, rpc.url)
        _wait(lambda: len(landed) >= before + 15, "writes after the node returned")
        stop.set()
        for thread in threads:
            thread.join(120)

        # the index catches up by itself (no API restart), and answers match the chain
        _wait(lambda: client.get("/ready").status_code == 200, "/ready after recovery")
        with Ledger.connect(rpc.url, rpc.settings.deployments_dir / "hardening.json") as ledger:
            head = ledger.chain.block_number()
            _wait(lambda: client.get("/ready").json().get("index_block", -1) >= head, "index at the chain head")
            for number in landed:
                cid = "0x" + ledger.certificates.certificate_id("CR", number).hex()
                assert ledger.certificates.exists(cid), number
                got = client.get(f"/v1/certificates/{cid}", headers=rpc.headers("auditor"))
                assert got.status_code == 200, (number, got.text)
            for number, url in accepted.items():  # a 202 is no failure: the write landed once the node returned
                outcome = client.get(url, headers=rpc.headers("auditor"))
                assert outcome.status_code == 200, outcome.text
                assert outcome.json()["state"] == "landed", outcome.text
                cid = "0x" + ledger.certificates.certificate_id("CR", number).hex()
                assert {"kind": "certificate", "id": cid, "url": f"/v1/certificates/{cid}"} in outcome.json()[
                    "resources"
                ]

    assert statuses[500] == 0, statuses
    assert {p["type"].rsplit(":", 1)[-1] for p in problems} <= {
        "chain-unavailable",
        "transaction-timeout",
        "index-behind",
        "transaction-rejected",
    }, problems[:3]
    # a request interrupted after its transaction was sent answers 202 (it may land; it did, above), or
    # meets its own landing on retry (409)
    assert set(landed.values()) <= {201, 202, 409}, Counter(landed.values())


def _wait(condition: Any, what: str, limit: float = 90.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
