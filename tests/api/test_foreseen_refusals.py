"""Nothing the API can foresee reverts on-chain (issue #10, item 8).

On the durable embedded chain writes go out without a pre-flight (py-evm would execute each twice),
so before the index foresight a 404 or 409 answer still mined a reverted transaction (~27k gas).
Each refusal below is answered while the chain's block number and every sender's nonce stay
unchanged. (The in-memory chain of the other API tests rolls reverted transactions back, so it
could not show this.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger_client.index.foresight import IndexForesight
from ledger_client.ledger import Ledger
from tests.api.conftest import Env, issue_body, open_env, unique_number


@pytest.fixture(scope="module")
def durable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """The API over a durable embedded chain (writes sent without a pre-flight)."""
    state = tmp_path_factory.mktemp("durable-api")
    with open_env(state, Ledger.embedded(data_dir=state / "chain")) as env:
        assert env.runtime.ledger.context.sender.optimistic
        yield env


def _chain_state(env: Env) -> tuple[int, tuple[int, ...]]:
    chain = env.runtime.ledger.chain
    return chain.block().number, tuple(chain.transaction_count(s.address, "latest") for s in chain.dev_signers()[:5])


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _refused(env: Env, status: int, error: str, method: str, path: str, who: str, body: Any = None) -> None:
    before = _chain_state(env)
    response = env.client.request(method, path, headers=env.headers(who), json=body)
    assert response.status_code == status, response.text
    assert response.json().get("error", response.json()["title"]) == error, response.text
    assert _chain_state(env) == before, f"{method} {path} ({error}) left a transaction on the chain"


def test_every_foreseeable_refusal_leaves_the_chain_untouched(durable: Env) -> None:
    env = durable
    active = _ok(env.post("/v1/certificates", "cr_writer", issue_body()))["certificate"]
    suspended = _ok(env.post("/v1/certificates", "cr_writer", issue_body()))["certificate"]
    revoked = _ok(env.post("/v1/certificates", "cr_writer", issue_body()))["certificate"]
    _ok(env.post(f"/v1/certificates/{suspended['id']}/suspend", "cr_writer", {"reason": 1}))
    _ok(env.post(f"/v1/certificates/{revoked['id']}/revoke", "cr_writer", {"reason": 1}))
    _ok(env.post("/v1/acknowledgements", "pe_writer", {"certificate_id": active["id"], "sequence": 1}))
    proposal = {
        "parties": ["CR", "MX"],
        "programmes": ["SECURITY"],
        "roles": ["IMPORTER"],
        "effective_from": "2025-01-01T00:00:00Z",
        "document_hash": "0x" + "33" * 32,
    }
    proposed = _ok(env.post("/v1/mras", "cr_writer", proposal))["mra"]["id"]
    ended = _ok(env.post("/v1/mras", "cr_writer", proposal | {"parties": ["CR", "CL"]}))["mra"]["id"]
    _ok(env.post(f"/v1/mras/{ended}/terminate", "cl_writer", {"reason": 1}))
    unknown = "0x4352" + "ab" * 30
    cr_signer = env.runtime.ledger.dev_signers()[1].address
    pe_signer = env.runtime.ledger.dev_signers()[2].address

    # Certificates.
    _refused(
        env, 409, "CertificateAlreadyIssued", "POST", "/v1/certificates", "cr_writer", issue_body(active["number"])
    )
    _refused(env, 404, "UnknownCertificate", "POST", f"/v1/certificates/{unknown}/suspend", "cr_writer", {"reason": 1})
    _refused(
        env,
        409,
        "CertificateNotActive",
        "POST",
        f"/v1/certificates/{suspended['id']}/suspend",
        "cr_writer",
        {"reason": 1},
    )
    _refused(env, 409, "CertificateNotSuspended", "POST", f"/v1/certificates/{active['id']}/reinstate", "cr_writer", {})
    for action, body in (("revoke", {"reason": 1}), ("annul", {"reason": 1}), ("suspend", {"reason": 1})):
        error = "CertificateNotActive" if action == "suspend" else "CertificateClosed"
        _refused(env, 409, error, "POST", f"/v1/certificates/{revoked['id']}/{action}", "cr_writer", body)
    renewal = {"valid_from": "2025-01-01T00:00:00Z", "valid_until": None, "document_hash": "0x" + "44" * 32}
    _refused(env, 409, "CertificateClosed", "POST", f"/v1/certificates/{revoked['id']}/renew", "cr_writer", renewal)
    _refused(env, 404, "UnknownCertificate", "POST", f"/v1/certificates/{unknown}/renew", "cr_writer", renewal)
    amendment = {k: v for k, v in issue_body().items() if k != "number"}
    _refused(env, 409, "CertificateClosed", "POST", f"/v1/certificates/{revoked['id']}/amend", "cr_writer", amendment)
    before = _chain_state(env)
    batch = env.post(
        "/v1/certificates/batch",
        "cr_writer",
        {"certificates": [issue_body(active["number"]), issue_body(suspended["number"])]},
    )
    assert batch.status_code == 200, batch.text
    assert [(i["ok"], i["status"], i["error"]) for i in batch.json()["items"]] == [
        (False, 409, "CertificateAlreadyIssued")
    ] * 2
    assert _chain_state(env) == before

    # Acknowledgements.
    ack = {"certificate_id": active["id"], "sequence": 1}
    _refused(env, 409, "AlreadyAcknowledged", "POST", "/v1/acknowledgements", "pe_writer", ack)
    _refused(env, 404, "UnknownCertificateEvent", "POST", "/v1/acknowledgements", "pe_writer", ack | {"sequence": 2})
    _refused(
        env, 404, "UnknownCertificate", "POST", "/v1/acknowledgements", "pe_writer", ack | {"certificate_id": unknown}
    )

    # MRAs.
    _refused(env, 409, "MraAlreadyAccepted", "POST", f"/v1/mras/{proposed}/accept", "cr_writer")
    _refused(env, 409, "MraNotActive", "POST", f"/v1/mras/{proposed}/suspend", "mx_writer", {"reason": 1})
    _refused(env, 409, "MraNotSuspended", "POST", f"/v1/mras/{env.mra_id}/resume", "pe_writer")
    _refused(env, 409, "MraNotProposed", "POST", f"/v1/mras/{ended}/accept", "cl_writer")
    _refused(env, 409, "MraAlreadyTerminated", "POST", f"/v1/mras/{ended}/terminate", "cr_writer", {"reason": 1})

    # Administrations and signers.
    _refused(
        env,
        409,
        "AdministrationAlreadyRegistered",
        "POST",
        "/v1/administrations",
        "governance",
        {"code": "CR", "name": "Costa Rica", "signer": "0x" + "12" * 20},
    )
    _refused(env, 409, "AdministrationNotFrozen", "POST", "/v1/administrations/PE/unfreeze", "governance")
    _refused(
        env,
        409,
        "SignerAlreadyRegistered",
        "POST",
        "/v1/administrations/CR/signers",
        "cr_writer",
        {"address": pe_signer},
    )
    _refused(env, 404, "SignerNotFound", "DELETE", f"/v1/administrations/CR/signers/{pe_signer}", "cr_writer")
    _refused(env, 409, "LastSigner", "DELETE", f"/v1/administrations/CR/signers/{cr_signer}", "cr_writer")

    # What the index cannot know is still the chain's to decide: a stale doubt costs one call, not the write.
    fresh = unique_number()
    foresight = IndexForesight(env.runtime.index)
    assert foresight.doubt("issue", cr_signer, (fresh,)) is None
    assert foresight.doubt("issue", cr_signer, (active["number"],)) is not None
    assert _ok(env.post("/v1/certificates", "cr_writer", issue_body(fresh)))["certificate"]["number"] == fresh
