"""Administration requests and responses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Code, SignerAddress, Transaction
from ledger_client.index import IndexedAdministration


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


class AdministrationOut(BaseModel):
    """A customs administration."""

    code: Code
    name: str = Field(examples=["Costa Rica"])
    frozen: bool
    signers: list[str]
    registered_block: int

    @classmethod
    def of(cls, a: IndexedAdministration) -> AdministrationOut:
        """From an index row."""
        return cls(
            code=a.code, name=a.name, frozen=a.frozen, signers=list(a.signers), registered_block=a.registered_block
        )


class AdministrationWritten(BaseModel):
    """The administration after a write and its transaction."""

    administration: AdministrationOut
    transaction: Transaction
