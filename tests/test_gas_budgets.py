"""Gas budgets of the on-chain core, asserted as upper bounds (gas is deterministic)."""

from __future__ import annotations

import pytest

from benchmarks.gas import BUDGETS, ISSUE_ACKNOWLEDGE_BUDGET, measure_gas


@pytest.fixture(scope="module")
def measured() -> dict[str, int]:
    return measure_gas()


@pytest.mark.parametrize("key", sorted(BUDGETS))
def test_gas_within_budget(measured: dict[str, int], key: str) -> None:
    assert measured[key] <= BUDGETS[key], f"{key}: {measured[key]} gas > budget {BUDGETS[key]}"


def test_recognition_does_not_grow_with_the_issuers_mras(measured: dict[str, int]) -> None:
    # 20 MRAs of the issuer, one with the recognizer: the view reads one pair list, never all MRAs.
    assert measured["recognition_20_mras"] < 21_000 + 19_000


def test_the_first_acknowledgement_is_close_to_its_floor(measured: dict[str, int]) -> None:
    # The floor runs no check at all, yet exceeds the issue's budget: a first acknowledgement
    # cannot cost 50,000. The real one spends at most 2,500 on its checks above that floor.
    assert measured["acknowledge_floor"] > ISSUE_ACKNOWLEDGE_BUDGET
    assert 0 < measured["acknowledge"] - measured["acknowledge_floor"] <= 2_500
