"""Bodies of the envelope exchange and of the border lookup."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import hex0x, utc
from ledger_client.exchange import KnownCertificate, OperatorAnswer
from ledger_client.models import Programme


class EnvelopeOut(BaseModel):
    """One sealed document (HPKE base mode: X25519, HKDF-SHA256, ChaCha20-Poly1305)."""

    id: int = Field(description="row id at the issuer's gateway (pass the page's next_after to continue)")
    certificate_id: str
    sequence: int = Field(description="the certificate event whose document this is (bound as associated data)")
    document_hash: str = Field(description="keccak-256 of the document; check it against the chain's")
    recipient_key: str = Field(description="the X25519 public key sealed to")
    enc: str = Field(description="HPKE encapsulated key, base64")
    ciphertext: str = Field(description="ChaCha20-Poly1305 ciphertext of the canonical document, base64")


class EnvelopePageOut(BaseModel):
    """A page of the requester's envelopes."""

    issuer: str
    recipient: str
    envelopes: list[EnvelopeOut]
    next_after: int
    more: bool


class KnownCertificateOut(BaseModel):
    """A foreign AEO certificate of the trader, as this administration knows it."""

    certificate_id: str
    issuer: str
    number: str
    legal_name: str
    matched: str = Field(description="which identifier matched: tax_id, tin (WCO TIN: country + tax id) or eori")
    status: str = Field(description="status at `at` (from this gateway's index of the chain)")
    valid: bool = Field(description="Active and within its validity at `at`")
    recognised: bool = Field(description="this administration recognises it at `at`")
    programmes: list[str] = Field(description="the programmes recognised")
    mra_id: int | None = Field(description="the MRA that grants recognition")
    document_sequence: int = Field(description="the certificate event of the document received")
    received_at: datetime

    @classmethod
    def of(cls, known: KnownCertificate) -> KnownCertificateOut:
        """From the library's answer."""
        return cls(
            certificate_id=hex0x(known.certificate_id),
            issuer=known.issuer,
            number=known.number,
            legal_name=known.legal_name,
            matched=known.matched,
            status=known.status.name,
            valid=known.valid,
            recognised=known.recognised,
            programmes=[p.name for p in Programme if p.name is not None and int(p) & known.programmes],
            mra_id=known.mra_id,
            document_sequence=known.document_sequence,
            received_at=utc(int(known.received_at)),
        )


class OperatorsOut(BaseModel):
    """The border lookup's answer."""

    identifier: str = Field(description="the identifier as normalised (letters and digits, upper case)")
    administration: str = Field(description="the administration answering (this gateway's)")
    at: datetime
    certificates: list[KnownCertificateOut]

    @classmethod
    def of(cls, answer: OperatorAnswer) -> OperatorsOut:
        """From the library's answer."""
        return cls(
            identifier=answer.identifier,
            administration=answer.administration,
            at=utc(answer.at),
            certificates=[KnownCertificateOut.of(c) for c in answer.certificates],
        )


class RotatedKeyOut(BaseModel):
    """The gateway's new exchange key, published on-chain."""

    administration: str
    version: int = Field(description="the publication's version on-chain (one more at each rotation)")
    public_key: str = Field(description="X25519 public key (0x-hex, 32 bytes)")
    gateway_url: str
