"""Rate limits of the public (token-less) operations, per client address: the ``limits`` package's
moving window in this process's memory. A refused request is a 429 problem with ``Retry-After``."""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.errors import ProblemError


class RateLimit:
    """``rate`` (``"30/minute"``) per client address for the operation ``name``."""

    def __init__(self, name: str, rate: str) -> None:
        self._name = name
        self._item = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, request: Request) -> None:
        """Count this request; :class:`ProblemError` 429 when the client is over its limit."""
        client = request.client.host if request.client is not None else "unknown"
        if self._limiter.hit(self._item, self._name, client):
            return
        reset, _remaining = self._limiter.get_window_stats(self._item, self._name, client)
        retry_after = max(1, math.ceil(reset - time.time()))
        raise ProblemError(
            429,
            "too-many-requests",
            "Too many requests",
            f"at most {self._item} {self._name} per client; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def credential_verify_limit(request: Request) -> None:
    """Dependency: count a public credential verification against the app's limit (429 when over)."""
    limit: RateLimit = request.app.state.credential_verify_limit
    limit.check(request)
