"""Fault drill: ``kill -9`` of the API server (``aeo-ledger serve`` on a durable data dir) under a
write load of 1,000 issue requests whose clients retry with their Idempotency-Keys.

What it proves: after the restarts, every request that got a 2xx is on the chain exactly once (its
transaction's receipt carries its certificate), every request eventually lands (retries included)
and exactly once: the chain holds exactly the 1,000 certificate numbers, each issued once, and the
index (the API's reads) agrees with the chain.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.idempotency import IdempotencyJournal, IdempotencyStore, fingerprint
from api.idempotency import Outcome as ClaimOutcome
from api.schemas.certificates import IssueCertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.transactions import journaled
from tests.hardening.support import (
    LOOPBACK,
    ServerProcess,
    State,
    api_env,
    free_port,
    issue_body,
    prepare_state,
    serve_process,
)

REQUESTS = 1_000
CLIENTS = 8
KILL_AFTER = (250, 600)  # successes seen before each kill -9
DEADLINE_S = 240.0
RETRYABLE_STATUS = {503, 409}  # 409 only as idempotency-key-in-use (checked below)


@dataclass
class Outcome:
    """What one logical request went through."""

    index: int
    number: str
    key: str
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    status: int | None = None
    body: dict[str, Any] | None = None


def _retryable(response: httpx.Response) -> bool:
    if response.status_code == 503:
        return True
    if response.status_code == 409:
        problem = response.json()
        return str(problem.get("type", "")).endswith("idempotency-key-in-use")
    return False


def _client_loop(base: str, state: State, work: list[Outcome], lock: threading.Lock, done: list[int]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    with httpx.Client(base_url=base, timeout=30.0) as client:
        for outcome in work:
            delay = 0.05
            while time.monotonic() < deadline:
                outcome.attempts += 1
                try:
                    response = client.post(
                        "/v1/certificates",
                        json=issue_body(outcome.number),
                        headers=state.headers("cr_writer", **{"Idempotency-Key": outcome.key}),
                    )
                except httpx.TransportError as exc:
                    outcome.failures.append(type(exc).__name__)
                else:
                    if not _retryable(response):
                        outcome.status, outcome.body = response.status_code, response.json()
                        with lock:
                            done[0] += 1
                        break
                    outcome.failures.append(str(response.status_code))
                time.sleep(delay)  # bounded backoff while the server restarts
                delay = min(delay * 2, 0.5)


def _killer(server: ServerProcess, health: str, lock: threading.Lock, done: list[int], kills: list[float]) -> None:
    for threshold in KILL_AFTER:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            with lock:
                if done[0] >= threshold:
                    break
            time.sleep(0.01)
        server.kill9()
        kills.append(time.monotonic())
        server.start()
        server.wait_http(health, timeout=60)


@dataclass
class Drill:
    """The drill's results: every request's outcome, the data dir and the chain's issued ids."""

    outcomes: list[Outcome]
    listed: list[str]
    issued: Counter[bytes]
    ids: dict[bytes, Outcome]
    receipts_ok: dict[str, bool]


def _run_drill(tmp_path: Path) -> Drill:
    data = tmp_path / "data"
    state = prepare_state(data, admins=("CR",))
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    server = serve_process(data, port, tmp_path / "serve.log")
    server.start()
    try:
        server.wait_http(base + "/health")
        outcomes = [Outcome(i, f"K9-{i:04d}", f"kill9-{i:04d}") for i in range(REQUESTS)]
        lock = threading.Lock()
        done = [0]
        kills: list[float] = []
        workers = [
            threading.Thread(target=_client_loop, args=(base, state, outcomes[c::CLIENTS], lock, done))
            for c in range(CLIENTS)
        ]
        killer = threading.Thread(target=_killer, args=(server, base + "/health", lock, done, kills))
        for thread in (*workers, killer):
            thread.start()
        for thread in (*workers, killer):
            thread.join(DEADLINE_S + 30)
        assert len(kills) == len(KILL_AFTER), "the server was not killed as planned"
        listed = _listed_numbers(base, state)
    finally:
        server.stop()
    with Ledger.embedded(data_dir=data) as ledger:
        topic = ledger.context.codec.topic("CertificateIssued")
        logs = ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block)
        ids = {ledger.certificates.certificate_id("CR", o.number): o for o in outcomes}
        receipts_ok: dict[str, bool] = {}
        for cid, outcome in ids.items():
            if outcome.status is None or outcome.status >= 300 or outcome.body is None:
                continue
            receipt = ledger.chain.receipt(bytes.fromhex(outcome.body["transaction"]["tx_hash"][2:]))
            receipts_ok[outcome.number] = (
                receipt is not None
                and receipt.status == 1
                and any(log.topics[:2] == (topic, cid) for log in receipt.logs)
                and outcome.body["certificate"]["id"] == "0x" + cid.hex()
            )
        return Drill(outcomes, listed, Counter(log.topics[1] for log in logs), ids, receipts_ok)


