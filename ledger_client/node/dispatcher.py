"""The one JSON-RPC dispatcher behind both the HTTP server and the in-process provider."""

from __future__ import annotations

import json
import logging
from typing import Any

from ledger_client.node.durable import DurableChain
from ledger_client.node.errors import NodeClosedError, NodeError
from ledger_client.node.methods import METHODS, Method
from ledger_client.node.protocol import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    SERVER_ERROR,
    RpcError,
)

logger = logging.getLogger(__name__)

MAX_BATCH = 1_000


def _response(request_id: Any, *, result: Any = None, error: RpcError | None = None) -> dict[str, Any]:
    if error is not None:
        return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


class Dispatcher:
    """Turns JSON-RPC requests (bytes or decoded JSON) into responses; never raises."""

    def __init__(self, chain: DurableChain, methods: dict[str, Method] | None = None) -> None:
        self.chain = chain
        self.methods = METHODS if methods is None else methods

    def handle_bytes(self, body: bytes) -> bytes | None:
        """Answer a raw request body; None when it held only notifications."""
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            error = RpcError(PARSE_ERROR, f"parse error: {exc}")
            return json.dumps(_response(None, error=error)).encode()
        response = self.handle(payload)
        return None if response is None else json.dumps(response).encode()

    def handle(self, payload: Any) -> Any:
        """Answer a decoded single request or batch (None: nothing to answer)."""
        if isinstance(payload, list):
            if not payload:
                return _response(None, error=RpcError(INVALID_REQUEST, "empty batch"))
            if len(payload) > MAX_BATCH:
                error = RpcError(INVALID_REQUEST, f"batch larger than {MAX_BATCH}")
                return _response(None, error=error)
            answers = [self.handle_one(item) for item in payload]
            responses = [answer for answer in answers if answer is not None]
            return responses or None
        return self.handle_one(payload)

    def handle_one(self, request: Any) -> dict[str, Any] | None:
        """Answer one request object (None for a valid notification)."""
        if not isinstance(request, dict):
            return _response(None, error=RpcError(INVALID_REQUEST, "request must be an object"))
        request_id = request.get("id")
        if request_id is not None and not isinstance(request_id, str | int | float):
            return _response(None, error=RpcError(INVALID_REQUEST, "invalid id"))
        method = request.get("method")
        if request.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return _response(request_id, error=RpcError(INVALID_REQUEST, "invalid JSON-RPC 2.0 request"))
        params = request.get("params")
        if params is not None and not isinstance(params, list | dict):
            return _response(request_id, error=RpcError(INVALID_REQUEST, "invalid params"))
        is_notification = "id" not in request
        response = self._call(method, params, request_id)
        return None if is_notification else response

    def _call(self, method: str, params: Any, request_id: Any) -> dict[str, Any]:
        handler = self.methods.get(method)
        if handler is None:
            error = RpcError(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available")
            return _response(request_id, error=error)
        try:
            return _response(request_id, result=handler(self.chain, params))
        except RpcError as exc:
            return _response(request_id, error=exc)
        except NodeClosedError as exc:
            return _response(request_id, error=RpcError(SERVER_ERROR, str(exc)))
        except NodeError as exc:
            return _response(request_id, error=RpcError(SERVER_ERROR, str(exc)))
        except Exception as exc:
            logger.exception("internal error in %s", method)
            error = RpcError(INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}")
            return _response(request_id, error=error)
