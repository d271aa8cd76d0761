"""MRA requests and responses."""

from __future__ import annotations

import time
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import (
    Code,
    DocumentHash,
    Hex32,
    MraStatusName,
    ProgrammeName,
    RequiredReason,
    RoleName,
    Transaction,
    hex0x,
    mra_status,
    programme_names,
    role_names,
    utc,
)
from ledger_client.index import IndexedMra
from ledger_client.models import MraStatus


class ProposeMraRequest(BaseModel):
    """An MRA among two or more administrations, proposed by one of them."""

    model_config = ConfigDict(
        regex_engine="python-re",
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "parties": ["CR", "PE"],
                    "programmes": ["SECURITY"],
                    "roles": ["IMPORTER", "EXPORTER", "CARRIER"],
                    "effective_from": "2025-07-01T00:00:00Z",
                    "document_hash": "0x9c2e4d6f8a0b1c3d5e7f9a1b2c3d4e5f60718293a4b5c6d7e8f9011223344556",
                }
            ]
        },
    )

    parties: list[Code] = Field(min_length=2, max_length=16, description="every party, the proposer included")
    programmes: list[ProgrammeName] = Field(min_length=1)
    roles: list[RoleName] = Field(min_length=1)
    effective_from: datetime = Field(description="in force from this moment once every party accepted")
    document_hash: DocumentHash = Field(description="keccak-256 of the agreement text")


class MraReasonRequest(BaseModel):
    """The reason of a suspension or termination."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "INVESTIGATION"}]})

    reason: RequiredReason


class MraOut(BaseModel):
    """An MRA (from the index)."""

    id: int
    status: MraStatusName
    in_force: bool = Field(description="ACTIVE and its effective date reached")
    proposer: Code
    parties: list[Code]
    accepted: list[Code]
    programmes: list[ProgrammeName]
    roles: list[RoleName]
    effective_from: datetime
    document_hash: Hex32
    terms_hash: Hex32
    event_count: int
    head: Hex32
    live_block: int | None = Field(description="block in which the last party accepted")
    terminated_block: int | None

    @classmethod
    def of(cls, m: IndexedMra, now: int | None = None) -> MraOut:
        """From an index row."""
        moment = int(time.time()) if now is None else now
        return cls(
            id=m.id,
            status=mra_status(m.status),
            in_force=m.status == MraStatus.ACTIVE and m.effective_from <= moment,
            proposer=m.proposer,
            parties=list(m.parties),
            accepted=list(m.accepted),
            programmes=programme_names(m.programmes),
            roles=role_names(m.roles),
            effective_from=utc(m.effective_from),
            document_hash=hex0x(m.document_hash),
            terms_hash=hex0x(m.terms_hash),
            event_count=m.event_count,
            head=hex0x(m.head),
            live_block=m.live_block,
            terminated_block=m.terminated_block,
        )


class MraWritten(BaseModel):
    """The MRA after a write and its transaction."""

    mra: MraOut
    transaction: Transaction
