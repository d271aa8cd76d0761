"""JSON-RPC error codes for malformed requests, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledger_client.node import Dispatcher, DurableChain


def post(url: str, body: bytes | str) -> Any:
    response = httpx.post(url, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    return response.json()


def test_invalid_json(http_url: str) -> None:
    assert post(http_url, b"{not json")["error"]["code"] == -32700


def test_invalid_request(http_url: str) -> None:
    assert post(http_url, b'{"id": 1, "method": "eth_chainId"}')["error"]["code"] == -32600
    assert post(http_url, b'"hello"')["error"]["code"] == -32600
    assert post(http_url, b"[]")["error"]["code"] == -32600


def test_unknown_method(http_url: str) -> None:
    answer = post(http_url, b'{"jsonrpc": "2.0", "id": 7, "method": "eth_nope", "params": []}')
    assert answer["id"] == 7
    assert answer["error"]["code"] == -32601


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("eth_getBalance", ["0x1234", "latest"]),
        ("eth_getBalance", [12, "latest"]),
        ("eth_getBlockByNumber", ["zzz", False]),
        ("eth_getBlockByNumber", ["0x0", "yes"]),
        ("eth_getTransactionByHash", ["0xabc"]),
        ("eth_sendRawTransaction", ["0x"]),
        ("eth_chainId", [1]),
        ("eth_getLogs", [{"topics": "x"}]),
        ("eth_call", ["not an object"]),
        ("eth_feeHistory", ["0x0", "latest"]),
    ],
)
def test_bad_params(http_url: str, method: str, params: list[Any]) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    assert httpx.post(http_url, json=body).json()["error"]["code"] == -32602


def test_batch_mixes_results_and_errors(http_url: str) -> None:
    answers = post(
        http_url,
        '[{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"},'
        ' {"jsonrpc": "2.0", "id": 2, "method": "nope"},'
        ' {"jsonrpc": "2.0", "method": "eth_chainId"},'
        " 5]",
    )
    assert answers[0] == {"jsonrpc": "2.0", "id": 1, "result": "0x7a69"}
    assert answers[1]["error"]["code"] == -32601
    assert answers[2]["error"]["code"] == -32600
    assert len(answers) == 3


def test_garbage_raw_transaction_is_an_error_not_a_crash(http_url: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0x02ffff"]}
    assert httpx.post(http_url, json=body).json()["error"]["code"] == -32000
    assert post(http_url, b'{"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber"}')["result"] == "0x0"


def test_notification_only_batch_gets_no_body(chain: DurableChain) -> None:
    assert Dispatcher(chain).handle_bytes(b'[{"jsonrpc": "2.0", "method": "eth_chainId"}]') is None
