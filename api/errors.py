"""Every error becomes an RFC 9457 problem+json response; each error category is mapped once, here.

=====================================  ======  =====================
error                                  status  problem type slug
=====================================  ======  =====================
ChainResetError                         503     chain-reset
ChainUnavailableError (LogSourceError)  503     chain-unavailable
TransactionTimeoutError                 503     transaction-timeout
IndexTimeoutError                       503     index-behind
SignerUnavailableError                  503     signer-unavailable
TransactionRejectedError                503     transaction-rejected
AuditError                              503     audit-unavailable
NotFoundError                           404     not-found
ExchangeRefusedError                    403     exchange-refused (+ ``reason``)
AccessDeniedError                       403     forbidden
ConflictError                           409     conflict
ReadOnlyDeploymentError                 409     read-only-deployment
LedgerValueError                        422     invalid-input
TransactionFailedError                  500     transaction-failed
GasLimitExceededError (permanent)       500     transaction-failed
other LedgerError / Exception           500     internal-error
=====================================  ======  =====================

Contract reverts add ``error`` (the Solidity error name) and ``inputs`` (decoded arguments).

Not an error: a write whose transaction was handed to the node but not confirmed in time (a
:class:`TransactionTimeoutError` that carries its hash, or :class:`WriteAccepted` when it landed
but the index has not caught up) answers ``202 Accepted`` with the hash and the URL of its
outcome (``Location: /v1/transactions/{hash}``). Answering 503 there would tell the caller the
write failed while it may still land.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import Enum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from api.schemas.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from api.schemas.transactions import WriteAccepted as WriteAcceptedOut
from api.schemas.transactions import outcome_url
from api.signers import SignerUnavailableError
from ledger_client.errors import (
    AccessDeniedError,
    AuditError,
    ChainResetError,
    ChainUnavailableError,
    ConflictError,
    ContractRevert,
    IndexTimeoutError,
    LedgerError,
    LedgerValueError,
    NotFoundError,
    ReadOnlyDeploymentError,
    TransactionFailedError,
    TransactionRejectedError,
    TransactionTimeoutError,
)
from ledger_client.exchange.errors import ExchangeRefusedError

log = logging.getLogger(__name__)

#: Retry-After seconds sent with 503 problems.
RETRY_AFTER_SECONDS = 2

#: (error class, status, slug, title), most specific first: the first match wins.
ERROR_MAP: tuple[tuple[type[BaseException], int, str, str], ...] = (
    (ChainResetError, 503, "chain-reset", "Chain reset: the deployment is gone"),
    (ChainUnavailableError, 503, "chain-unavailable", "Chain unavailable"),
    (TransactionTimeoutError, 503, "transaction-timeout", "Transaction not confirmed in time"),
    (IndexTimeoutError, 503, "index-behind", "Index behind the chain"),
    (SignerUnavailableError, 503, "signer-unavailable", "Signer unavailable"),
    (TransactionRejectedError, 503, "transaction-rejected", "Transaction rejected by the node"),
    (AuditError, 503, "audit-unavailable", "Audit could not run"),
    (NotFoundError, 404, "not-found", "Not found"),
    (ExchangeRefusedError, 403, "exchange-refused", "Envelope request refused"),
    (AccessDeniedError, 403, "forbidden", "Forbidden"),
    (ConflictError, 409, "conflict", "Conflict"),
    (ReadOnlyDeploymentError, 409, "read-only-deployment", "Deployment of an earlier version: read-only"),
    (LedgerValueError, 422, "invalid-input", "Invalid input"),
    (TransactionFailedError, 500, "transaction-failed", "Transaction failed"),
)

_HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    503: ("service-unavailable", "Service unavailable"),
}


class WriteAccepted(Exception):
    """A write's transaction landed (or was handed to the node) but cannot be confirmed yet: 202.

    Args:
        tx_hash: the transaction.
        state: ``pending`` (not mined yet) or ``landed`` (mined; the index has not caught up).
        detail: what happened.
    """

    def __init__(self, tx_hash: bytes, state: str, detail: str) -> None:
        super().__init__(detail)
        self.tx_hash = tx_hash
        self.state = state
        self.detail = detail


class ProblemError(Exception):
    """An error raised by the API itself (authentication, authorisation, idempotency …).

    Args:
        status: the HTTP status.
        slug: the problem type's last segment (``unauthorized``, ``forbidden`` …).
        title: a short, fixed summary of the problem type.
        detail: what happened in this occurrence, and what to do.
        headers: extra response headers (``WWW-Authenticate`` …).
        extensions: extra members of the problem document.
    """

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response for ``request``."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extensions.items() if v is not None})
    all_headers = dict(headers or {})
    if status == 503:
        all_headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return JSONResponse(body, status_code=status, headers=all_headers, media_type=PROBLEM_MEDIA_TYPE)


def classify(exc: BaseException) -> tuple[int, str, str]:
    """``(status, slug, title)`` of an exception (the one mapping of error categories)."""
    for cls, status, slug, title in ERROR_MAP:
        if isinstance(exc, cls):
            return status, slug, title
    return 500, "internal-error", "Internal error"


def jsonable(value: Any) -> Any:
    """A JSON-safe rendering of revert inputs (bytes as 0x-hex, enums by name)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


async def _ledger_error(request: Request, exc: Exception) -> JSONResponse:
    status, slug, title = classify(exc)
    if status >= 500:
        log.warning("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    inputs = jsonable(exc.inputs) if isinstance(exc, ContractRevert) else None
    name = exc.name if isinstance(exc, ContractRevert) else type(exc).__name__
    reason = exc.reason if isinstance(exc, ExchangeRefusedError) else None
    return problem_response(request, status, slug, title, str(exc), error=name, inputs=inputs, reason=reason)


def accepted_response(tx_hash: bytes, state: str, detail: str) -> JSONResponse:
    """``202 Accepted`` with the transaction hash and where to read its outcome."""
    tx_hex = "0x" + tx_hash.hex()
    body = WriteAcceptedOut(state=state, tx_hash=tx_hex, outcome_url=outcome_url(tx_hex), detail=detail)  # type: ignore[arg-type]
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": body.outcome_url})


async def _write_accepted(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WriteAccepted)
    return accepted_response(exc.tx_hash, exc.state, exc.detail)


async def _transaction_timeout(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TransactionTimeoutError)
    if exc.tx_hash is None:
        return await _ledger_error(request, exc)
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return accepted_response(exc.tx_hash, "pending", str(exc))


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers, **exc.extensions)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
    return problem_response(
        request,
        422,
        "invalid-input",
        "Invalid input",
        f"the request is invalid: {summary}",
        error="RequestValidationError",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(request, exc.status_code, slug, title, detail, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at the request's path (Starlette's own ``Allow``
    names only the first route that matched the path, e.g. GET of a path that also has POST)."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "__none__"}
    for route in request.app.routes:
        match, _ = route.matches(scope)
        if match is Match.PARTIAL and isinstance(route, BaseRoute):
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        500,
        "internal-error",
        "Internal error",
        "an unexpected error occurred; it has been logged",
        error=type(exc).__name__,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(WriteAccepted, _write_accepted)
    app.add_exception_handler(TransactionTimeoutError, _transaction_timeout)
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
