"""Request ids and the structured access log: ``X-Request-ID`` kept or made, echoed, and carried by
every log line of the request; one access record per request, never a query string or a token."""

from __future__ import annotations

import json
import logging
import re

import pytest

from api.access import REQUEST_ID
from api.logs import RequestIdFilter, logging_config
from tests.api.conftest import Env


def _formatter(kind: str) -> logging.Formatter:
    config = logging_config(kind, "info")["formatters"]["gateway"]
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        options = {k: v for k, v in config.items() if k != "()"}
        return JsonFormatter(**options)
    return logging.Formatter(config["format"])


def test_a_well_formed_request_id_is_kept_and_echoed(env: Env) -> None:
    response = env.client.get(
        "/v1/administrations", headers=env.headers("cr_reader", **{"X-Request-ID": "sigad-7f3a:01"})
    )
    assert response.headers["X-Request-ID"] == "sigad-7f3a:01"


@pytest.mark.parametrize("given", [None, "", "x" * 129, "id with spaces", "a/b<script>"])
def test_a_missing_or_malformed_request_id_is_replaced(env: Env, given: str | None) -> None:
    headers = env.headers("cr_reader")
    if given is not None:
        headers["X-Request-ID"] = given
    first = env.client.get("/v1/administrations", headers=headers).headers["X-Request-ID"]
    second = env.client.get("/v1/administrations", headers=headers).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_errors_and_unauthenticated_answers_carry_the_request_id(env: Env) -> None:
    response = env.client.get("/v1/certificates", headers={"X-Request-ID": "no-token-1"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "no-token-1"
    assert response.headers["content-type"] == "application/problem+json"


def test_one_access_record_per_request_without_query_or_token(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    token = env.tokens["cr_reader"]
    with caplog.at_level(logging.INFO, logger="aeo_ledger.access"):
        env.client.get(
            "/v1/certificates",
            headers={**env.headers("cr_reader"), "X-Request-ID": "access-1"},
            params={"issuer": "CR", "access_token": token},
        )
    mine = [r for r in caplog.records if r.name == "aeo_ledger.access" and r.__dict__.get("request_id") == "access-1"]
    assert len(mine) == 1, caplog.records
    record = mine[0]
    fields = record.__dict__
    assert (fields["method"], fields["path"], fields["route"], fields["status"]) == (
        "GET",
        "/v1/certificates",
        "/v1/certificates",
        200,
    )
    assert fields["principal"] == f"reader token {env.token_ids['cr_reader']} of CR"
    assert fields["duration_ms"] >= 0
    RequestIdFilter().filter(record)
    line = _formatter("json").format(record)
    assert token not in line
    assert "issuer" not in line
    document = json.loads(line)
    assert document["request_id"] == "access-1"
    assert document["level"] == "INFO"
    assert document["logger"] == "aeo_ledger.access"
    assert document["status"] == 200
    assert document["route"] == "/v1/certificates"
    assert document["time"].endswith("+00:00")


def test_every_line_written_during_a_request_carries_its_id() -> None:
    record = logging.LogRecord("api.errors", logging.WARNING, __file__, 1, "failed: %s", ("boom",), None)
    token = REQUEST_ID.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    assert json.loads(_formatter("json").format(record))["request_id"] == "req-42"
    assert "[req-42] failed: boom" in _formatter("text").format(record)
    outside = logging.LogRecord("api.runtime", logging.INFO, __file__, 1, "index at block 3", (), None)
    RequestIdFilter().filter(outside)
    assert json.loads(_formatter("json").format(outside))["request_id"] is None
