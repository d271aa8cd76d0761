"""Gas budgets of the on-chain core, asserted as upper bounds (gas is deterministic)."""

from __future__ import annotations

import pytest

from benchmarks.gas import BUDGETS, measure_gas


@pytest.fixture(scope="module")
def measured() -> dict[str, int]:
    return measure_gas()


@pytest.mark.parametrize("key", sorted(BUDGETS))
def test_gas_within_budget(measured: dict[str, int], key: str) -> None:
    assert measured[key] <= BUDGETS[key], f"{key}: {measured[key]} gas > budget {BUDGETS[key]}"


def test_recognition_does_not_grow_with_the_issuers_mras(measured: dict[str, int]) -> None:
    # 20 MRAs of the issuer, one with the recognizer: the view reads one pair list, never all MRAs.
    assert measured["recognition_20_mras"] < 21_000 + 19_000
