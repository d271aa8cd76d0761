"""The Idempotency-Key middleware (pure ASGI: GETs pass straight through).

For a POST with an ``Idempotency-Key`` header and a valid token, the key is claimed in the
:class:`~api.idempotency.IdempotencyStore` (scoped per token) before the route runs:

- first use: the route runs; its response is stored unless it is a 5xx (those may be retried);
- same key, same method + path + body: the stored response is returned (``Idempotent-Replayed: true``);
- same key, another request: 422 problem ``idempotency-key-reused``;
- same key while the first request still runs: 409 problem ``idempotency-key-in-use``.

Requests without a valid token pass through (the route answers 401).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import authenticate
from api.errors import ProblemError, problem_response
from api.idempotency import MAX_KEY_LENGTH, IdempotencyJournal, Outcome, fingerprint
from api.runtime import Runtime
from ledger_client.transactions import journaled

REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyMiddleware:
    """Makes POSTs with an ``Idempotency-Key`` safe to retry (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        runtime: Runtime | None = getattr(scope["app"].state, "runtime", None)
        if key is None or not key.strip() or len(key) > MAX_KEY_LENGTH or runtime is None:
            await self.app(scope, receive, send)  # the route validates the header
            return
        try:
            principal = authenticate(runtime.tokens, headers.get("authorization"))
        except ProblemError:
            await self.app(scope, receive, send)  # the route answers 401
            return
        body = await _read_body(receive)
        target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
        owner = f"token:{principal.token_id}"
        store = runtime.idempotency
        claim = await run_in_threadpool(store.claim, owner, key, fingerprint("POST", target, body))
        if claim.outcome is Outcome.REPLAY:
            assert claim.status_code is not None
            assert claim.body is not None
            replay = Response(
                claim.body,
                status_code=claim.status_code,
                media_type=claim.content_type,
                headers={REPLAYED_HEADER: "true"},
            )
            await replay(scope, receive, send)
            return
        if claim.outcome is not Outcome.PROCEED:
            await _refusal(claim.outcome, key, scope)(scope, receive, send)
            return
        recorder = _Recorder(send)
        journal = await run_in_threadpool(IdempotencyJournal, store, owner, key)
        try:
            with journaled(journal):  # a retry re-sends what this request signed: each write lands once
                await self.app(scope, _replaying(body, receive), recorder.send)
        except BaseException:
            await run_in_threadpool(store.release, owner, key)
            raise
        if recorder.status is None or recorder.status >= 500:
            await run_in_threadpool(store.release, owner, key)
        else:
            await run_in_threadpool(
                store.complete, owner, key, recorder.status, recorder.content_type, bytes(recorder.body)
            )


def _refusal(outcome: Outcome, key: str, scope: Scope) -> Response:
    request = Request(scope)
    if outcome is Outcome.MISMATCH:
        return problem_response(
            request,
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            f"Idempotency-Key {key!r} was used with another request; use a new key for a new request",
        )
    return problem_response(
        request,
        409,
        "idempotency-key-in-use",
        "Idempotency-Key in use",
        f"a request with Idempotency-Key {key!r} is still running; retry shortly",
        headers={"Retry-After": "1"},
    )


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Recorder:
    """Forwards the response while keeping its status, content type and body."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None
        self.content_type = "application/json"
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))
        await self._send(message)
