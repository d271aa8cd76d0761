"""The access log (pure ASGI middleware, outermost): a request id, one structured line per request,
and the agency-read log.

- **Request id**: an ``X-Request-ID`` header the client sent (1..128 characters of
  ``A-Z a-z 0-9 . _ : -``) is kept, any other value or none is replaced by a new one; it is echoed
  in the response's ``X-Request-ID``, put in ``request.state.request_id`` and in
  :data:`REQUEST_ID` (a context variable every log line of the request carries, see
  :mod:`api.logs`).
- **Access log**: logger ``aeo_ledger.access``, one record per answered request with ``method``,
  ``path`` (never the query string: a client that wrongly puts a token in the URL must not get it
  written to the log), ``route`` (the path template), ``status``, ``duration_ms``, ``client`` and
  ``principal`` (``"writer token 3 of CR"``; never the secret). Off with ``access_log=false``.
- **Agency reads**: a request made with an ``agency`` token is recorded in its administration's
  :class:`~api.agency_reads.AgencyReadLog` once answered.
- **Metrics**: every request is counted by :class:`~api.metrics.GatewayMetrics` (when installed),
  and each open Server-Sent Events stream (a ``text/event-stream`` answer) in ``aeo_ledger_sse_clients``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.agency_reads import AgencyRequest
from api.auth import Principal

REQUEST_ID_HEADER = "X-Request-ID"
#: The id of the request being served (empty outside a request).
REQUEST_ID: ContextVar[str] = ContextVar("aeo_ledger_request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("aeo_ledger.access")
log = logging.getLogger(__name__)


def request_id_of(headers: Headers) -> str:
    """The client's ``X-Request-ID`` when it is well-formed, else a new random id."""
    given = headers.get(REQUEST_ID_HEADER)
    if given is not None and _VALID_ID.match(given):
        return given
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The matched route's path template (``/v1/certificates/{certificate_id}``), or ``unmatched``."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else "unmatched"


class AccessMiddleware:
    """Request id, access log, agency-read log and request metrics (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(Headers(scope=scope))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        metrics = getattr(scope["app"].state, "metrics", None)
        streaming = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                if metrics is not None and headers.get("content-type", "").startswith("text/event-stream"):
                    streaming = True
                    metrics.sse_clients.inc()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if streaming and metrics is not None:
                metrics.sse_clients.dec()
            try:
                await self._answered(scope, request_id, status, time.perf_counter() - started)
            finally:
                REQUEST_ID.reset(token)

    async def _answered(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        app_state = scope["app"].state
        principal = scope.get("state", {}).get("principal")
        principal = principal if isinstance(principal, Principal) else None
        route = route_of(scope)
        metrics = getattr(app_state, "metrics", None)
        if metrics is not None:  # api.metrics.GatewayMetrics
            metrics.observe_request(scope["method"], route, status, seconds)
        runtime = getattr(app_state, "runtime", None)
        if principal is not None and principal.reads_are_logged and runtime is not None:
            assert principal.administration is not None
            try:
                request = AgencyRequest(
                    principal.administration,
                    principal.token_id,
                    principal.label,
                    scope["method"],
                    scope["path"],
                    scope.get("query_string", b"").decode("latin-1"),
                    status,
                    request_id,
                )
                await run_in_threadpool(runtime.agency_reads.record, request)
            except Exception:  # the answer was sent; a full disk must not turn it into an error
                log.exception("could not record the agency read %s %s", scope["method"], scope["path"])
        settings = getattr(runtime, "settings", None)
        if settings is None or settings.access_log:
            client = scope.get("client")
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": f"{client[0]}:{client[1]}" if client else None,
                    "principal": principal.describe() if principal is not None else None,
                },
            )
