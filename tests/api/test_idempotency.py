"""Idempotency-Key: replays send no second transaction; reuse with another body is refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from api.idempotency import fingerprint
from tests.api.conftest import Env, issue_body


def _key() -> str:
    return str(uuid.uuid4())


def test_retry_with_same_key_and_body_replays_without_a_second_transaction(env: Env) -> None:
    key, body = _key(), issue_body()
    first = env.post("/v1/certificates", "cr_writer", body, **{"Idempotency-Key": key})
    assert first.status_code == 201
    head = env.runtime.ledger.chain.block_number()
    retry = env.post("/v1/certificates", "cr_writer", body, **{"Idempotency-Key": key})
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert env.runtime.ledger.chain.block_number() == head  # nothing was sent


def test_transition_retry_replays_instead_of_409(env: Env, issued: Callable[..., dict[str, Any]]) -> None:
    cid = issued()["certificate"]["id"]
    key = _key()
    first = env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": 3}, **{"Idempotency-Key": key})
    retry = env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": 3}, **{"Idempotency-Key": key})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["sequence"] == first.json()["sequence"] == 2
    plain = env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": 3})
    assert plain.status_code == 409  # without the key, a second suspension is a conflict


def test_same_key_other_body_is_refused(env: Env) -> None:
    key = _key()
    assert env.post("/v1/certificates", "cr_writer", issue_body(), **{"Idempotency-Key": key}).status_code == 201
    other = env.post("/v1/certificates", "cr_writer", issue_body(), **{"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("idempotency-key-reused")
    path = env.post("/v1/mras/1/accept", "cr_writer", None, **{"Idempotency-Key": key})
    assert path.status_code == 422


def test_keys_are_scoped_per_token(env: Env) -> None:
    key = _key()
    assert env.post("/v1/certificates", "cr_writer", issue_body(), **{"Idempotency-Key": key}).status_code == 201
    assert env.post("/v1/certificates", "pe_writer", issue_body(), **{"Idempotency-Key": key}).status_code == 201


def test_client_errors_are_replayed_too(env: Env) -> None:
    key, body = _key(), issue_body(programmes=["NOPE"])
    first = env.post("/v1/certificates", "cr_writer", body, **{"Idempotency-Key": key})
    retry = env.post("/v1/certificates", "cr_writer", body, **{"Idempotency-Key": key})
    assert (first.status_code, retry.status_code) == (422, 422)
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_server_errors_release_the_key(env: Env) -> None:
    store = env.runtime.idempotency
    key = _key()
    claim = store.claim("token:test", key, "fp")
    assert claim.outcome.value == "proceed"
    assert store.claim("token:test", key, "fp").outcome.value == "in_progress"
    store.release("token:test", key)
    assert store.claim("token:test", key, "fp").outcome.value == "proceed"


def test_in_progress_key_is_a_409(env: Env) -> None:
    key, body = _key(), issue_body()
    scope = f"token:{env.token_ids['cr_writer']}"
    raw = json.dumps(body).encode()
    env.runtime.idempotency.claim(scope, key, fingerprint("POST", "/v1/certificates", raw))
    headers = env.headers("cr_writer", **{"Idempotency-Key": key, "Content-Type": "application/json"})
    busy = env.client.post("/v1/certificates", content=raw, headers=headers)
    assert busy.status_code == 409
    assert busy.headers["Retry-After"] == "1"
    env.runtime.idempotency.release(scope, key)


def test_overlong_key_is_a_422(env: Env) -> None:
    response = env.post("/v1/certificates", "cr_writer", issue_body(), **{"Idempotency-Key": "k" * 300})
    assert response.status_code == 422
