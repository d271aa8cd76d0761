"""Liveness, readiness, OpenAPI and the docs page."""

from __future__ import annotations

from tests.api.conftest import Env


def test_health_needs_no_token(env: Env) -> None:
    response = env.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_chain_and_index(env: Env) -> None:
    response = env.client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["index_block"] <= body["chain_block"]


#: POSTs that change nothing (a verification anyone may ask, without a token): no Idempotency-Key.
READ_ONLY_POSTS = frozenset({"/v1/credentials/verify"})


def test_openapi_is_complete_with_examples(env: Env) -> None:
    spec = env.client.get("/openapi.json").json()
    posts = [(path, op) for path, item in spec["paths"].items() for method, op in item.items() if method == "post"]
    assert len(posts) >= 15
    for path, op in posts:
        names = [p["name"] for p in op.get("parameters", [])]
        if path not in READ_ONLY_POSTS:
            assert "Idempotency-Key" in names, path
        assert op.get("summary"), path
        assert op.get("description"), path
    schemas = spec["components"]["schemas"]
    assert "examples" in schemas["IssueCertificateRequest"]
    assert "Problem" in schemas


def test_docs_page(env: Env) -> None:
    response = env.client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
