"""The retry policy of webhook deliveries: exponential backoff with jitter, a bounded number of attempts.

After failed attempt *n* (1-based) the next one waits a random time in ``[d/2, d]`` with
``d = min(max_seconds, base_seconds * 2**(n-1))`` ("equal jitter": retries of many deliveries
spread out, and none comes back sooner than half the nominal delay). After ``max_attempts``
failures the delivery is *failed*; it stays in the outbox and can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff and attempt bound of deliveries."""

    max_attempts: int = 8
    base_seconds: float = 2.0
    max_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_seconds <= 0 or self.max_seconds < self.base_seconds:
            raise ValueError(f"invalid retry policy {self}")

    def nominal_delay(self, failures: int) -> float:
        """The upper bound of the wait after ``failures`` failed attempts (>= 1)."""
        return float(min(self.max_seconds, self.base_seconds * 2 ** max(0, failures - 1)))

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """The wait before the next attempt after ``failures`` failed attempts."""
        nominal = self.nominal_delay(failures)
        return nominal / 2 + rand() * nominal / 2

    def next_attempt_at(self, failures: int, now: float, rand: Callable[[], float] = random.random) -> float | None:
        """When to try again after ``failures`` failures, or ``None`` when the attempts are spent."""
        if failures >= self.max_attempts:
            return None
        return now + self.delay(failures, rand)


def succeeded(status_code: int | None) -> bool:
    """Whether an HTTP answer acknowledges the delivery (any 2xx, per Standard Webhooks)."""
    return status_code is not None and 200 <= status_code < 300
