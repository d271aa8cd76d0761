"""Fault drill: ``kill -9`` of a gateway (``aeo-ledger serve`` on a durable data dir) while it delivers
webhooks to a slow receiver that first fails.

What it proves: the outbox is durable and the worker resumes where it was. Every partner event written
before the kill and after the restart reaches the receiver, verified, and each id is accepted exactly
once (the receiver dedupes retries by ``webhook-id``); deliveries pending at the kill are sent after it.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from ledger_client.ledger import Ledger
from ledger_client.webhooks import new_secret
from ledger_client.webhooks.receiver import Received, Receiver
from tests.hardening.support import (
    LOOPBACK,
    ServerProcess,
    State,
    cli,
    free_port,
    issue_body,
    prepare_state,
    subprocess_env,
)

BEFORE, AFTER = 10, 4  # certificates issued before the kill and after the restart
FAILURES = 4  # the receiver's first answers are 500
WAIT_S = 180.0  # generous: the drill shares 2 cores with the rest of the suite


def _issue(http: httpx.Client, state: State, number: str) -> str:
    """Issue a CR certificate through the gateway; return the id of its partner event for PE."""
    response = http.post("/v1/certificates", json=issue_body(number), headers=state.headers("cr_writer"))
    assert response.status_code == 201, response.text
    cid: str = response.json()["certificate"]["id"]
    return f"ce_{cid.removeprefix('0x')}_1"


@pytest.mark.slow
def test_kill9_of_a_delivering_gateway_loses_no_webhook(tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("webhooks-kill9")
    data = tmp / "data"
    state = prepare_state(data, admins=("CR", "PE"))
    with Ledger.embedded(data_dir=data) as ledger:
        mra = ledger.with_signer(state.signers["CR"]).mras.propose(["CR", "PE"], 3, 0x1FF, 0, "0x" + "22" * 32)
        ledger.with_signer(state.signers["PE"]).mras.accept(mra.mra_id)
    secret = new_secret()

    released = threading.Event()  # set after the kill: until then only the first two successes are answered

    def held_after_two_successes(number: int, _request: Received) -> tuple[int, float]:
        if number <= FAILURES:
            return 500, 0.0
        if number > FAILURES + 2:
            released.wait(WAIT_S)  # the delivery in flight at the kill: its sender dies waiting
        return 204, 0.0

    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    env = subprocess_env(
        AEO_LEDGER_WEBHOOK_BACKOFF_SECONDS="0.05",
        AEO_LEDGER_WEBHOOK_BACKOFF_MAX_SECONDS="0.2",
        AEO_LEDGER_WEBHOOK_MAX_ATTEMPTS="100",
        AEO_LEDGER_WEBHOOK_CONCURRENCY="1",
        AEO_LEDGER_ACCESS_LOG="false",
    )
    argv = [*cli(), "serve", "--data-dir", str(data), "--host", LOOPBACK, "--port", str(port)]
    server = ServerProcess(argv, tmp / "serve.log", env=env)
    with (
        Receiver([secret], behaviour=held_after_two_successes) as receiver,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        server.start()
        try:
            server.wait_http(base + "/health", WAIT_S)
            endpoint = {"url": receiver.url, "secret": secret}
            registered = http.post("/v1/webhooks/endpoints", json=endpoint, headers=state.headers("pe_writer"))
            assert registered.status_code == 201, registered.text
            expected: set[str] = set()
            for i in range(BEFORE):
                expected.add(_issue(http, state, f"WH9-A{i}"))
            deadline = time.monotonic() + WAIT_S
            while len(receiver.accepted) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert receiver.wait_requests(FAILURES + 3, WAIT_S), "no delivery was in flight"
            server.kill9()
            accepted_at_kill = len(receiver.accepted)
            released.set()  # (also in the finally: a failure here must not leave the receiver blocked)
            assert accepted_at_kill == 2, "the kill did not interrupt the deliveries"
            server.start()
            server.wait_http(base + "/health", WAIT_S)
            for i in range(AFTER):
                expected.add(_issue(http, state, f"WH9-B{i}"))
            assert receiver.wait_for(expected, WAIT_S), (
                f"missing after the restart: {expected - receiver.accepted.keys()}"
            )
        finally:
            released.set()
            server.stop()
    assert set(receiver.accepted) == expected
    assert all(r.verified for r in receiver.requests)
    assert sum(r.number <= FAILURES for r in receiver.requests) == FAILURES
