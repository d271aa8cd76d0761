"""Types shared by the request and response models: codes, hashes, flag names, reasons, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from ledger_client import vocabulary
from ledger_client.models import CertificateStatus, MraStatus, Programme, ReasonCode, Role

T = TypeVar("T")

Code = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 administration code", examples=["CR"])
]
Hex32 = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-fA-F]{64}$",
        description="32 bytes as 0x + 64 hex digits",
        examples=["0x43527d7c1f9b5cfd4f1e6a2f0a4e0b3c9d5e6f708192a3b4c5d6e7f8091a2b3c"],
    ),
]
Address = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-fA-F]{40}$",
        description="account address",
        examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    ),
]


class ProgrammeName(StrEnum):
    """AEO programmes (bits of the on-chain mask)."""

    SECURITY = "SECURITY"
    SIMPLIFICATIONS = "SIMPLIFICATIONS"
    FISCAL = "FISCAL"
    SANITARY = "SANITARY"


class RoleName(StrEnum):
    """Operator roles in the supply chain."""

    IMPORTER = "IMPORTER"
    EXPORTER = "EXPORTER"
    CARRIER = "CARRIER"
    CUSTOMS_BROKER = "CUSTOMS_BROKER"
    WAREHOUSE = "WAREHOUSE"
    MANUFACTURER = "MANUFACTURER"
    LOGISTICS = "LOGISTICS"
    PORT_OPERATOR = "PORT_OPERATOR"
    FREE_ZONE_OPERATOR = "FREE_ZONE_OPERATOR"


class CertificateStatusName(StrEnum):
    """Stored certificate status (expiry is derived and reported separately)."""

    NONE = "NONE"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    ANNULLED = "ANNULLED"


class MraStatusName(StrEnum):
    """MRA status."""

    PROPOSED = "PROPOSED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"


def _reason(value: Any) -> Any:
    if isinstance(value, str) and not value.isdigit():
        try:
            return int(ReasonCode[value.upper()])
        except KeyError:
            allowed = ", ".join(ReasonCode.__members__)
            raise ValueError(f"unknown reason {value!r}; give a code 0..65535 or one of {allowed}") from None
    return value


Reason = Annotated[
    int,
    BeforeValidator(_reason),
    Field(ge=0, le=0xFFFF),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "enum": list(ReasonCode.__members__)},
                {"type": "integer", "minimum": 0, "maximum": 65535},
            ],
            "description": "reason code: a ReasonCode name or its number",
            "examples": ["NON_COMPLIANCE"],
        }
    ),
]


def programme_mask(names: list[ProgrammeName]) -> int:
    """The on-chain mask of programme names."""
    return sum({int(Programme[n.value]) for n in names})


def role_mask(names: list[RoleName]) -> int:
    """The on-chain mask of role names."""
    return sum({int(Role[n.value]) for n in names})


def programme_names(mask: int) -> list[ProgrammeName]:
    """Programme names of a mask."""
    return [ProgrammeName(name) for name in vocabulary.programme_names(mask)]


def role_names(mask: int) -> list[RoleName]:
    """Role names of a mask."""
    return [RoleName(name) for name in vocabulary.role_names(mask)]


reason_name = vocabulary.reason_name


def certificate_status(status: CertificateStatus) -> CertificateStatusName:
    """Status name."""
    return CertificateStatusName(status.name)


def mra_status(status: MraStatus) -> MraStatusName:
    """Status name."""
    return MraStatusName(status.name)


def utc(timestamp: int) -> datetime:
    """Unix seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, UTC)


def utc_or_none(timestamp: int) -> datetime | None:
    """Unix seconds (0 = none) as an aware UTC datetime."""
    return None if timestamp == 0 else utc(timestamp)


def hex0x(value: bytes) -> str:
    """Bytes as 0x-hex."""
    return "0x" + value.hex()


class Transaction(BaseModel):
    """The mined transaction of a write."""

    tx_hash: Hex32
    block_number: int = Field(examples=[42])
    gas_used: int = Field(examples=[52451])


class Page(BaseModel, Generic[T]):
    """One page of results; pass ``next_cursor`` as ``cursor`` for the next (null at the end)."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="opaque cursor of the next page")


def _parse_time(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is neither ISO 8601 (2025-01-31T12:00:00Z) nor Unix seconds") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    if isinstance(value, datetime):
        return int((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp())
    return value


At = Annotated[
    int,
    BeforeValidator(_parse_time),
    Field(ge=0, le=2**32 - 1),
    WithJsonSchema(
        {
            "type": "string",
            "description": "a moment: ISO 8601 (UTC when no offset is given) or Unix seconds",
            "examples": ["2025-06-30T00:00:00Z", "1751241600"],
        }
    ),
]
