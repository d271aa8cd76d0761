"""A reference webhook receiver: what a national system does with the gateway's POSTs.

It verifies each request's signature (401 when it does not verify), answers 2xx, and processes each
``webhook-id`` once: deliveries are at-least-once, so a retry of an event it already accepted is
answered 200 again and ignored. Useful to try an integration locally, and used by the tests and the
webhook benchmark::

    with Receiver([secret]) as receiver:        # http://127.0.0.1:<free port>/
        ... register receiver.url ...
        receiver.wait_for({"ce_…_2"}, timeout=10)
        receiver.accepted["ce_…_2"].body

``behaviour(n, request) -> (status, delay_seconds)`` scripts failures for drills (the n-th request,
1-based): ``(500, 0)`` fails, ``(200, 30)`` answers after 30 s (the gateway times out first).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ledger_client.webhooks.errors import WebhookVerificationError
from ledger_client.webhooks.signing import verify

MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    number: int
    id: str
    timestamp: str
    signature: str
    body: bytes
    verified: bool
    arrived: float  # time.monotonic()

    def json(self) -> Any:
        """The parsed body."""
        return json.loads(self.body)

    def signed_headers(self) -> dict[str, str]:
        """The three Standard Webhooks headers as they arrived (to verify again)."""
        return {"webhook-id": self.id, "webhook-timestamp": self.timestamp, "webhook-signature": self.signature}


Behaviour = Callable[[int, Received], tuple[int, float]]


def always_ok(_number: int, _request: Received) -> tuple[int, float]:
    """Answer 204 at once."""
    return 204, 0.0


class Receiver:
    """A threaded HTTP server on ``host`` (loopback by default) and a free port."""

    def __init__(
        self, secrets: Sequence[str], *, host: str = "127.0.0.1", port: int = 0, behaviour: Behaviour = always_ok
    ) -> None:
        self.secrets = list(secrets)
        self.behaviour = behaviour
        self.requests: list[Received] = []
        self.accepted: dict[str, Received] = {}
        self.duplicates: list[Received] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        """Where to POST."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def start(self) -> Receiver:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5.0)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(self, ids: set[str], timeout: float) -> bool:
        """Wait until every id in ``ids`` was accepted (bounded by ``timeout`` seconds)."""
        with self._changed:
            return self._changed.wait_for(lambda: ids <= self.accepted.keys(), timeout)

    def wait_requests(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` requests arrived (bounded by ``timeout`` seconds)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.requests) >= count, timeout)

    def _arrive(self, headers: dict[str, str], body: bytes) -> tuple[int, float, Received]:
        try:
            verify(body, headers, self.secrets)
            verified = True
        except WebhookVerificationError:
            verified = False
        with self._changed:
            request = Received(
                len(self.requests) + 1,
                headers.get("webhook-id", ""),
                headers.get("webhook-timestamp", ""),
                headers.get("webhook-signature", ""),
                body,
                verified,
                time.monotonic(),
            )
            self.requests.append(request)
            self._changed.notify_all()
        status, delay = self.behaviour(request.number, request) if verified else (401, 0.0)
        return status, delay, request

    def _accept(self, request: Received) -> None:
        with self._changed:
            if request.id in self.accepted:
                self.duplicates.append(request)
            else:
                self.accepted[request.id] = request
            self._changed.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, delay, request = receiver._arrive(headers, body)
                if delay > 0:
                    time.sleep(delay)
                with contextlib.suppress(OSError):  # the sender gave up waiting (timeout)
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    if 200 <= status < 300:
                        receiver._accept(request)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
