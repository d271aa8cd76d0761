"""The retry policy: exponential backoff with jitter, bounded attempts."""

from __future__ import annotations

import pytest

from ledger_client.webhooks.policy import RetryPolicy, succeeded


def test_delays_double_up_to_the_cap_and_jitter_stays_within_half_to_full() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=1.0, max_seconds=10.0)
    assert [policy.nominal_delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.delay(3, rand=lambda: 0.0) == 2.0
    assert policy.delay(3, rand=lambda: 1.0) == 4.0


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=1.0, max_seconds=5.0)
    assert policy.next_attempt_at(1, 100.0, rand=lambda: 0.5) == pytest.approx(100.75)
    assert policy.next_attempt_at(2, 100.0) is not None
    assert policy.next_attempt_at(3, 100.0) is None


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(base_seconds=10.0, max_seconds=1.0)


@pytest.mark.parametrize(
    ("code", "ok"), [(200, True), (204, True), (299, True), (301, False), (500, False), (None, False)]
)
def test_only_2xx_acknowledges(code: int | None, ok: bool) -> None:
    assert succeeded(code) is ok