def _listed_numbers(base: str, state: State) -> list[str]:
    """Every CR certificate number the API lists (paging through the index)."""
    listed: list[str] = []
    cursor: str | None = None
    with httpx.Client(base_url=base, timeout=30.0) as client:
        while True:
            params: dict[str, Any] = {"issuer": "CR", "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v1/certificates", params=params, headers=state.headers("auditor")).json()
            listed += [item["number"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return listed


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    """Run the drill once for the module's assertions."""
    return _run_drill(tmp_path_factory.mktemp("kill9"))


@pytest.mark.slow
def test_every_request_lands_exactly_once_and_every_2xx_is_on_chain(drill: Drill) -> None:
    unfinished = [o for o in drill.outcomes if o.status is None]
    assert not unfinished, f"{len(unfinished)} requests never completed, e.g. {unfinished[:3]}"
    assert any(o.attempts > 1 for o in drill.outcomes), "no request was interrupted: the drill proved nothing"
    # each 2xx: its transaction is on the chain and carries its certificate
    assert drill.receipts_ok, "no request got a 2xx"
    assert all(drill.receipts_ok.values()), [n for n, ok in drill.receipts_ok.items() if not ok][:5]
    # every request, retried or not, got the answer of its first run: 201
    conflicts = [(o.number, o.attempts, o.status) for o in drill.outcomes if o.status != 201]
    assert not conflicts, f"retries answered otherwise than the first run would have: {conflicts[:5]}"
    # the chain: exactly the 1,000 numbers, each issued exactly once
    assert set(drill.issued) == set(drill.ids), "the chain holds other or missing certificates"
    assert max(drill.issued.values()) == 1
    # the API's reads (the index, after the restarts) agree
    assert sorted(drill.listed) == sorted(o.number for o in drill.outcomes)


def test_retry_of_an_orphaned_key_whose_write_landed_replays_the_success(tmp_path: Path) -> None:
    """Deterministic form of the crash window: the key was claimed, the write landed, no answer was stored."""
    payload = issue_body("ORPHAN-0001")
    body = json.dumps(payload).encode()
    with api_env(tmp_path, admins=("CR",)) as env:
        scope = f"token:{env.token_ids['cr_writer']}"
        crashed = IdempotencyStore(env.runtime.settings.idempotency_file(), owner="crashed-server")
        try:
            claim = crashed.claim(scope, "orphan-1", fingerprint("POST", "/v1/certificates", body))
        finally:
            crashed.close()
        assert claim.outcome is ClaimOutcome.PROCEED
        request = IssueCertificateRequest.model_validate(payload)
        # The first run: its signed transaction is recorded under the key, then lands; then the crash.
        recorder = IdempotencyStore(env.runtime.settings.idempotency_file(), owner="crashed-server")
        try:
            with journaled(IdempotencyJournal(recorder, scope, "orphan-1")):
                first = env.as_admin("CR").certificates.issue(request.to_request(request.number))
        finally:
            recorder.close()
        block = env.runtime.ledger.chain.block_number()
        headers = env.headers("cr_writer", **{"Idempotency-Key": "orphan-1", "Content-Type": "application/json"})
        response = env.client.post("/v1/certificates", content=body, headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["transaction"]["tx_hash"] == first.tx_hash  # the same transaction, not a new one
        assert env.runtime.ledger.chain.block_number() == block  # nothing was sent again
