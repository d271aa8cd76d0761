"""The one vocabulary of everything shown to people: the API, the exports, the audit reports.

Bitmasks become lists of names (``["SECURITY", "FISCAL"]``), statuses and reasons their names,
instants ISO 8601 in UTC (``2026-01-31T12:00:00Z``, what the API's datetimes serialise to) and
0 = open-ended validity ``None``. The library itself keeps raw values (masks, Unix seconds);
outputs may show those beside the names, never instead of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ledger_client.models import Programme, ReasonCode, Role


def programme_names(mask: int) -> list[str]:
    """Names of the programme bits set in ``mask``, in bit order."""
    return [str(p.name) for p in Programme if int(p) & mask]


def role_names(mask: int) -> list[str]:
    """Names of the role bits set in ``mask``, in bit order."""
    return [str(r.name) for r in Role if int(r) & mask]


def reason_name(code: int) -> str:
    """The ReasonCode name of a code (its number as text when not a known code)."""
    try:
        return ReasonCode(code).name
    except ValueError:
        return str(code)


def iso_instant(timestamp: int) -> str:
    """Unix seconds as ISO 8601 UTC, to the second: ``2026-01-31T12:00:00Z``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_or_none(timestamp: int) -> str | None:
    """Like :func:`iso_instant`, with 0 (none, open-ended) as ``None``."""
    return None if timestamp == 0 else iso_instant(timestamp)
