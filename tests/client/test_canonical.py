"""The fast canonical JSON equals the RFC 8785 reference implementation."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_client.canonical import canonical_json

_leaves = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
_values = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(_values)
def test_matches_the_reference_implementation(value: Any) -> None:
    assert canonical_json(value) == bytes(rfc8785.dumps(value))


def test_floats_and_unicode_keys_take_the_reference_path() -> None:
    value = {"é": 1.5, "a": [0.1, "\u2028"], "\U0001f600": None, "\ue000": True}
    assert canonical_json(value) == bytes(rfc8785.dumps(value))


def test_control_characters_are_escaped_like_ecmascript() -> None:
    assert canonical_json({"k": 'a\x00\x1f\n\t"\\'}) == b'{"k":"a\\u0000\\u001f\\n\\t\\"\\\\"}'


def test_integers_beyond_the_double_range_are_refused_like_the_reference() -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_json({"n": 2**53})
