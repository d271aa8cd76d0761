"""RFC 8785 (JSON Canonicalization Scheme) serialisation, fast for the documents this project hashes.

Certificate and agreement documents hold only strings, integers, booleans, null, arrays and
objects with ASCII keys. For such values (integers within 2^53 - 1) RFC 8785 output equals
``json.dumps`` with sorted keys, no whitespace and no ASCII escaping: ASCII keys sort the same
by UTF-16 code unit and by code point, integers print the same, and both escape exactly the
quote, the backslash and the control characters (b, f, n, r, t short, the rest as lower-case
u00xx). Anything else (floats, non-ASCII keys) goes through the reference implementation, the
``rfc8785`` package; tests/client/test_canonical.py checks that the two agree.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

#: RFC 8785 numbers are IEEE 754 doubles: integers beyond 2^53 - 1 are refused (by the reference path).
_SAFE_INTEGER = 2**53 - 1


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical JSON of ``value`` as UTF-8 bytes."""
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return bytes(rfc8785.dumps(value))


def _plain(value: Any) -> bool:
    """True when ``value`` holds no float and only ASCII object keys (where json.dumps is RFC 8785).

    Exact type checks (not isinstance): subclasses such as enums take the reference path.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INTEGER <= value <= _SAFE_INTEGER)
    if kind is list:
        return all(map(_plain, value))
    if kind is dict:
        return all(type(key) is str and key.isascii() and _plain(item) for key, item in value.items())
    return False
