"""RFC 9457 problem details: the body of every error response."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:aeo-ledger:problem:"


class FieldError(BaseModel):
    """One request validation error."""

    loc: list[str | int] = Field(description="where: ('body', 'programmes', 0), ('query', 'at') …")
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:aeo-ledger:problem:conflict",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "CertificateNotActive(id=0x4352…, status=REVOKED): The certificate must be Active",
                    "instance": "/v1/certificates/0x4352…/suspend",
                    "error": "CertificateNotActive",
                    "inputs": {"id": "0x4352…", "status": "REVOKED"},
                }
            ]
        },
    )

    type: str = Field(description="problem type URI (urn:aeo-ledger:problem:<slug>)")
    title: str
    status: int
    detail: str
    instance: str = Field(description="the request path")
    error: str | None = Field(default=None, description="the typed error's name (contract error name for reverts)")
    inputs: dict[str, Any] | None = Field(default=None, description="decoded arguments of a contract revert")
    errors: list[FieldError] | None = Field(default=None, description="request validation errors")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem+json for ``statuses``."""
    descriptions = {
        401: "Missing or invalid bearer token",
        403: "The token's role or administration may not do this",
        404: "Unknown administration, certificate or MRA",
        409: "The current state forbids this (or the Idempotency-Key is in use)",
        422: "Invalid input (or an Idempotency-Key reused with another body)",
        429: "Too many requests from this client address; retry after the Retry-After seconds",
        503: "The chain or the index is unavailable, or the chain lost the deployment (chain-reset); retry later",
    }
    return {
        s: {"model": Problem, "description": descriptions.get(s, "Problem"), "content": {PROBLEM_MEDIA_TYPE: {}}}
        for s in statuses
    }
