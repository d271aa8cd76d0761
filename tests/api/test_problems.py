"""Every error is an RFC 9457 problem+json document; chain loss is a 503 the API recovers from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.deps import get_runtime
from api.runtime import Runtime
from ledger_client.errors import ChainUnavailableError
from tests.api.conftest import Env, issue_body

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_MEMBERS
    assert body["status"] == status
    assert body["type"].startswith("urn:aeo-ledger:problem:")
    return body


def test_problem_shapes(env: Env) -> None:
    unauthorized = _assert_problem(env.client.get("/v1/certificates"), 401)
    assert unauthorized["instance"] == "/v1/certificates"
    assert env.client.get("/v1/certificates").headers["WWW-Authenticate"].startswith("Bearer")
    _assert_problem(env.client.get("/v1/nowhere"), 404)
    _assert_problem(env.client.put("/v1/certificates", headers=env.headers("auditor")), 405)
    validation = _assert_problem(env.post("/v1/certificates", "cr_writer", {"number": 7}), 422)
    assert validation["error"] == "RequestValidationError"
    assert {"loc", "msg", "type"} <= set(validation["errors"][0])
    malformed = env.client.post(
        "/v1/certificates",
        content=b"{not json",
        headers=env.headers("cr_writer", **{"Content-Type": "application/json"}),
    )
    _assert_problem(malformed, 422)
    conflict = _assert_problem(env.post("/v1/mras/1/accept", "pe_writer"), 409)
    assert conflict["error"] == "MraNotProposed"
    assert conflict["inputs"]["status"] == "ACTIVE"


class _DeadChain:
    """A chain whose node is gone."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ChainUnavailableError("the node cannot be reached (connection refused)")

        return fail


@pytest.fixture
def chain_down(env: Env) -> Iterator[None]:
    """Route every chain call to a dead node (through app.dependency_overrides), then restore it."""
    real = env.runtime
    broken = Runtime.__new__(Runtime)
    broken.__dict__.update(real.__dict__)
    broken.ledger = real.ledger.with_signer(real.signers.governance())
    broken.ledger.chain = _DeadChain()  # type: ignore[assignment]
    broken.ledger.context.chain = _DeadChain()  # type: ignore[assignment]

    async def override() -> Runtime:
        return broken

    app = env.client.app
    app.dependency_overrides[get_runtime] = override  # type: ignore[attr-defined]
    yield
    app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_chain_loss_is_a_503_and_reads_keep_working(env: Env, chain_down: None) -> None:
    problem = _assert_problem(env.client.get("/ready"), 503)
    assert problem["type"].endswith("chain-unavailable")
    assert env.client.get("/ready").headers["Retry-After"]
    written = env.post("/v1/mras/1/suspend", "cr_writer", {"reason": 3})
    assert written.status_code == 503, written.text
    assert env.get("/v1/administrations").status_code == 200  # index reads need no chain


def test_recovers_after_chain_loss(env: Env) -> None:
    assert env.client.get("/ready").status_code == 200
    assert env.post("/v1/certificates", "cr_writer", issue_body()).status_code == 201


def test_a_write_to_a_deployment_of_an_earlier_version_is_a_409_naming_it(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = "deployment 'local' runs AeoLedger version c526977 (14fbed086ad8) … read-only"
    monkeypatch.setattr(env.runtime.ledger.context, "read_only", reason)
    refused = _assert_problem(env.post("/v1/certificates", "cr_writer", issue_body()), 409)
    assert refused["type"].endswith(":read-only-deployment")
    assert refused["detail"] == reason
    assert env.client.get("/v1/certificates", headers=env.headers("cr_reader")).status_code == 200
