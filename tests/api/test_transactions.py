"""A write not confirmed in time answers 202 with its outcome URL; ``GET /v1/transactions/{hash}``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, NoReturn

import pytest

from api.config import ApiSettings
from api.runtime import Runtime
from api.schemas.certificates import IssueCertificateRequest
from api.signers import SignerRegistry
from ledger_client.codec import encode_issue
from ledger_client.errors import IndexTimeoutError, TransactionTimeoutError
from ledger_client.ledger import Ledger
from tests.api.conftest import Env, issue_body, unique_number


def _certificate_id(env: Env, number: str) -> str:
    return "0x" + env.runtime.ledger.certificates.certificate_id("CR", number).hex()


def test_a_write_whose_receipt_is_late_answers_202_and_its_outcome_url_shows_it_landed(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = env.runtime.ledger.chain

    def late(tx_hash: bytes, timeout: float | None = None) -> NoReturn:
        raise TransactionTimeoutError(f"no receipt for 0x{tx_hash.hex()} yet")

    monkeypatch.setattr(chain, "wait_for_receipt", late)
    monkeypatch.setattr(chain, "receipt_timeout", 0.05)
    number, key = unique_number("LATE"), str(uuid.uuid4())
    response = env.post("/v1/certificates", "cr_writer", issue_body(number), **{"Idempotency-Key": key})
    retry = env.post("/v1/certificates", "cr_writer", issue_body(number), **{"Idempotency-Key": key})
    monkeypatch.undo()

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["state"] == "pending"
    assert accepted["outcome_url"] == f"/v1/transactions/{accepted['tx_hash']}"
    assert response.headers["location"] == accepted["outcome_url"]
    assert (retry.status_code, retry.json()) == (202, accepted)  # the retry sends nothing new
    outcome = env.get(accepted["outcome_url"])
    assert outcome.status_code == 200, outcome.text
    body = outcome.json()
    cid = _certificate_id(env, number)
    assert body["state"] == "landed"
    assert body["events"] == ["CertificateIssued"]
    assert body["resources"] == [{"kind": "certificate", "id": cid, "url": f"/v1/certificates/{cid}"}]
    assert isinstance(body["block_number"], int)


def test_a_write_that_landed_before_the_index_caught_up_answers_202_landed(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def behind(block: int) -> NoReturn:
        raise IndexTimeoutError(f"index not at block {block}")

    monkeypatch.setattr(env.runtime, "await_block", behind)
    number = unique_number("BEHIND")
    response = env.post("/v1/certificates", "cr_writer", issue_body(number))
    monkeypatch.undo()

    assert response.status_code == 202, response.text
    assert response.json()["state"] == "landed"
    env.runtime.await_block(env.runtime.ledger.chain.block_number())
    outcome = env.get(response.headers["location"]).json()
    assert outcome["state"] == "landed"
    assert outcome["indexed"] is True
    assert env.get(outcome["resources"][0]["url"]).json()["number"] == number


def test_the_outcome_of_a_reverted_transaction_names_the_contract_error(env: Env, issued: Any) -> None:
    existing = issued()
    ledger = env.runtime.ledger.with_signer(env.runtime.signers.signer_for("CR"))
    data = encode_issue(_request_bytes(existing["certificate"]["number"]))  # issued already: it reverts
    signer = env.runtime.signers.signer_for("CR")
    tx_hash = ledger.context.sender.send(signer, ledger.deployment.address, data, 500_000)
    assert ledger.chain.wait_for_receipt(tx_hash).status == 0

    outcome = env.get(f"/v1/transactions/0x{tx_hash.hex()}")

    assert outcome.status_code == 200, outcome.text
    body = outcome.json()
    assert body["state"] == "failed"
    assert body["failure"]["error"] == "CertificateAlreadyIssued"
    assert body["resources"] == []


def _request_bytes(number: str) -> bytes:
    request = IssueCertificateRequest.model_validate(issue_body(number))
    return request.to_request(number).encode()


def test_an_unknown_transaction_is_a_404_problem(env: Env) -> None:
    response = env.get("/v1/transactions/0x" + "ab" * 32)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert env.get("/v1/transactions/0x1234").status_code == 422


def test_the_openapi_document_states_the_202_answer_and_the_outcome_endpoint(env: Env) -> None:
    spec = env.client.get("/openapi.json").json()
    accepted = spec["paths"]["/v1/certificates"]["post"]["responses"]["202"]
    assert accepted["content"]["application/json"]["schema"]["$ref"].endswith("/WriteAccepted")
    assert "get" in spec["paths"]["/v1/transactions/{tx_hash}"]
    states = spec["components"]["schemas"]["TransactionOutcomeOut"]["properties"]["state"]
    assert set(states["enum"]) == {"pending", "landed", "failed"}


def test_the_runtime_gives_its_chain_its_index_as_block_signal(tmp_path: Path) -> None:
    ledger = Ledger.embedded()
    registry = SignerRegistry(tmp_path / "keystores", governance=ledger.dev_signers()[0])
    runtime = Runtime.assemble(ApiSettings(state_dir=tmp_path, index_poll_seconds=0.05), ledger, registry, owner="t")
    runtime.start()
    try:
        assert ledger.chain._blocks is runtime.index  # receipts are polled as the index sees blocks
    finally:
        runtime.close()
    assert ledger.chain._blocks is None  # a closed runtime's index signals nothing
