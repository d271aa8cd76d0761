"""Recognition, the partner feed and its SSE stream, the inbox, acknowledgements."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.api.conftest import DOC, VALID_FROM, Env

Issue = Callable[..., dict[str, Any]]


def test_recognition_now_and_at_a_time(env: Env, issued: Issue) -> None:
    created = issued()["certificate"]
    cid = created["id"]
    now = env.get("/v1/recognition", "pe_reader", params={"certificate": cid, "by": "PE"}).json()
    assert now["recognised"] is True
    assert now["source"] == "chain"
    assert now["mra_id"] == env.mra_id
    assert set(now["programmes"]) == {"SECURITY", "SIMPLIFICATIONS"}
    not_partner = env.get("/v1/recognition", params={"certificate": cid, "by": "MX"}).json()
    assert (not_partner["recognised"], not_partner["mra_id"]) == (False, None)
    past = env.get("/v1/recognition", params={"certificate": cid, "by": "PE", "at": "2001-01-01T00:00:00Z"}).json()
    assert (past["recognised"], past["source"]) == (False, "index")
    later = env.get("/v1/recognition", params={"certificate": cid, "by": "PE", "at": "4000000000"}).json()
    assert later["recognised"] is True
    assert env.get("/v1/recognition", params={"certificate": cid}).status_code == 422
    assert env.get("/v1/recognition", params={"certificate": "0x12", "by": "PE"}).status_code == 422


def test_feed_inbox_and_acknowledgement(env: Env, issued: Issue) -> None:
    created = issued()
    cid = created["certificate"]["id"]
    inbox = _all(env, "/v1/inbox", "pe_reader")
    assert (cid, 1) in {(e["certificate_id"], e["sequence"]) for e in inbox}
    feed = _all(env, "/v1/feed", "pe_writer")
    mine = [e for e in feed if e["event"]["certificate_id"] == cid]
    assert len(mine) == 1
    assert mine[0]["acknowledged"] is False
    ack = env.post("/v1/acknowledgements", "pe_writer", {"certificate_id": cid, "sequence": 1})
    assert ack.status_code == 201, ack.text
    assert ack.json()["partner"] == "PE"
    assert (cid, 1) not in {(e["certificate_id"], e["sequence"]) for e in _all(env, "/v1/inbox", "pe_reader")}
    acked = [e for e in _all(env, "/v1/feed", "pe_writer") if e["event"]["certificate_id"] == cid]
    assert acked[0]["acknowledged"] is True
    twice = env.post("/v1/acknowledgements", "pe_writer", {"certificate_id": cid, "sequence": 1})
    assert (twice.status_code, twice.json()["error"]) == (409, "AlreadyAcknowledged")
    stranger = env.post("/v1/acknowledgements", "mx_writer", {"certificate_id": cid, "sequence": 1})
    assert stranger.status_code == 403
    assert "no live MRA" in stranger.json()["detail"]
    kpis = env.get("/v1/administrations/CR/kpis", "cr_reader").json()
    assert any(s["partner"] == "PE" and s["count"] >= 1 for s in kpis["acknowledgement_latency"])


def test_feed_last_page_gives_a_cursor_to_resume_from(env: Env, issued: Issue) -> None:
    end = env.get("/v1/feed", "pe_reader", params={"limit": 1000}).json()
    while end["more"]:
        end = env.get("/v1/feed", "pe_reader", params={"limit": 1000, "cursor": end["next_cursor"]}).json()
    assert isinstance(end["next_cursor"], str)
    waiting = env.get("/v1/feed", "pe_reader", params={"cursor": end["next_cursor"]}).json()
    assert waiting == {"items": [], "next_cursor": end["next_cursor"], "more": False}
    created = issued()["certificate"]["id"]
    resumed = env.get("/v1/feed", "pe_reader", params={"cursor": end["next_cursor"]}).json()
    assert [(e["event"]["certificate_id"], e["event"]["sequence"]) for e in resumed["items"]] == [(created, 1)]
    assert resumed["more"] is False
    assert resumed["next_cursor"] != end["next_cursor"]
    schema = env.client.get("/openapi.json").json()["components"]["schemas"]["FeedPageOut"]
    assert set(schema["required"]) >= {"items", "next_cursor", "more"}


def test_inbox_leaves_out_certificates_outside_the_mra_scope(env: Env, issued: Issue) -> None:
    # The CR-PE MRA covers SECURITY and SIMPLIFICATIONS: a FISCAL-only certificate is not PE's business.
    fiscal = issued(programmes=["FISCAL"])["certificate"]["id"]
    covered = issued(programmes=["FISCAL", "SECURITY"])["certificate"]["id"]
    inbox = {(e["certificate_id"], e["sequence"]) for e in _all(env, "/v1/inbox", "pe_reader")}
    assert (covered, 1) in inbox
    assert (fiscal, 1) not in inbox
    feed = {e["event"]["certificate_id"] for e in _all(env, "/v1/feed", "pe_reader")}
    assert {fiscal, covered} <= feed


def test_feed_scoping(env: Env) -> None:
    assert env.get("/v1/feed", "pe_reader", params={"administration": "CR"}).status_code == 403
    assert env.get("/v1/feed", "auditor").status_code == 422  # an auditor must say whose feed
    assert env.get("/v1/feed", "auditor", params={"administration": "PE"}).status_code == 200
    assert env.get("/v1/inbox", "governance", params={"administration": "CR"}).status_code == 200
    assert env.get("/v1/feed", "pe_reader", params={"cursor": "nope"}).status_code == 422


def test_sse_stream_delivers_a_new_event(env: Env, issued: Issue) -> None:
    received: list[dict[str, Any]] = []

    def listen() -> None:
        with env.client.stream(
            "GET", "/v1/feed/stream", headers=env.headers("pe_reader"), params={"max_events": 1, "timeout": 20}
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            event: dict[str, Any] = {}
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event["event"] = line[7:]
                elif line.startswith("id: "):
                    event["id"] = line[4:]
                elif line.startswith("data: "):
                    event["data"] = json.loads(line[6:])
                elif not line and "data" in event:
                    received.append(event)
                    event = {}

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.5)  # the stream starts from "now": write after it opened
    created = issued()
    listener.join(30)
    assert not listener.is_alive()
    assert len(received) == 1
    assert received[0]["event"] == "certificate-event"
    assert received[0]["data"]["event"]["certificate_id"] == created["certificate"]["id"]
    resumed = env.client.get(
        "/v1/feed/stream",
        headers=env.headers("pe_reader", **{"Last-Event-ID": received[0]["id"]}),
        params={"timeout": 0.3},
    )
    assert resumed.status_code == 200
    assert created["certificate"]["id"] not in resumed.text


def test_sse_stream_refuses_before_opening(env: Env) -> None:
    assert env.client.get("/v1/feed/stream").status_code == 401
    assert env.get("/v1/feed/stream", "pe_reader", params={"administration": "CR"}).status_code == 403
    bad = env.get("/v1/feed/stream", "pe_reader", params={"cursor": "bad"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def _all(env: Env, path: str, who: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = env.get(path, who, params=params).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page.get("more", cursor is not None):  # the feed says `more`, other lists end on null
            return items


def test_kpis_per_programme_per_month_and_units(env: Env, issued: Issue) -> None:
    cid = issued(programmes=["SANITARY"], sme=True)["certificate"]["id"]
    assert env.post("/v1/acknowledgements", "pe_writer", {"certificate_id": cid, "sequence": 1}).status_code == 201
    body = env.get("/v1/administrations/CR/kpis", "cr_reader").json()
    expected = env.runtime.index.kpis("CR")
    programmes = {p["programme"]: p for p in body["programmes"]}
    sanitary = next(p for p in expected.programmes if p.programme == "SANITARY")
    assert programmes["SANITARY"]["certificates"] == sanitary.certificates >= 1
    assert programmes["SANITARY"]["sme_share"] == sanitary.sme_share
    assert programmes["SANITARY"]["acknowledgement_latency"]["count"] == sanitary.acknowledgement_latency.count >= 1
    assert body["sme_share"] == expected.sme_share
    assert [m["month"] for m in body["monthly"]] == [m.month for m in expected.monthly]
    last = body["monthly"][-1]
    assert datetime.fromisoformat(last["start"]).timestamp() == expected.monthly[-1].start
    assert last["events"]["ISSUED"] >= 1
    assert sum(m["acknowledgements"] for m in body["monthly"]) == sum(s.count for s in expected.acknowledgement_latency)
    assert body["units"]["at"] == "ISO 8601 UTC instant"
    assert "seconds" in body["units"]["programmes.acknowledgement_latency"]
    assert set(body["units"]) >= {"sme_share", "monthly.by_status", "programmes.sme_share"}
    only_last = env.get("/v1/administrations/CR/kpis", "cr_reader", params={"months": 1}).json()
    assert [m["month"] for m in only_last["monthly"]] == [last["month"]]


def test_kpis_count_the_certificates_in_force_whose_consent_is_withheld(env: Env, issued: Issue) -> None:
    def withheld() -> tuple[int, dict[str, int]]:
        body = env.get("/v1/administrations/CR/kpis", "cr_reader", params={"months": 1}).json()
        return body["consent_withheld"], {p["programme"]: p["consent_withheld"] for p in body["programmes"]}

    total, programmes = withheld()
    terms = {"roles": ["IMPORTER"], "sme": False, "valid_from": VALID_FROM, "valid_until": None, "document_hash": DOC}
    assert issued(programmes=["SANITARY"], consent=False)["certificate"]["consent"] is False
    given = [issued(programmes=["SANITARY", "FISCAL"])["certificate"]["id"] for _ in range(3)]
    for cid in given:
        amended = env.post(
            f"/v1/certificates/{cid}/amend",
            "cr_writer",
            terms | {"programmes": ["SANITARY", "FISCAL"], "consent": False},
        )
        assert amended.status_code == 201, amended.text
    back = env.post(
        f"/v1/certificates/{given[0]}/amend",
        "cr_writer",
        terms | {"programmes": ["SANITARY", "FISCAL"], "consent": True},
    )
    assert back.status_code == 201, back.text
    assert (
        env.post(f"/v1/certificates/{given[1]}/suspend", "cr_writer", {"reason": "NON_COMPLIANCE"}).status_code == 201
    )
    now_total, now_programmes = withheld()
    assert now_total == total + 2  # at_issue and given[2]
    assert now_programmes["SANITARY"] == programmes["SANITARY"] + 2
    assert now_programmes["FISCAL"] == programmes["FISCAL"] + 1
    assert now_programmes["SECURITY"] == programmes["SECURITY"]
    expected = env.runtime.index.kpis("CR", months=0)
    assert (now_total, now_programmes) == (
        expected.consent_withheld,
        {p.programme: p.consent_withheld for p in expected.programmes},
    )
    schema = env.client.get("/openapi.json").json()["components"]["schemas"]
    assert "consent" in schema["KpisOut"]["properties"]["consent_withheld"]["description"]
    assert "consent" in schema["ProgrammeKpisOut"]["properties"]["consent_withheld"]["description"]
    assert env.get("/v1/administrations/CR/kpis", "cr_reader", params={"months": 0}).status_code == 422
