"""The OpenAPI document, completed with what every route shares: its error responses.

Every error the server sends is ``application/problem+json`` (RFC 9457, :class:`Problem`), so each
documented error response names that media type and schema only (FastAPI would document its own
``application/json`` validation error); every operation with a request body also documents
``400`` (a body that is not JSON) and ``422`` (invalid input), and every operation with parameters
``422``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.schemas.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document (FastAPI's, completed once and cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every error response as problem+json, and 400/422 where they can happen."""
    for item in document.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _complete_operation(operation)
    schemas = document.get("components", {}).get("schemas", {})
    if "Problem" in schemas:
        text = repr(document.get("paths", {})) + repr(document.get("webhooks", {}))
        for unused in ("HTTPValidationError", "ValidationError"):
            if f"#/components/schemas/{unused}'" not in text:
                schemas.pop(unused, None)
    return document


def _complete_operation(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        _not_null(parameter)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "requestBody" in operation:
        responses.setdefault("400", {"description": "The body is not well-formed JSON"})
    if "requestBody" in operation or operation.get("parameters"):
        responses.setdefault("422", {"description": "Invalid input"})
    for status, response in responses.items():
        if status[:1] in {"4", "5"}:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}


def _not_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is absent, never ``null``: FastAPI documents ``str | None`` as
    ``anyOf [string, null]``, which a client (or a fuzzer) would send as the text ``null``."""
    schema = parameter.get("schema", {})
    choices = schema.get("anyOf")
    if isinstance(choices, list):
        kept = [choice for choice in choices if choice != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(choices):
            del schema["anyOf"]
            schema.update({**kept[0], **schema})
