"""Bad input at the node's JSON-RPC server: invalid JSON, wrong types, huge payloads, unknown
methods, batches of garbage, arbitrary JSON (hypothesis). Every request gets a JSON-RPC error
response (or 413 for an oversized body, 204 for notifications only), never a 5xx or a dropped
connection, and the node keeps serving (its head and a real transaction still work afterwards).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from eth_account import Account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_client.node import DurableChain, start_in_thread

JSON_RPC_ERRORS = range(-32768, -31999)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DurableChain]]:
    """A durable node served on 127.0.0.1 (random port) from a background thread."""
    chain = DurableChain(tmp_path_factory.mktemp("rpc") / "data")
    server = start_in_thread(chain, host="127.0.0.1")
    yield server.url, chain
    server.stop()
    chain.close()


@pytest.fixture(scope="module")
def http(node: tuple[str, DurableChain]) -> Iterator[httpx.Client]:
    """One keep-alive client for the module."""
    with httpx.Client(base_url=node[0], timeout=30) as client:
        yield client


def _alive(http: httpx.Client) -> int:
    answer = http.post("/", json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}).json()
    return int(answer["result"], 16)


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON-RPC error objects of a response (single or batch); fails on a non-error answer."""
    assert response.status_code == 200, (response.status_code, response.text[:300])
    body = response.json()
    items = body if isinstance(body, list) else [body]
    for item in items:
        assert item.get("jsonrpc") == "2.0", item
        assert "error" in item, item
        assert item["error"]["code"] in JSON_RPC_ERRORS or item["error"]["code"] > 0, item
        assert isinstance(item["error"]["message"], str)
    return items


GARBAGE: list[tuple[str, bytes]] = [
    ("not json", b"{not json"),
    ("truncated", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"'),
    ("invalid utf-8", b'{"jsonrpc": "2.0", "id": 1, "method": "\xff\xfe"}'),
    ("a number", b"42"),
    ("a string", b'"eth_blockNumber"'),
    ("null", b"null"),
    ("empty batch", b"[]"),
    ("wrong version", b'{"jsonrpc": "1.0", "id": 1, "method": "eth_blockNumber", "params": []}'),
    ("method not a string", b'{"jsonrpc": "2.0", "id": 1, "method": 7, "params": []}'),
    ("params a string", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": "0x00"}'),
    ("id an object", b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "eth_blockNumber", "params": []}'),
    ("unknown method", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_mineEverything", "params": []}'),
    ("private method", b'{"jsonrpc": "2.0", "id": 1, "method": "__init__", "params": []}'),
    ("address wrong type", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [12, "latest"]}'),
    ("block wrong type", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": [{}, []]}'),
    ("raw tx not hex", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0xzz"]}'),
    ("raw tx garbage", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0xdeadbeef"]}'),
    ("call no object", b'{"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [null, "latest"]}'),
    (
        "deep nesting",
        b'{"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ),
    ("batch of garbage", b'[1, "x", null, [], {}, {"jsonrpc": "2.0"}, {"jsonrpc": "2.0", "id": 2, "method": []}]'),
]


#: well-formed requests for things that do not exist: a result (empty / null) is the right answer
ODD_BUT_VALID: list[tuple[str, bytes]] = [
    (
        "logs bad range",
        b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [{"fromBlock": "0xffffffffffffffffff"}]}',
    ),
    (
        "huge number",
        b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": ["0x' + b"f" * 200 + b'", false]}',
    ),
]


@pytest.mark.parametrize(("name", "body"), ODD_BUT_VALID, ids=[g[0] for g in ODD_BUT_VALID])
def test_out_of_range_queries_answer_without_harm(http: httpx.Client, name: str, body: bytes) -> None:
    head = _alive(http)
    response = http.post("/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    answer = response.json()
    assert answer.get("result") in ([], None) or "error" in answer, (name, answer)
    assert _alive(http) == head


@pytest.mark.parametrize(("name", "body"), GARBAGE, ids=[g[0] for g in GARBAGE])
def test_garbage_gets_an_error_and_the_node_keeps_serving(http: httpx.Client, name: str, body: bytes) -> None:
    head = _alive(http)
    response = http.post("/", content=body, headers={"Content-Type": "application/json"})
    _errors(response)
    assert _alive(http) == head, f"{name} changed the chain"


def test_an_oversized_batch_and_an_oversized_body_are_refused(http: httpx.Client) -> None:
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber", "params": []} for i in range(1_001)]
    _errors(http.post("/", json=batch))
    huge = b'{"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": ["' + b"a" * (17 * 1024 * 1024) + b'"]}'
    response = http.post("/", content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert _alive(http) >= 0


def test_a_valid_request_in_a_batch_of_garbage_is_still_answered(http: httpx.Client) -> None:
    batch: list[Any] = [1, {"jsonrpc": "2.0", "id": "ok", "method": "eth_chainId", "params": []}, "x"]
    answers = http.post("/", json=batch).json()
    assert len(answers) == 3
    good = [a for a in answers if a.get("id") == "ok"]
    assert good, answers
    assert "result" in good[0], answers


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
METHODS = [
    "eth_getBalance",
    "eth_call",
    "eth_getLogs",
    "eth_getBlockByNumber",
    "eth_sendRawTransaction",
    "eth_getTransactionReceipt",
    "eth_estimateGas",
    "eth_getCode",
    "eth_getTransactionCount",
    "evm_mine",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(METHODS) | st.text(max_size=12), params=json_values, request_id=json_values)
def test_arbitrary_params_never_break_the_node(http: httpx.Client, method: str, params: Any, request_id: Any) -> None:
    request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
    response = http.post("/", content=json.dumps(request).encode(), headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 204), response.text[:300]
    if response.status_code == 200:
        body = response.json()
        assert "error" in body or "result" in body, body


def test_after_all_that_a_real_transaction_still_lands(http: httpx.Client, node: tuple[str, DurableChain]) -> None:
    _url, chain = node
    account = chain.accounts[3]
    nonce = int(
        http.post(
            "/",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "eth_getTransactionCount",
                "params": [account.address, "pending"],
            },
        ).json()["result"],
        16,
    )
    tx = {
        "to": chain.accounts[4].address,
        "value": 1,
        "gas": 21_000,
        "nonce": nonce,
        "chainId": chain.config.chain_id,
        "maxFeePerGas": 10**11,
        "maxPriorityFeePerGas": 10**9,
    }
    raw = "0x" + Account.sign_transaction(tx, account.private_key).raw_transaction.hex()
    sent = http.post("/", json={"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]}).json()
    assert "result" in sent, sent
    receipt = http.post(
        "/", json={"jsonrpc": "2.0", "id": 2, "method": "eth_getTransactionReceipt", "params": [sent["result"]]}
    ).json()
    assert receipt["result"] is not None
    assert int(receipt["result"]["status"], 16) == 1
