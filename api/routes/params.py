"""Path and query parameters shared by several routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from ledger_client import validation

HEX32_PATTERN = r"^0x[0-9a-fA-F]{64}$"
EXAMPLE_ID = "0x43527d7c1f9b5cfd4f1e6a2f0a4e0b3c9d5e6f708192a3b4c5d6e7f8091a2b3c"

CertificateIdPath = Annotated[
    str,
    Path(
        pattern=HEX32_PATTERN,
        description="certificate id (0x + 64 hex digits; its first two bytes are the issuer code)",
        examples=[EXAMPLE_ID],
    ),
]
CodePath = Annotated[str, Path(pattern=r"^[A-Z]{2}$", description="administration code", examples=["CR"])]
#: MRA ids are uint64 on-chain and sequential from 1; the read model stores them as SQLite
#: integers (signed 64-bit), far beyond any id the chain will reach.
MraIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="MRA id", examples=[1])]
CursorQuery = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="page size")]


def parse_certificate_id(value: str) -> bytes:
    """A validated certificate id (422 problem when its first two bytes are not a code)."""
    return validation.certificate_id(value)
