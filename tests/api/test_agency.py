"""Agency tokens (other government agencies, workshop Rec. 10): they read certificates, recognition
and the feed of their administration, never write, and each of their requests is listed for the
administration (``GET /v1/administrations/{code}/agency-reads``, its writers and auditors)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Env, issue_body, unique_number


def _all_reads(env: Env, code: str, who: str = "auditor") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = 0
    for _ in range(1000):  # bounded: pages of 1000
        body = env.get(f"/v1/administrations/{code}/agency-reads", who, params={"after": after, "limit": 1000})
        assert body.status_code == 200, body.text
        page = body.json()
        items += page["items"]
        if page["next_after"] is None:
            return items
        after = page["next_after"]
    raise AssertionError("the agency-read log does not end")


def test_an_agency_reads_certificates_recognition_and_the_feed(env: Env, issued: Any) -> None:
    cid = issued("cr_writer")["certificate"]["id"]
    agency = env.headers("pe_agency")
    assert env.client.get(f"/v1/certificates/{cid}", headers=agency).status_code == 200
    recognition = env.client.get("/v1/recognition", headers=agency, params={"certificate": cid, "by": "PE"})
    assert recognition.status_code == 200, recognition.text
    assert recognition.json()["recognised"] is True
    feed = env.client.get("/v1/feed", headers=agency, params={"administration": "PE", "limit": 1000})
    assert feed.status_code == 200, feed.text
    # another administration's feed is not its administration's
    other = env.client.get("/v1/feed", headers=agency, params={"administration": "CR"})
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"


def test_an_agency_never_writes(env: Env, issued: Any) -> None:
    cid = issued("pe_writer")["certificate"]["id"]
    head = env.runtime.ledger.chain.block_number()
    attempts = [
        ("POST", "/v1/certificates", issue_body(unique_number("AGY"))),
        ("POST", f"/v1/certificates/{cid}/suspend", {"reason": "INVESTIGATION"}),
        ("POST", "/v1/acknowledgements", {"certificate_id": cid, "sequence": 1}),
        ("POST", "/v1/webhooks/endpoints", {"url": "http://127.0.0.1:9/hook"}),
        ("POST", "/v1/administrations/PE/signers", {"address": "0x" + "ab" * 20}),
    ]
    for method, path, body in attempts:
        response = env.client.request(method, path, json=body, headers=env.headers("pe_agency"))
        assert response.status_code == 403, (path, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["type"].endswith(":forbidden")
        assert "agency token" in problem["detail"], problem
    assert env.runtime.ledger.chain.block_number() == head, "an agency's write was sent"


def test_agency_reads_are_listed_for_its_administration(env: Env, issued: Any) -> None:
    cid = issued("cr_writer")["certificate"]["id"]
    request_id = "senasa-" + uuid.uuid4().hex
    agency = env.headers("pe_agency", **{"X-Request-ID": request_id})
    token = env.tokens["cr_writer"]  # a token wrongly put in a URL is never stored
    for path, params in (
        (f"/v1/certificates/{cid}", {}),
        ("/v1/recognition", {"certificate": cid, "by": "PE", "access_token": token}),
        ("/v1/certificates/0x" + "00" * 32, {}),
    ):
        env.client.get(path, headers=agency, params=params)
    env.get("/v1/certificates", "pe_reader")  # other roles' reads are not an agency's
    mine = [r for r in _all_reads(env, "PE") if r["request_id"] == request_id]
    assert [(r["method"], r["path"], r["status"]) for r in mine] == [
        ("GET", f"/v1/certificates/{cid}", 200),
        ("GET", "/v1/recognition", 200),
        ("GET", "/v1/certificates/0x" + "00" * 32, 422),
    ]
    assert {r["token_id"] for r in mine} == {env.token_ids["pe_agency"]}
    assert {r["label"] for r in mine} == {"pe_agency"}
    assert f"certificate={cid}" in mine[1]["query"]
    assert "by=PE" in mine[1]["query"]
    assert token not in mine[1]["query"]
    assert "access_token" not in mine[1]["query"]
    assert all(r["at"].endswith("Z") or r["at"].endswith("+00:00") for r in mine)
    # the administration's writer sees them; another administration's log does not hold them
    assert [r for r in _all_reads(env, "PE", "pe_writer") if r["request_id"] == request_id] == mine
    assert all(r["request_id"] != request_id for r in _all_reads(env, "CR"))


def test_the_agency_read_log_is_for_writers_and_auditors_of_the_administration(env: Env) -> None:
    for who, expected in (
        ("pe_writer", 200),
        ("auditor", 200),
        ("cr_writer", 403),
        ("pe_reader", 403),
        ("pe_agency", 403),
        ("governance", 403),
    ):
        response = env.get("/v1/administrations/PE/agency-reads", who)
        assert response.status_code == expected, (who, response.text)
    assert env.get("/v1/administrations/QQ/agency-reads", "auditor").status_code == 404


def test_the_agency_read_log_pages(env: Env) -> None:
    request_id = "page-" + uuid.uuid4().hex
    for _ in range(5):
        env.client.get("/v1/administrations", headers=env.headers("cr_agency", **{"X-Request-ID": request_id}))
    seen: list[int] = []
    after = 0
    for _ in range(100):
        page = env.get("/v1/administrations/CR/agency-reads", "cr_writer", params={"after": after, "limit": 2}).json()
        assert len(page["items"]) <= 2
        seen += [r["id"] for r in page["items"] if r["request_id"] == request_id]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert len(seen) == 5
    assert seen == sorted(seen)


def test_a_cursor_beyond_a_local_row_id_is_a_problem_not_a_crash(env: Env) -> None:
    response = env.get("/v1/administrations/CR/agency-reads", "cr_writer", params={"after": 2**63})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    last = env.get("/v1/administrations/CR/agency-reads", "cr_writer", params={"after": 2**63 - 1})
    assert last.status_code == 200, last.text
    assert last.json() == {"items": [], "next_after": None}
