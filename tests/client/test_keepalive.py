"""The kept-alive JSON-RPC transport (ledger_client.backends.keepalive): used for plain http:// nodes,
same answers and the same failures as web3's requests session, never a request sent twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests

from ledger_client.backends.keepalive import KeepAliveSession, keepalive_session
from ledger_client.backends.rpc import RpcBackend
from ledger_client.errors import ChainUnavailableError
from ledger_client.node import DurableChain, start_in_thread


class _Node(BaseHTTPRequestHandler):
    """A JSON-RPC stand-in: counts requests and connections, answers eth_blockNumber; the path
    picks a misbehaviour (``/close``: drop the connection after answering, ``/500``, ``/slow``)."""

    protocol_version = "HTTP/1.1"
    requests: ClassVar[list[str]] = []
    connections: ClassVar[set[tuple[str, int]]] = set()
    release = threading.Event()
    closed = threading.Semaphore(0)  # released once per connection the server has closed

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body["method"])
        type(self).connections.add(self.client_address)
        if self.path == "/slow":
            type(self).release.wait(5)
        status = 500 if self.path == "/500" else 200
        answer = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": "0x2a"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        if self.path == "/close":
            self.wfile.flush()
            self.close_connection = True  # as a server whose keep-alive timeout passed

    def log_message(self, format: str, *args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    """Tells the test when a connection is really closed (the server's close races the next request)."""

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        _Node.closed.release()


@pytest.fixture
def stand_in() -> Iterator[str]:
    _Node.requests, _Node.connections = [], set()
    _Node.release.clear()
    _Node.closed = threading.Semaphore(0)
    server = _Server(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Node.release.set()
    server.shutdown()
    server.server_close()


def _call(session: KeepAliveSession, url: str, timeout: float = 5.0) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []})
    with session.post(url, data=body.encode(), headers={"Content-Type": "application/json"}, timeout=timeout) as answer:
        answer.raise_for_status()
        return answer.content


def test_over_http_uses_it_and_answers_as_before(tmp_path: Path) -> None:
    chain = DurableChain(tmp_path / "data")
    server = start_in_thread(chain)
    try:
        backend = RpcBackend.over_http(server.url)
        assert isinstance(backend._session, KeepAliveSession)
        answers = []

        def read() -> None:
            answers.extend(int(backend.w3.eth.block_number) for _ in range(20))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert answers == [chain.head_number()] * 80
        assert int(backend.w3.eth.get_block("latest")["number"]) == chain.head_number()
        backend.close()
        assert int(backend.w3.eth.block_number) == chain.head_number()  # reopens after close
    finally:
        server.stop()
        chain.close()


def test_one_connection_per_thread_is_kept(stand_in: str) -> None:
    session = KeepAliveSession(stand_in)
    for _ in range(5):
        assert json.loads(_call(session, stand_in))["result"] == "0x2a"
    assert len(_Node.requests) == 5
    assert len(_Node.connections) == 1


def test_a_connection_the_server_closed_is_replaced_and_nothing_is_sent_twice(stand_in: str) -> None:
    session = KeepAliveSession(stand_in + "/close")
    for _ in range(3):
        assert json.loads(_call(session, stand_in))["result"] == "0x2a"
        # As after a server's keep-alive timeout: the connection is closed while it is idle.
        assert _Node.closed.acquire(timeout=5)
    assert len(_Node.requests) == 3  # each request once, each on a new connection
    assert len(_Node.connections) == 3


def test_failures_keep_requests_exception_types(stand_in: str, tmp_path: Path) -> None:
    with pytest.raises(requests.HTTPError, match="500 Server Error"):
        _call(KeepAliveSession(stand_in + "/500"), stand_in)
    with pytest.raises(requests.ReadTimeout):
        _call(KeepAliveSession(stand_in + "/slow"), stand_in, timeout=0.2)
    _Node.release.set()
    refused = "http://127.0.0.1:9"  # discard port: nothing listens on loopback
    with pytest.raises(requests.ConnectionError) as info:
        _call(KeepAliveSession(refused), refused)
    assert isinstance(info.value, OSError)  # what the backend's guard turns into ChainUnavailableError
    backend = RpcBackend.over_http(refused, request_timeout=2)
    with pytest.raises(ChainUnavailableError, match="cannot be reached"), backend.guard("eth_blockNumber"):
        backend.w3.eth.block_number  # noqa: B018


def test_requests_stays_where_it_does_more(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(keepalive_session("http://127.0.0.1:8545"), KeepAliveSession)
    assert keepalive_session("https://node.example:8545") is None
    assert keepalive_session("http://user:secret@127.0.0.1:8545") is None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    assert keepalive_session("http://node.example:8545") is None
    with pytest.raises(ValueError, match="plain http"):
        KeepAliveSession("https://node.example:8545")
