"""Certificates: issue, batch, lifecycle transitions, reads, pagination, status at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger_client.hashing import certificate_id
from tests.api.conftest import DOC, Env, issue_body, unique_number

Issue = Callable[..., dict[str, Any]]


def test_issue_answers_201_with_resource_tx_and_block_readable_at_once(env: Env) -> None:
    number = unique_number()
    response = env.post("/v1/certificates", "cr_writer", issue_body(number, valid_until="2030-01-01T00:00:00Z"))
    assert response.status_code == 201, response.text
    body = response.json()
    certificate = body["certificate"]
    assert certificate["number"] == number
    assert certificate["issuer"] == "CR"
    assert certificate["status"] == "ACTIVE"
    assert certificate["valid_now"] is True
    assert certificate["programmes"] == ["SECURITY", "SIMPLIFICATIONS"]
    assert certificate["valid_until"] == "2030-01-01T00:00:00Z"
    assert body["action"] == "ISSUED"
    assert body["sequence"] == 1
    assert body["transaction"]["tx_hash"].startswith("0x")
    assert env.runtime.index.block_number >= body["transaction"]["block_number"]
    again = env.get(f"/v1/certificates/{certificate['id']}", "cr_reader")
    assert again.status_code == 200
    assert again.json() == certificate | {"valid_now": True}


def test_issue_twice_is_a_409_conflict_naming_the_contract_error(env: Env, issued: Issue) -> None:
    first = issued()
    response = env.post("/v1/certificates", "cr_writer", issue_body(first["certificate"]["number"]))
    assert response.status_code == 409
    problem = response.json()
    assert problem["error"] == "CertificateAlreadyIssued"
    assert problem["inputs"]["id"] == first["certificate"]["id"]


def test_issue_rejects_bad_input_with_422(env: Env) -> None:
    cases = [
        issue_body(programmes=["TELEPORTATION"]),
        issue_body(programmes=[]),
        issue_body(valid_from="2025-01-01T00:00:00Z", valid_until="2024-01-01T00:00:00Z"),
        issue_body(valid_from="2025-01-01T00:00:00"),
        issue_body(number="x" * 40),
        issue_body(document_hash="0x1234"),
        issue_body(document_hash="0x" + "00" * 32),
        {**issue_body(), "unexpected": 1},
    ]
    for body in cases:
        response = env.post("/v1/certificates", "cr_writer", body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_lifecycle_suspend_reinstate_amend_renew_revoke(env: Env, issued: Issue) -> None:
    cid = issued()["certificate"]["id"]
    steps: list[tuple[str, dict[str, Any] | None, str, str]] = [
        ("suspend", {"reason": "NON_COMPLIANCE"}, "SUSPENDED", "SUSPENDED"),
        ("reinstate", None, "REINSTATED", "ACTIVE"),
        (
            "amend",
            {**{k: v for k, v in issue_body().items() if k != "number"}, "roles": ["CARRIER"]},
            "AMENDED",
            "ACTIVE",
        ),
        (
            "renew",
            {"valid_from": VALID_RENEW, "valid_until": "2033-01-01T00:00:00Z", "document_hash": DOC},
            "RENEWED",
            "ACTIVE",
        ),
        ("revoke", {"reason": 1}, "REVOKED", "REVOKED"),
    ]
    for sequence, (action, body, event, state) in enumerate(steps, start=2):
        response = env.post(f"/v1/certificates/{cid}/{action}", "cr_writer", body)
        assert response.status_code == 201, (action, response.text)
        result = response.json()
        assert (result["action"], result["sequence"], result["certificate"]["status"]) == (event, sequence, state)
    assert result["certificate"]["roles"] == ["CARRIER"]
    assert result["certificate"]["valid_until"] == "2033-01-01T00:00:00Z"
    closed = env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": "FRAUD"})
    assert closed.status_code == 409
    assert closed.json()["error"] == "CertificateNotActive"
    assert closed.json()["inputs"]["status"] == "REVOKED"
    closed = env.post(f"/v1/certificates/{cid}/annul", "cr_writer", {"reason": "FRAUD"})
    assert closed.json()["error"] == "CertificateClosed"
    history = env.get(f"/v1/certificates/{cid}/history", "pe_reader").json()
    assert [e["action"] for e in history["items"]] == [
        "ISSUED",
        "SUSPENDED",
        "REINSTATED",
        "AMENDED",
        "RENEWED",
        "REVOKED",
    ]
    assert history["items"][1]["reason"] == "NON_COMPLIANCE"


VALID_RENEW = "2025-06-01T00:00:00Z"


def test_annul_and_invalid_transitions(env: Env, issued: Issue) -> None:
    cid = issued()["certificate"]["id"]
    not_suspended = env.post(f"/v1/certificates/{cid}/reinstate", "cr_writer", {})
    assert not_suspended.status_code == 409
    assert not_suspended.json()["error"] == "CertificateNotSuspended"
    assert env.post(f"/v1/certificates/{cid}/annul", "cr_writer", {"reason": "FRAUD"}).status_code == 201
    missing_reason = env.post(f"/v1/certificates/{cid}/revoke", "cr_writer", {"reason": 0})
    assert missing_reason.status_code == 422
    unknown_reason = env.post(f"/v1/certificates/{cid}/revoke", "cr_writer", {"reason": "BORED"})
    assert unknown_reason.status_code == 422


def test_unknown_and_malformed_ids(env: Env) -> None:
    unknown = "0x4352" + "ab" * 30
    assert env.get(f"/v1/certificates/{unknown}").status_code == 404
    assert env.get(f"/v1/certificates/{unknown}/history").status_code == 404
    assert env.get(f"/v1/certificates/{unknown}/status").status_code == 404
    assert env.get("/v1/certificates/0x1234").status_code == 422
    assert env.get("/v1/certificates/0x" + "00" * 32).status_code == 422  # no issuer code
    transition = env.post(f"/v1/certificates/{unknown}/suspend", "cr_writer", {"reason": 1})
    assert transition.status_code == 404
    assert transition.json()["error"] == "UnknownCertificate"


def test_list_filters_and_cursor_pagination(env: Env, issued: Issue) -> None:
    ids = {issued("mx_writer", sme=False, roles=["WAREHOUSE"])["certificate"]["id"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"issuer": "MX", "role": "WAREHOUSE", "sme": "false", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = env.get("/v1/certificates", "mx_writer", params=params).json()
        assert len(page["items"]) <= 2
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids <= set(seen)
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    for c in env.get("/v1/certificates", params={"issuer": "MX", "status": "ACTIVE", "programme": "SECURITY"}).json()[
        "items"
    ]:
        assert c["issuer"] == "MX"
        assert c["status"] == "ACTIVE"
        assert "SECURITY" in c["programmes"]
    assert env.get("/v1/certificates", params={"cursor": "garbage"}).status_code == 422
    assert env.get("/v1/certificates", params={"limit": 0}).status_code == 422
    assert env.get("/v1/certificates", params={"status": "HAPPY"}).status_code == 422


def test_lookup_by_national_number(env: Env, issued: Issue) -> None:
    created = issued("pe_writer")["certificate"]
    page = env.get("/v1/certificates", params={"issuer": "PE", "number": created["number"]}).json()
    assert [c["id"] for c in page["items"]] == [created["id"]]
    # numbers are national: without an issuer, every issuer's certificate with that number
    everywhere = env.get("/v1/certificates", params={"number": created["number"]}).json()
    assert [c["id"] for c in everywhere["items"]] == [created["id"]]


def test_history_pagination(env: Env, issued: Issue) -> None:
    cid = issued()["certificate"]["id"]
    for _ in range(2):
        assert env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": 3}).status_code == 201
        assert env.post(f"/v1/certificates/{cid}/reinstate", "cr_writer").status_code == 201
    first = env.get(f"/v1/certificates/{cid}/history", params={"limit": 3}).json()
    second = env.get(f"/v1/certificates/{cid}/history", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [e["sequence"] for e in first["items"] + second["items"]] == [1, 2, 3, 4, 5]
    assert second["next_cursor"] is None


def test_status_at_a_time_iso_and_unix(env: Env, issued: Issue) -> None:
    created = issued()
    cid = created["certificate"]["id"]
    issued_at = created["certificate"]["issued_at"]
    suspended = env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": 3}).json()
    before = env.get(f"/v1/certificates/{cid}/status", params={"at": "2001-01-01T00:00:00Z"}).json()
    assert before["status"] == "NONE"
    assert before["valid"] is False
    at_issue = env.get(f"/v1/certificates/{cid}/status", params={"at": issued_at}).json()
    assert at_issue["sequence"] >= 1
    now = env.get(f"/v1/certificates/{cid}/status").json()
    assert now["status"] == "SUSPENDED"
    assert now["sequence"] == suspended["sequence"]
    unix = env.get(f"/v1/certificates/{cid}/status", params={"at": "4000000000"}).json()
    assert unix["status"] == "SUSPENDED"
    assert env.get(f"/v1/certificates/{cid}/status", params={"at": "yesterday"}).status_code == 422


def test_batch_issue_reports_each_item(env: Env) -> None:
    duplicate = unique_number()
    rows = [issue_body() for _ in range(3)]
    rows += [issue_body(duplicate), issue_body(duplicate), issue_body(number="bad\u00e9number")]
    rows.append(issue_body(valid_from="2025-01-01T00:00:00Z", valid_until="2024-01-01T00:00:00Z"))
    response = env.post("/v1/certificates/batch", "pe_writer", {"certificates": rows})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["issued"], body["failed"]) == (4, 3)
    items = body["items"]
    assert [i["ok"] for i in items] == [True, True, True, True, False, False, False]
    assert items[4]["status"] == 409
    assert items[4]["error"] == "DuplicateCertificateError"
    assert items[5]["status"] == 422
    assert items[6]["error"] == "InvalidDatesError"
    for item in items[:4]:
        assert env.get(f"/v1/certificates/{item['certificate_id']}").status_code == 200
    again = env.post("/v1/certificates/batch", "pe_writer", {"certificates": rows[:1]})
    assert again.status_code == 200
    assert again.json()["items"][0]["error"] == "CertificateAlreadyIssued"


def test_batch_limits(env: Env) -> None:
    assert env.post("/v1/certificates/batch", "pe_writer", {"certificates": []}).status_code == 422
    big = {"certificates": [issue_body() for _ in range(1001)]}
    assert env.post("/v1/certificates/batch", "pe_writer", big).status_code == 422


def test_batch_limit_is_the_gateways_setting(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = env.client.get("/openapi.json").json()["components"]["schemas"]["BatchIssueRequest"]
    assert "maxItems" not in schema["properties"]["certificates"]  # no second limit beside the setting
    monkeypatch.setattr(env.runtime, "settings", env.runtime.settings.model_copy(update={"max_batch_size": 2}))
    response = env.post("/v1/certificates/batch", "pe_writer", {"certificates": [issue_body() for _ in range(3)]})
    assert response.status_code == 422
    assert "1..2 certificates; got 3" in response.json()["detail"]


def test_amend_of_an_unknown_certificate_is_not_found(env: Env) -> None:
    unknown = "0x" + certificate_id("CR", unique_number("NEVER")).hex()
    body = {k: v for k, v in issue_body().items() if k != "number"}
    response = env.post(f"/v1/certificates/{unknown}/amend", "cr_writer", body)
    assert response.status_code == 404, response.text


def test_batch_of_a_thousand(env: Env) -> None:
    rows = [issue_body(unique_number("BULK")) for _ in range(1000)]
    response = env.post("/v1/certificates/batch", "cl_writer", {"certificates": rows})
    assert response.status_code == 201, response.text[:500]
    assert response.json()["issued"] == 1000


def test_consent_at_issue_and_amend(env: Env, issued: Issue) -> None:
    default = issued()["certificate"]
    assert default["consent"] is True
    withheld = issued(consent=False)["certificate"]
    assert withheld["consent"] is False
    cid = withheld["id"]
    terms = {k: v for k, v in issue_body().items() if k != "number"}
    kept = env.post(f"/v1/certificates/{cid}/amend", "cr_writer", terms)
    assert kept.status_code == 201, kept.text
    assert kept.json()["certificate"]["consent"] is False  # omitted: unchanged
    given = env.post(f"/v1/certificates/{cid}/amend", "cr_writer", terms | {"consent": True})
    assert given.json()["certificate"]["consent"] is True
    history = env.get(f"/v1/certificates/{cid}/history", "cr_reader").json()["items"]
    assert [e["consent"] for e in history] == [False, False, True]
    assert env.post("/v1/certificates", "cr_writer", issue_body(consent="maybe")).status_code == 422
