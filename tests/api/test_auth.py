"""Authentication and the authorisation matrix: each role x each endpoint, table-driven.

Allowed calls must get past authorisation (no 401/403, no 5xx); refused calls must get a 403
problem before anything is sent (the chain's block number does not move).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ledger_client.signers import Signer
from tests.api.conftest import Env, issue_body, unique_number

ROLES = ("cr_writer", "cr_reader", "cr_agency", "pe_writer", "pe_agency", "mx_writer", "auditor", "governance")
EVERYONE = frozenset(ROLES)
# An agency token reads what a reader of its administration reads, and never writes.
CR_SIDE = frozenset({"cr_writer", "cr_reader", "cr_agency", "auditor", "governance"})
CR_PE_SIDE = frozenset({"cr_writer", "cr_reader", "cr_agency", "pe_writer", "pe_agency", "auditor", "governance"})


@dataclass(frozen=True)
class Case:
    """One endpoint: how to call it (given the env and a fresh CR certificate id) and who may."""

    name: str
    method: str
    path: Callable[[Env, str], str]
    allowed: frozenset[str]
    body: Callable[[Env, str], Any] | None = None
    params: dict[str, Any] | None = None


def _mra_body(env: Env, cid: str) -> dict[str, Any]:
    return {
        "parties": ["CR", "PE"],
        "programmes": ["FISCAL"],
        "roles": ["CARRIER"],
        "effective_from": 0,
        "document_hash": "0x" + "44" * 32,
    }


_TERMINATED: dict[int, int] = {}


def _terminated_mra(env: Env) -> int:
    """A terminated CR-PE MRA (made once): suspending or terminating it again changes nothing (409),
    so the matrix can call those endpoints with a valid reason."""
    if id(env) not in _TERMINATED:
        created = env.post("/v1/mras", "cr_writer", _mra_body(env, ""))
        assert created.status_code == 201, created.text
        mra_id = created.json()["mra"]["id"]
        assert env.post(f"/v1/mras/{mra_id}/accept", "pe_writer").status_code == 201
        assert env.post(f"/v1/mras/{mra_id}/terminate", "cr_writer", {"reason": "INVESTIGATION"}).status_code == 201
        _TERMINATED[id(env)] = mra_id
    return _TERMINATED[id(env)]


CASES = [
    Case("list administrations", "GET", lambda e, c: "/v1/administrations", EVERYONE),
    Case("get administration", "GET", lambda e, c: "/v1/administrations/CR", EVERYONE),
    Case("kpis", "GET", lambda e, c: "/v1/administrations/CR/kpis", CR_SIDE),
    Case(
        "agency reads", "GET", lambda e, c: "/v1/administrations/CR/agency-reads", frozenset({"cr_writer", "auditor"})
    ),
    Case(
        "register administration",
        "POST",
        lambda e, c: "/v1/administrations",
        frozenset({"governance"}),
        lambda e, c: {"code": "XA", "name": "Test", "signer": Signer.create().address},
    ),
    Case("freeze", "POST", lambda e, c: "/v1/administrations/ZZ/freeze", frozenset({"governance"})),
    Case("unfreeze", "POST", lambda e, c: "/v1/administrations/ZZ/unfreeze", frozenset({"governance"})),
    Case(
        "add signer",
        "POST",
        lambda e, c: "/v1/administrations/CR/signers",
        frozenset({"cr_writer"}),
        lambda e, c: {"address": Signer.create().address},
    ),
    Case(
        "remove signer",
        "DELETE",
        lambda e, c: f"/v1/administrations/CR/signers/{Signer.create().address}",
        frozenset({"cr_writer"}),
    ),
    Case("list certificates", "GET", lambda e, c: "/v1/certificates", EVERYONE),
    Case("get certificate", "GET", lambda e, c: f"/v1/certificates/{c}", EVERYONE),
    Case("history", "GET", lambda e, c: f"/v1/certificates/{c}/history", EVERYONE),
    Case("status at", "GET", lambda e, c: f"/v1/certificates/{c}/status", EVERYONE),
    Case("audit certificate", "GET", lambda e, c: f"/v1/certificates/{c}/audit", CR_SIDE),
    Case(
        "issue",
        "POST",
        lambda e, c: "/v1/certificates",
        frozenset({"cr_writer", "pe_writer", "mx_writer"}),
        lambda e, c: issue_body(unique_number("MATRIX")),
    ),
    Case(
        "batch issue",
        "POST",
        lambda e, c: "/v1/certificates/batch",
        frozenset({"cr_writer", "pe_writer", "mx_writer"}),
        lambda e, c: {"certificates": [issue_body(unique_number("MATRIX"))]},
    ),
    Case(
        "suspend",
        "POST",
        lambda e, c: f"/v1/certificates/{c}/suspend",
        frozenset({"cr_writer"}),
        lambda e, c: {"reason": 3},
    ),
    Case("reinstate", "POST", lambda e, c: f"/v1/certificates/{c}/reinstate", frozenset({"cr_writer"})),
    Case(
        "revoke",
        "POST",
        lambda e, c: f"/v1/certificates/{c}/revoke",
        frozenset({"cr_writer"}),
        lambda e, c: {"reason": 1},
    ),
    Case(
        "annul",
        "POST",
        lambda e, c: f"/v1/certificates/{c}/annul",
        frozenset({"cr_writer"}),
        lambda e, c: {"reason": 6},
    ),
    Case(
        "amend",
        "POST",
        lambda e, c: f"/v1/certificates/{c}/amend",
        frozenset({"cr_writer"}),
        lambda e, c: {k: v for k, v in issue_body().items() if k != "number"},
    ),
    Case(
        "renew",
        "POST",
        lambda e, c: f"/v1/certificates/{c}/renew",
        frozenset({"cr_writer"}),
        lambda e, c: {"valid_from": 1_800_000_000, "document_hash": "0x" + "55" * 32},
    ),
    Case(
        "verify document",
        "POST",
        lambda e, c: "/v1/certificates/verify-document",
        EVERYONE,
        lambda e, c: {
            "certificate_number": "X-1",
            "issuer": "CR",
            "issuing_office": "DGA",
            "operator": {"legal_name": "A", "tax_id": "1", "address": {"street": "s", "city": "c", "country": "CR"}},
            "roles": ["IMPORTER"],
            "programmes": ["SECURITY"],
            "sme": False,
            "valid_from": "2025-01-01T00:00:00Z",
        },
    ),
    Case("list MRAs", "GET", lambda e, c: "/v1/mras", EVERYONE),
    Case("get MRA", "GET", lambda e, c: f"/v1/mras/{e.mra_id}", EVERYONE),
    Case("audit MRA", "GET", lambda e, c: f"/v1/mras/{e.mra_id}/audit", CR_PE_SIDE),
    Case("propose MRA", "POST", lambda e, c: "/v1/mras", frozenset({"cr_writer", "pe_writer"}), _mra_body),
    Case("accept MRA", "POST", lambda e, c: f"/v1/mras/{e.mra_id}/accept", frozenset({"cr_writer", "pe_writer"})),
    Case(
        "suspend MRA",
        "POST",
        lambda e, c: f"/v1/mras/{_terminated_mra(e)}/suspend",
        frozenset({"cr_writer", "pe_writer"}),
        lambda e, c: {"reason": "INVESTIGATION"},
    ),
    Case("resume MRA", "POST", lambda e, c: f"/v1/mras/{e.mra_id}/resume", frozenset({"cr_writer", "pe_writer"})),
    Case(
        "terminate MRA",
        "POST",
        lambda e, c: f"/v1/mras/{_terminated_mra(e)}/terminate",
        frozenset({"cr_writer", "pe_writer"}),
        lambda e, c: {"reason": "INVESTIGATION"},
    ),
    Case("recognition", "GET", lambda e, c: "/v1/recognition", EVERYONE, params={"by": "PE"}),
    Case("feed", "GET", lambda e, c: "/v1/feed", CR_SIDE, params={"administration": "CR"}),
    Case("inbox", "GET", lambda e, c: "/v1/inbox", CR_SIDE, params={"administration": "CR"}),
    Case("stream", "GET", lambda e, c: "/v1/feed/stream", CR_SIDE, params={"administration": "CR", "timeout": 0.1}),
    Case(
        "acknowledge",
        "POST",
        lambda e, c: "/v1/acknowledgements",
        frozenset({"pe_writer"}),  # writers of the issuer's MRA partners
        lambda e, c: {"certificate_id": c, "sequence": 1},
    ),
]


@pytest.fixture(scope="module")
def cr_certificate(env: Env) -> str:
    """A CR certificate the matrix acts on (writes on it are harmless: conflicts are fine)."""
    response = env.post("/v1/certificates", "cr_writer", issue_body(unique_number("MATRIX")))
    assert response.status_code == 201
    cid: str = response.json()["certificate"]["id"]
    return cid


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_authorisation_matrix(env: Env, cr_certificate: str, case: Case) -> None:
    for role in ROLES:
        params = dict(case.params or {})
        if case.name == "recognition":
            params["certificate"] = cr_certificate
        body = case.body(env, cr_certificate) if case.body else None
        head = env.runtime.ledger.chain.block_number()
        response = env.client.request(
            case.method, case.path(env, cr_certificate), headers=env.headers(role), json=body, params=params
        )
        where = f"{case.name} as {role}: {response.status_code} {response.text[:300]}"
        if role in case.allowed:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
        else:
            assert response.status_code == 403, where
            assert response.headers["content-type"] == "application/problem+json", where
            assert env.runtime.ledger.chain.block_number() == head, f"{where}: a transaction was sent"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_endpoint_needs_a_valid_token(env: Env, cr_certificate: str, case: Case) -> None:
    path = case.path(env, cr_certificate)
    for headers in (
        {},
        {"Authorization": "Bearer aeo_not-a-token"},
        {"Authorization": "Basic abc"},
        env.headers("revoked"),
    ):
        response = env.client.request(case.method, path, headers=headers, params=case.params)
        assert response.status_code == 401, (case.name, headers, response.text)


def test_revocation_takes_effect_on_the_next_request(env: Env) -> None:
    record, secret = env.runtime.tokens.create("reader", "CR", label="short-lived")
    headers = {"Authorization": f"Bearer {secret}"}
    assert env.client.get("/v1/administrations", headers=headers).status_code == 200
    env.runtime.tokens.revoke(record.id)
    assert env.client.get("/v1/administrations", headers=headers).status_code == 401


def test_revocation_by_another_process_is_seen(env: Env) -> None:
    from api.tokens import TokenStore

    record, secret = env.runtime.tokens.create("reader", "PE")
    headers = {"Authorization": f"Bearer {secret}"}
    assert env.client.get("/v1/administrations", headers=headers).status_code == 200
    other = TokenStore(env.runtime.settings.tokens_file())  # the CLI's connection
    other.revoke(record.id)
    other.close()
    assert env.client.get("/v1/administrations", headers=headers).status_code == 401
