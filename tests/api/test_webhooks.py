"""Signed webhooks: endpoints API, at-least-once delivery to a receiver that fails, times out and
recovers, verification, pause/resume, replay, failed deliveries, secret rotation, acknowledgements."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
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
from ledger_client.webhooks import new_secret, verify
from ledger_client.webhooks.errors import WebhookVerificationError
from ledger_client.webhooks.receiver import Received, Receiver

TIMEOUT = 0.5  # the gateway's per-request timeout here
WAIT = 30.0  # bound of every wait below
_numbers = itertools.count(1)


@dataclass
class Hooks:
    client: TestClient
    runtime: Runtime
    tokens: dict[str, str]

    def call(self, method: str, path: str, who: str, json: Any = None) -> Any:
        return self.client.request(method, path, headers={"Authorization": f"Bearer {self.tokens[who]}"}, json=json)

    def register(self, who: str, url: str, **fields: Any) -> dict[str, Any]:
        response = self.call("POST", "/v1/webhooks/endpoints", who, {"url": url, **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def issue(self) -> str:
        body = {
            "number": f"WH-{time.time_ns()}-{next(_numbers)}",
            "programmes": ["SECURITY"],
            "roles": ["IMPORTER"],
            "sme": False,
            "valid_from": "2024-01-01T00:00:00Z",
            "valid_until": None,
            "document_hash": "0x" + "11" * 32,
        }
        response = self.call("POST", "/v1/certificates", "cr_writer", body)
        assert response.status_code == 201, response.text
        cid: str = response.json()["certificate"]["id"]
        return cid

    def suspend(self, cid: str) -> None:
        response = self.call("POST", f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": "NON_COMPLIANCE"})
        assert response.status_code in (200, 201), response.text

    @property
    def cycles(self) -> int:
        dispatcher = self.client.app.state.webhooks.dispatcher  # type: ignore[attr-defined]
        assert dispatcher is not None
        return int(dispatcher.cycles)


def event_id(cid: str, sequence: int) -> str:
    return f"ce_{cid.removeprefix('0x')}_{sequence}"


def eventually(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``predicate`` until it holds (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    state: Path = tmp_path_factory.mktemp("webhooks-state")
    settings = ApiSettings(
        state_dir=state,
        index_wait_seconds=20,
        index_poll_seconds=0.05,
        webhook_timeout_seconds=TIMEOUT,
        webhook_backoff_seconds=0.05,
        webhook_backoff_max_seconds=0.2,
        webhook_max_attempts=5,
        webhook_poll_seconds=0.2,
    )
    ledger = Ledger.embedded()
    dev = ledger.dev_signers()
    registry = SignerRegistry(state / "keystores", governance=dev[0])
    for i, code in enumerate(("CR", "PE", "MX"), start=1):
        ledger.administrations.register(code, code, dev[i].address)
        registry.register(code, dev[i])
    mra = ledger.with_signer(dev[1]).mras.propose(["CR", "PE"], 3, 0x1FF, 0, "0x" + "22" * 32)
    ledger.with_signer(dev[2]).mras.accept(mra.mra_id)
    runtime = Runtime.assemble(settings, ledger, registry, owner="webhooks")
    runtime.start()
    tokens = {}
    for name, role, admin in (
        ("cr_writer", Role.WRITER, "CR"),
        ("pe_writer", Role.WRITER, "PE"),
        ("pe_reader", Role.READER, "PE"),
        ("mx_writer", Role.WRITER, "MX"),
    ):
        tokens[name] = runtime.tokens.create(role, admin, label=name)[1]
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield Hooks(client, runtime, tokens)
    runtime.close()


def test_endpoints_api_and_its_problems(hooks: Hooks) -> None:
    secret = new_secret()
    created = hooks.register("pe_writer", "https://aduanas.example/hooks", secret=secret, description="SIGAD")
    assert (created["secret"], created["administration"], created["paused"]) == (secret, "PE", False)
    generated = hooks.register("pe_writer", "http://127.0.0.1:9/x", event_types=["certificate.suspended"])
    assert generated["secret"].startswith("whsec_")
    assert generated["event_types"] == ["certificate.suspended"]
    listed = hooks.call("GET", "/v1/webhooks/endpoints", "pe_writer").json()
    assert {created["id"], generated["id"]} <= {e["id"] for e in listed}
    assert all("secret" not in e for e in listed)
    got = hooks.call("GET", f"/v1/webhooks/endpoints/{created['id']}", "pe_writer").json()
    assert (got["url"], got["description"], got["pending"]) == ("https://aduanas.example/hooks", "SIGAD", 0)

    def problem(response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = response.json()
        return body

    problem(hooks.call("GET", "/v1/webhooks/endpoints", "pe_reader"), 403)
    foreign = problem(hooks.call("GET", f"/v1/webhooks/endpoints/{created['id']}", "cr_writer"), 404)
    assert foreign["error"] == "WebhookEndpointNotFoundError"
    problem(hooks.call("POST", "/v1/webhooks/endpoints", "pe_writer", {"url": "ftp://127.0.0.1/x"}), 422)
    problem(
        hooks.call("POST", "/v1/webhooks/endpoints", "pe_writer", {"url": "http://h/", "secret": "whsec_QUJD"}), 422
    )
    replay = f"/v1/webhooks/endpoints/{created['id']}/replay"
    problem(hooks.call("POST", replay, "pe_writer", {"since_event_id": "x", "since": "1700000000"}), 422)
    # a null counts as given (the document's oneOf has no null): neither nor both with a null is accepted
    problem(hooks.call("POST", replay, "pe_writer", {}), 422)
    problem(hooks.call("POST", replay, "pe_writer", {"since_event_id": None, "since": "1700000000"}), 422)
    problem(hooks.call("POST", replay, "pe_writer", {"since_event_id": "ce_unknown_1"}), 404)
    problem(hooks.call("GET", "/v1/webhooks/deliveries/999999", "pe_writer"), 404)
    assert hooks.call("DELETE", f"/v1/webhooks/endpoints/{created['id']}", "pe_writer").status_code == 204
    assert hooks.call("DELETE", f"/v1/webhooks/endpoints/{generated['id']}", "pe_writer").status_code == 204
    problem(hooks.call("GET", f"/v1/webhooks/endpoints/{created['id']}", "pe_writer"), 404)

    schema = hooks.client.get("/openapi.json").json()
    assert {"/v1/webhooks/endpoints", "/v1/webhooks/endpoints/{endpoint_id}/replay"} <= set(schema["paths"])
    assert {"certificate-event", "acknowledgement-recorded"} <= set(schema["webhooks"])


def test_receiver_that_fails_times_out_and_recovers_gets_every_event_exactly_once(hooks: Hooks) -> None:
    secret = new_secret()

    def flaky(number: int, _request: Received) -> tuple[int, float]:
        if number <= 2:
            return 500, 0.0
        if number == 3:
            return 200, TIMEOUT * 3  # answers after the gateway gave up
        return 204, 0.0

    with Receiver([secret], behaviour=flaky) as receiver:
        endpoint = hooks.register("pe_writer", receiver.url, secret=secret)
        cids = [hooks.issue() for _ in range(3)]
        for cid in cids[:2]:
            hooks.suspend(cid)
        expected = {event_id(c, 1) for c in cids} | {event_id(c, 2) for c in cids[:2]}
        assert receiver.wait_for(expected, WAIT), f"missing: {expected - receiver.accepted.keys()}"
        assert eventually(lambda: len(receiver.requests) >= len(expected) + 3)
        assert set(receiver.accepted) == expected  # no id missing, none foreign
        assert all(r.verified for r in receiver.requests)
        assert len(receiver.requests) > len(expected)  # retried: at-least-once
        body = receiver.accepted[event_id(cids[0], 2)].json()
        assert body["type"] == "certificate.suspended"
        assert body["data"]["administration"] == "PE"
        assert (body["data"]["event"]["certificate_id"], body["data"]["event"]["sequence"]) == (cids[0], 2)

        def delivered() -> list[dict[str, Any]]:
            page = hooks.call("GET", f"/v1/webhooks/endpoints/{endpoint['id']}/deliveries", "pe_writer").json()
            return [d for d in page["items"] if d["status"] == "delivered"]

        assert eventually(lambda: len(delivered()) == len(expected))
        logs = [hooks.call("GET", f"/v1/webhooks/deliveries/{d['id']}", "pe_writer").json()["log"] for d in delivered()]
        attempts = [a for log in logs for a in log]
        assert sum(a["status_code"] == 500 for a in attempts) == 2
        assert any(a["error"] and a["error"].startswith("timeout") for a in attempts)
        assert all(a["latency_ms"] >= 0 for a in attempts)
        hooks.call("DELETE", f"/v1/webhooks/endpoints/{endpoint['id']}", "pe_writer")


def test_a_tampered_body_fails_verification(hooks: Hooks) -> None:
    secret = new_secret()
    with Receiver([secret]) as receiver:
        endpoint = hooks.register("pe_writer", receiver.url, secret=secret)
        cid = hooks.issue()
        assert receiver.wait_for({event_id(cid, 1)}, WAIT)
        got = receiver.accepted[event_id(cid, 1)]
        headers = got.signed_headers()
        assert verify(got.body, headers, [secret])["type"] == "certificate.issued"
        with pytest.raises(WebhookVerificationError):
            verify(got.body.replace(b"IMPORTER", b"EXPORTER"), headers, [secret])
        hooks.call("DELETE", f"/v1/webhooks/endpoints/{endpoint['id']}", "pe_writer")


def test_pause_stops_deliveries_and_resume_delivers_the_backlog(hooks: Hooks) -> None:
    secret = new_secret()
    with Receiver([secret]) as receiver:
        endpoint = hooks.register("pe_writer", receiver.url, secret=secret)
        base = f"/v1/webhooks/endpoints/{endpoint['id']}"
        assert hooks.call("POST", base + "/pause", "pe_writer").json()["paused"] is True
        cid = hooks.issue()
        assert eventually(lambda: hooks.call("GET", base, "pe_writer").json()["pending"] == 1)
        seen = hooks.cycles
        assert eventually(lambda: hooks.cycles >= seen + 3)  # the worker ran, and sent nothing
        assert receiver.requests == []
        [pending] = hooks.call("GET", base + "/deliveries", "pe_writer").json()["items"]
        assert (pending["status"], pending["attempts"], pending["event_id"]) == ("pending", 0, event_id(cid, 1))
        assert hooks.call("POST", base + "/resume", "pe_writer").json()["paused"] is False
        assert receiver.wait_for({event_id(cid, 1)}, WAIT)
        hooks.call("DELETE", base, "pe_writer")


def test_replay_from_an_event_id_or_a_moment_delivers_again(hooks: Hooks) -> None:
    secret = new_secret()
    with Receiver([secret]) as receiver:
        endpoint = hooks.register("pe_writer", receiver.url, secret=secret)
        base = f"/v1/webhooks/endpoints/{endpoint['id']}"
        cid = hooks.issue()
        hooks.suspend(cid)
        ids = [event_id(cid, 1), event_id(cid, 2)]
        assert receiver.wait_for(set(ids), WAIT)

        def sent(message_id: str) -> int:
            return sum(r.id == message_id for r in receiver.requests)

        replay = hooks.call("POST", base + "/replay", "pe_writer", {"since_event_id": ids[1]})
        assert replay.status_code == 202, replay.text
        assert replay.json()["replayed"] == 1
        assert replay.json()["first_event_id"] == ids[1]
        assert eventually(lambda: sent(ids[1]) == 2)
        assert sent(ids[0]) == 1

        moment = receiver.accepted[ids[0]].json()["timestamp"]
        again = hooks.call("POST", base + "/replay", "pe_writer", {"since": moment}).json()
        assert again["first_event_id"] == ids[0]
        assert again["replayed"] >= 2
        assert eventually(lambda: sent(ids[0]) == 2 and sent(ids[1]) == 3)
        assert set(receiver.accepted) == set(ids)
        hooks.call("DELETE", base, "pe_writer")


def test_a_failed_delivery_is_kept_and_can_be_replayed(hooks: Hooks) -> None:
    secret = new_secret()
    healthy = {"ok": False}
    with Receiver([secret], behaviour=lambda _n, _r: (204 if healthy["ok"] else 503, 0.0)) as receiver:
        endpoint = hooks.register("pe_writer", receiver.url, secret=secret)
        base = f"/v1/webhooks/endpoints/{endpoint['id']}"
        cid = hooks.issue()

        def failed() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = hooks.call("GET", base + "/deliveries?status=failed", "pe_writer").json()[
                "items"
            ]
            return items

        assert eventually(lambda: len(failed()) == 1)
        [dead] = failed()
        assert (dead["attempts"], dead["last_status_code"], dead["event_id"]) == (5, 503, event_id(cid, 1))
        assert len(receiver.requests) == 5  # bounded attempts
        assert hooks.call("GET", base, "pe_writer").json()["failed"] == 1
        healthy["ok"] = True
        replayed = hooks.call("POST", f"/v1/webhooks/deliveries/{dead['id']}/replay", "pe_writer")
        assert replayed.status_code == 202, replayed.text
        assert receiver.wait_for({event_id(cid, 1)}, WAIT)
        assert eventually(
            lambda: (
                hooks.call("GET", f"/v1/webhooks/deliveries/{dead['id']}", "pe_writer").json()["status"] == "delivered"
            )
        )
        hooks.call("DELETE", base, "pe_writer")


def test_secret_rotation_signs_with_both_secrets_for_the_grace_period(hooks: Hooks) -> None:
    old = new_secret()
    with Receiver([old]) as receiver:
        endpoint = hooks.register("pe_writer", receiver.url, secret=old)
        base = f"/v1/webhooks/endpoints/{endpoint['id']}"
        rotated = hooks.call("POST", base + "/rotate-secret", "pe_writer", {}).json()
        new = rotated["secret"]
        assert new != old
        assert rotated["previous_secret_expires_at"] is not None
        first = hooks.issue()
        assert receiver.wait_for({event_id(first, 1)}, WAIT)  # the receiver still knows only the old secret
        got = receiver.accepted[event_id(first, 1)]
        assert len(got.signature.split(" ")) == 2
        headers = got.signed_headers()
        assert verify(got.body, headers, [new])

        newest = new_secret()
        done = hooks.call("POST", base + "/rotate-secret", "pe_writer", {"secret": newest, "grace_seconds": 0}).json()
        assert (done["secret"], done["previous_secret_expires_at"]) == (newest, None)
        receiver.secrets = [newest]
        second = hooks.issue()
        assert receiver.wait_for({event_id(second, 1)}, WAIT)
        got = receiver.accepted[event_id(second, 1)]
        headers = got.signed_headers()
        assert len(got.signature.split(" ")) == 1
        with pytest.raises(WebhookVerificationError):
            verify(got.body, headers, [new])
        hooks.call("DELETE", base, "pe_writer")


def test_the_issuer_receives_partners_acknowledgements(hooks: Hooks) -> None:
    secret = new_secret()
    with Receiver([secret]) as receiver:
        endpoint = hooks.register("cr_writer", receiver.url, secret=secret, event_types=["acknowledgement.recorded"])
        cid = hooks.issue()
        ack = hooks.call("POST", "/v1/acknowledgements", "pe_writer", {"certificate_id": cid, "sequence": 1})
        assert ack.status_code == 201, ack.text
        ack_id = f"ack_{cid.removeprefix('0x')}_1_PE"
        assert receiver.wait_for({ack_id}, WAIT)
        body = receiver.accepted[ack_id].json()
        assert body["type"] == "acknowledgement.recorded"
        assert (body["data"]["administration"], body["data"]["partner"], body["data"]["sequence"]) == ("CR", "PE", 1)
        assert set(receiver.accepted) == {ack_id}  # CR's own certificate events are not pushed to CR
        hooks.call("DELETE", f"/v1/webhooks/endpoints/{endpoint['id']}", "cr_writer")
