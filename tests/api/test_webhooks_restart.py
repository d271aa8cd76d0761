"""The webhook worker across a gateway restart: the outbox and the cursors are reopened from disk,
deliveries pending (or in flight) at shutdown are sent after it, events written while the gateway
was down are delivered, and stopping the worker with a request hanging stays within its bound.
And the worker is woken by the index advancing, not by its (here very slow) poll."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role
from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.webhooks import new_secret
from ledger_client.webhooks.receiver import Received, Receiver

SHUTDOWN_BOUND = 1.0
WAIT = 30.0


def request(number: str) -> CertificateRequest:
    return CertificateRequest(number, 1, 1, False, 1_700_000_000, None, "0x" + "11" * 32)


def network(tmp_path: Path) -> tuple[Ledger, SignerRegistry, Ledger]:
    """CR and PE with an MRA in force; returns the ledger, the signer registry and CR's ledger."""
    ledger = Ledger.embedded()
    dev = ledger.dev_signers()
    registry = SignerRegistry(tmp_path / "keystores", governance=dev[0])
    for i, code in enumerate(("CR", "PE"), start=1):
        ledger.administrations.register(code, code, dev[i].address)
        registry.register(code, dev[i])
    cr = ledger.with_signer(dev[1])
    mra = cr.mras.propose(["CR", "PE"], 3, 0x1FF, 0, "0x" + "22" * 32)
    ledger.with_signer(dev[2]).mras.accept(mra.mra_id)
    return ledger, registry, cr


def test_pending_deliveries_survive_a_restart_and_shutdown_is_bounded(tmp_path: Path) -> None:
    settings = ApiSettings(
        state_dir=tmp_path,
        index_poll_seconds=0.05,
        webhook_timeout_seconds=30.0,  # longer than the shutdown bound: the hanging request is abandoned
        webhook_backoff_seconds=0.05,
        webhook_backoff_max_seconds=0.2,
        webhook_shutdown_seconds=SHUTDOWN_BOUND,
    )
    ledger, registry, cr = network(tmp_path)
    secret = new_secret()
    phase = {"hang": True}

    def behaviour(_number: int, _request: Received) -> tuple[int, float]:
        return (200, 20.0) if phase["hang"] else (204, 0.0)

    def issue(prefix: str, count: int) -> set[str]:
        results = cr.certificates.issue_many([request(f"{prefix}{i}") for i in range(count)])
        return {f"ce_{r.certificate_id.hex()}_1" for r in results if r.certificate_id is not None}

    with Receiver([secret], behaviour=behaviour) as receiver:
        first = Runtime.assemble(settings, ledger, registry, owner="first")
        first.owns = False
        first.start()
        token = first.tokens.create(Role.WRITER, "PE", label="pe")[1]
        with TestClient(create_app(runtime=first)) as client:
            created = client.post(
                "/v1/webhooks/endpoints",
                headers={"Authorization": f"Bearer {token}"},
                json={"url": receiver.url, "secret": secret},
            )
            assert created.status_code == 201, created.text
            before = issue("RS-A", 3)
            assert receiver.wait_requests(1, WAIT)  # a request hangs in flight
            stopping = time.monotonic()
        stopped_in = time.monotonic() - stopping
        first.close()
        assert stopped_in < SHUTDOWN_BOUND + 5.0, f"the worker took {stopped_in:.1f} s to stop"
        assert receiver.accepted == {}

        phase["hang"] = False
        during = issue("RS-B", 2)  # while the gateway is down
        second = Runtime.assemble(settings, ledger, registry, owner="second")
        second.start()
        with TestClient(create_app(runtime=second)):
            assert receiver.wait_for(before | during, WAIT), f"missing: {(before | during) - receiver.accepted.keys()}"
        second.close()
    assert set(receiver.accepted) == before | during


def test_the_worker_is_woken_by_the_index_advancing(tmp_path: Path) -> None:
    settings = ApiSettings(state_dir=tmp_path, index_poll_seconds=0.05, webhook_poll_seconds=600.0)
    ledger, registry, cr = network(tmp_path)
    secret = new_secret()
    runtime = Runtime.assemble(settings, ledger, registry, owner="wake")
    runtime.start()
    token = runtime.tokens.create(Role.WRITER, "PE", label="pe")[1]
    with Receiver([secret]) as receiver, TestClient(create_app(runtime=runtime)) as client:
        created = client.post(
            "/v1/webhooks/endpoints",
            headers={"Authorization": f"Bearer {token}"},
            json={"url": receiver.url, "secret": secret},
        )
        assert created.status_code == 201, created.text
        dispatcher = client.app.state.webhooks.dispatcher  # type: ignore[attr-defined]
        settled = time.monotonic() + WAIT
        while time.monotonic() < settled:  # the cycles the registration caused are over
            seen = dispatcher.cycles
            time.sleep(0.3)
            if dispatcher.cycles == seen:
                break
        # written on the chain directly: only the index follower (a thread) sees it, and wakes the worker
        [result] = cr.certificates.issue_many([request("WAKE-1")])
        assert result.certificate_id is not None
        assert receiver.wait_for({f"ce_{result.certificate_id.hex()}_1"}, 10.0), "the index did not wake the worker"
    runtime.close()
