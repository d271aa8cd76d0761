"""Bad input at the HTTP API: schemathesis fuzzes every operation of the API's own OpenAPI document.

Bounded (a few derandomised examples per operation, positive and negative data) and authenticated
(a CR writer token; governance for the governance endpoints). Proves: zero 5xx responses, and every
error response is an RFC 9457 ``application/problem+json`` document with its status.
The SSE stream is excluded (an unbounded stream; tests/api covers it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from api.config import ApiSettings
from api.main import create_app
from tests.hardening.support import PROBLEM_MEDIA_TYPE, ApiEnv, api_env

MAX_EXAMPLES = 10
SQLITE_MAX_INT = 2**63 - 1
GOVERNANCE_ONLY = ("/v1/administrations", "/v1/administrations/{code}/freeze", "/v1/administrations/{code}/unfreeze")


#: Hypothesis drives every operation of the OpenAPI document (about 90 s for the module).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    """The API over an in-memory ledger, CR-PE MRA in force."""
    with api_env(tmp_path_factory.mktemp("fuzz"), ("CR", "PE")) as environment:
        yield environment


@pytest.fixture(scope="module")
def api_schema(fuzz_env: ApiEnv) -> Any:
    """The API's OpenAPI document, served by the app itself (requests go to the app in-process)."""
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_env.client.app)


def _labels() -> list[str]:
    """Every operation of the OpenAPI document (built without opening a runtime), but the SSE stream."""
    document = create_app(ApiSettings()).openapi()
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if path != "/v1/feed/stream"
    ]


def _check(case: Any, response: Any) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
    if response.status_code >= 400:
        value = response.headers.get("content-type", [""])
        value = value[0] if isinstance(value, list) else value
        assert value.startswith(PROBLEM_MEDIA_TYPE), f"{case.method} {case.formatted_path}: {value} {response.text}"
        body = response.json()
        assert body["status"] == response.status_code
        assert body["type"]
        assert body["title"]
        assert "detail" in body


@pytest.mark.parametrize("label", _labels())
def test_no_5xx_and_every_error_is_a_problem(label: str, api_schema: Any, fuzz_env: ApiEnv) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    who = "governance" if operation.method.upper() == "POST" and operation.path in GOVERNANCE_ONLY else "cr_writer"
    token = f"Bearer {fuzz_env.tokens[who]}"
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

    @given(case=st.one_of(*(operation.as_strategy(generation_mode=m) for m in modes)))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": token}
        _check(case, case.call())

    run()


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("GET", "/audit", None),
        ("POST", "/accept", None),
        ("POST", "/suspend", {"reason": "OTHER"}),
        ("POST", "/resume", None),
        ("POST", "/terminate", {"reason": "OTHER"}),
    ],
)
def test_an_mra_id_beyond_sqlite_integers_is_refused_not_a_500(
    method: str, suffix: str, body: Any, fuzz_env: ApiEnv
) -> None:
    response = fuzz_env.client.request(
        method, f"/v1/mras/{SQLITE_MAX_INT + 1}{suffix}", json=body, headers=fuzz_env.headers("cr_writer")
    )
    assert response.status_code in (404, 422), response.text
