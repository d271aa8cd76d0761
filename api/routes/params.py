"""Path and query parameters shared by several routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.schemas.common import CERTIFICATE_ID_PATTERN
from ledger_client import validation
from ledger_client.index.results import cursor_pattern, encode_cursor

HEX32_PATTERN = r"^0x[0-9a-fA-F]{64}$"
EXAMPLE_ID = "0x43527d7c1f9b5cfd4f1e6a2f0a4e0b3c9d5e6f708192a3b4c5d6e7f8091a2b3c"

CertificateIdPath = Annotated[
    str,
    Path(
        pattern=CERTIFICATE_ID_PATTERN,
        description="certificate id (0x + 64 hex digits; its first two bytes are the issuer code)",
        examples=[EXAMPLE_ID],
    ),
]
CodePath = Annotated[str, Path(pattern=r"^[A-Z]{2}$", description="administration code", examples=["CR"])]
#: MRA ids are uint64 on-chain and sequential from 1; the read model stores them as SQLite
#: integers (signed 64-bit), far beyond any id the chain will reach.
SQLITE_MAX_INTEGER = 2**63 - 1
MraIdPath = Annotated[int, Path(ge=1, le=SQLITE_MAX_INTEGER, description="MRA id", examples=[1])]
#: A row id to resume after (local SQLite rows: signed 64-bit).
AfterRowQuery = Annotated[
    int,
    Query(ge=0, le=SQLITE_MAX_INTEGER, description="`next_after` of the previous page (0: from the start)"),
]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="page size")]

EXAMPLE_CURSOR_VALUES: dict[str, int | str] = {
    "feed": 41,
    "inbox": 41,
    "history": 2,
    "certificates": EXAMPLE_ID[2:],
    "deliveries": 7,
}


def cursor_param(kind: str) -> Any:
    """The ``cursor`` query parameter of a ``kind`` query: its pattern states every cursor it accepts."""
    return Query(
        pattern=cursor_pattern(kind),
        max_length=80,
        description="`next_cursor` of the previous page of this query",
        examples=[encode_cursor(kind, EXAMPLE_CURSOR_VALUES[kind])],
    )


CertificatesCursor = Annotated[str | None, cursor_param("certificates")]
HistoryCursor = Annotated[str | None, cursor_param("history")]
FeedCursor = Annotated[str | None, cursor_param("feed")]
InboxCursor = Annotated[str | None, cursor_param("inbox")]
DeliveriesCursor = Annotated[str | None, cursor_param("deliveries")]


def parse_certificate_id(value: str) -> bytes:
    """A validated certificate id (422 problem when its first two bytes are not a code)."""
    return validation.certificate_id(value)
