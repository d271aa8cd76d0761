"""Administration requests and responses."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.agency_reads import AgencyRead
from api.schemas.common import Code, SignerAddress, Transaction
from ledger_client.index import IndexedAdministration, IndexedExchangeKey


class RegisterAdministrationRequest(BaseModel):
    """A new administration and its first signer (governance only)."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",  # the signer pattern's look-ahead (not the zero address)
        json_schema_extra={
            "examples": [{"code": "CO", "name": "Colombia", "signer": "0x90F79bf6EB2c4f870365E785982E1f101E93b906"}]
        },
    )

    code: Code
    name: str = Field(min_length=1, max_length=64, description="display name (1..64 bytes of UTF-8)")
    signer: SignerAddress


class SignerRequest(BaseModel):
    """An account to add as a signer of the token's administration."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",  # the signer pattern's look-ahead (not the zero address)
        json_schema_extra={"examples": [{"address": "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"}]},
    )

    address: SignerAddress


class ExchangeKeyRequest(BaseModel):
    """The administration's exchange key (X25519) and gateway URL to publish on-chain (a rotation
    when one is published already)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "public_key": "0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                    "gateway_url": "https://aeo.aduana.example.cr",
                }
            ]
        },
    )

    public_key: str = Field(
        pattern=r"^0x[0-9a-fA-F]{64}$", description="X25519 public key, 32 bytes as 0x + 64 hex digits (not zero)"
    )
    gateway_url: str = Field(
        min_length=1,
        max_length=256,
        pattern=r"^https?://[!-.0-~][!-~]*$",
        description="the gateway's base URL, where partners fetch their envelopes: http or https, printable ASCII"
        " without spaces (an international domain name in its xn-- form), 1..256 characters",
    )


class ExchangeKeyOut(BaseModel):
    """One publication of an administration's exchange key and gateway URL."""

    public_key: str = Field(description="X25519 public key (0x-hex, 32 bytes)")
    gateway_url: str
    version: int = Field(ge=1, description="1 for the first publication, one more at each rotation")
    published_block: int
    published_at: datetime

    @classmethod
    def of(cls, key: IndexedExchangeKey) -> ExchangeKeyOut:
        """From an index row."""
        return cls(
            public_key="0x" + key.public_key.hex(),
            gateway_url=key.gateway_url,
            version=key.version,
            published_block=key.block_number,
            published_at=datetime.fromtimestamp(key.block_time, UTC),
        )


class AdministrationOut(BaseModel):
    """A customs administration."""

    code: Code
    name: str = Field(examples=["Costa Rica"])
    frozen: bool
    signers: list[str]
    registered_block: int
    exchange_key: ExchangeKeyOut | None = Field(
        description="its current exchange key and gateway URL (null: none published yet)"
    )

    @classmethod
    def of(cls, a: IndexedAdministration, key: IndexedExchangeKey | None) -> AdministrationOut:
        """From an index row and its current exchange key."""
        return cls(
            code=a.code,
            name=a.name,
            frozen=a.frozen,
            signers=list(a.signers),
            registered_block=a.registered_block,
            exchange_key=None if key is None else ExchangeKeyOut.of(key),
        )


class AdministrationWritten(BaseModel):
    """The administration after a write and its transaction."""

    administration: AdministrationOut
    transaction: Transaction


class AgencyReadOut(BaseModel):
    """One request an agency token of the administration made (its access log)."""

    id: int = Field(description="position in the log; pass the last one as `after` for the next page")
    token_id: int = Field(description="the agency token's id (`aeo-ledger token list`)")
    label: str = Field(description="the token's label, e.g. the agency's name", examples=["SENASA"])
    method: str = Field(examples=["GET"])
    path: str = Field(examples=["/v1/recognition"])
    query: str = Field(description="the query string (parameters that look like tokens removed)")
    status: int = Field(description="the HTTP status answered", examples=[200])
    request_id: str = Field(description="the request's X-Request-ID (as in the access log)")
    at: datetime = Field(description="when it was answered (ISO 8601 UTC)")

    @classmethod
    def of(cls, read: AgencyRead) -> AgencyReadOut:
        """From the log's record."""
        return cls(
            id=read.id,
            token_id=read.token_id,
            label=read.label,
            method=read.method,
            path=read.path,
            query=read.query,
            status=read.status,
            request_id=read.request_id,
            at=datetime.fromtimestamp(read.at, UTC),
        )


class AgencyReadsPage(BaseModel):
    """A page of the administration's agency reads, oldest first."""

    items: list[AgencyReadOut]
    next_after: int | None = Field(description="pass as `after` for the next page (null: no more yet)")
