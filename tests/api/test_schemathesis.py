"""Schemathesis with every check against the API app: the OpenAPI document states every constraint the
server enforces (a request the document allows is accepted; one it forbids is refused), every
response is documented, and no request makes the server fail. Bounded: a few examples an operation."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable

from api.config import ApiSettings
from api.idempotency import MAX_KEY_LENGTH
from api.main import create_app
from ledger_client.ledger import Ledger
from ledger_client.validation import MAX_NAME_BYTES
from tests.api.conftest import Env, open_env

#: Examples per operation and generation mode (positive: valid by the document; negative: invalid).
EXAMPLES = 12
#: Operations that need the consortium governance token; the others run as CR's writer.
GOVERNANCE = (
    "POST /v1/administrations",
    "POST /v1/administrations/{code}/freeze",
    "POST /v1/administrations/{code}/unfreeze",
)


def _seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = re.sub(r"(T\d\d:\d\d):60", r"\1:59", str(value).upper())
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _dates_in_order(body: Any) -> bool:
    """valid_until later than valid_from: a rule between two fields, stated in the field's description
    (OpenAPI 3.1 cannot state it as a constraint); requests that break it are left out of positive cases."""
    if not isinstance(body, dict) or body.get("valid_until") is None or "valid_from" not in body:
        return True
    try:
        return _seconds(body["valid_until"]) > _seconds(body["valid_from"])
    except (TypeError, ValueError):
        return True


def _name_fits(body: Any) -> bool:
    """An administration name of at most 64 bytes of UTF-8 (the contract's limit): JSON Schema's
    maxLength counts characters, so the byte limit is stated in the field's description, and longer
    multi-byte names are left out of positive cases."""
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        return True
    return len(body["name"].encode()) <= MAX_NAME_BYTES


def _fuzzer_key_unusable(headers: dict[str, Any] | None) -> bool:
    """Whether the fuzzer sent an Idempotency-Key the server ignores (blank or too long): then it may
    be a negative case's invalid part. A usable key would be claimed, and its reuse refused (422)."""
    given = {name.lower(): value for name, value in (headers or {}).items()}
    if "idempotency-key" not in given:
        return False
    key = str(given["idempotency-key"])
    return not key.strip() or len(key) > MAX_KEY_LENGTH


def _operations() -> list[tuple[str, schemathesis.GenerationMode]]:
    """(label, mode) of every operation; negative cases only where there is an input to get wrong."""
    document = create_app(ApiSettings()).openapi()
    methods = ("get", "post", "delete", "put", "patch")
    cases = []
    for path, item in document["paths"].items():
        for method in (m for m in methods if m in item):
            label = f"{method.upper()} {path}"
            cases.append((label, schemathesis.GenerationMode.POSITIVE))
            if item[method].get("parameters") or item[method].get("requestBody"):
                cases.append((label, schemathesis.GenerationMode.NEGATIVE))
    return cases


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """An API of its own: the fuzzer freezes administrations and suspends MRAs, which the other
    tests' shared environment must not see."""
    with open_env(tmp_path_factory.mktemp("fuzzed-api"), Ledger.embedded()) as built:
        yield built


@pytest.fixture(scope="module")
def api_schema(fuzzed: Env) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)


@pytest.mark.slow
@pytest.mark.parametrize(("label", "mode"), _operations())
def test_operation_conforms_to_the_openapi_document(
    label: str, mode: schemathesis.GenerationMode, api_schema: Any, fuzzed: Env
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    token = fuzzed.tokens["governance" if label in GOVERNANCE else "cr_writer"]
    positive = mode is schemathesis.GenerationMode.POSITIVE

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        if positive:
            assume(_dates_in_order(case.body) and _name_fits(case.body))
        given_headers = {name.lower() for name in case.headers or {}}
        headers = {}
        # A valid token, unless a negative case made the Authorization header the invalid part.
        if positive or "authorization" not in given_headers:
            headers["Authorization"] = f"Bearer {token}"
        # A fresh Idempotency-Key per request (the fuzzer would reuse the documented example for
        # different bodies, which the server refuses by design), unless it is a negative case's invalid
        # part: a key the server would use (not blank, not too long) is never that part, so it is renewed too.
        if case.method == "POST" and (positive or not _fuzzer_key_unusable(case.headers)):
            headers["Idempotency-Key"] = str(uuid.uuid4())
        case.call_and_validate(headers=headers)

    try:
        check()
    except Unsatisfiable:
        if positive:
            raise
        pytest.skip(f"{label}: no input can be made invalid (only optional headers)")
