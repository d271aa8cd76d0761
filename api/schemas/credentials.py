"""AEO credentials: issuance (a writer of the issuer) and public verification (no token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import hex0x, utc, utc_or_none
from ledger_client.credentials import CredentialVerification, Disclosable, IssuedCredential, Verdict
from ledger_client.credentials.vocabulary import MAX_CREDENTIAL_LENGTH
from ledger_client.documents import CertificateDocument

MEDIA_TYPE = "application/vc+sd-jwt"


class IssueCredentialRequest(BaseModel):
    """Optionally, the certificate document to take the operator's details from (it must hash to the
    document hash on the chain); without it the gateway uses the document it keeps."""

    model_config = ConfigDict(extra="forbid")

    document: CertificateDocument | None = Field(default=None, description="the certificate's current document")


class CredentialOut(BaseModel):
    """A credential, as the operator holds it (every disclosure included: the holder removes those
    it does not want to show, e.g. with ``ledger_client.credentials.present``)."""

    credential: str = Field(description="SD-JWT compact serialisation: <issuer-signed JWT>~<disclosure>~…~")
    media_type: str = Field(default=MEDIA_TYPE, examples=[MEDIA_TYPE])
    certificate_id: str
    event: int = Field(description="the certificate's event number the credential reflects")
    issued_at: datetime
    signer: str = Field(description="Ethereum address of the administration's signer key that signed it")
    disclosable: list[Disclosable] = Field(description="the claims the holder may withhold")

    @classmethod
    def of(cls, issued: IssuedCredential) -> CredentialOut:
        """From the library's result."""
        return cls(
            credential=issued.text,
            certificate_id=hex0x(issued.certificate_id),
            event=issued.event,
            issued_at=utc(issued.issued_at),
            signer=issued.signer,
            disclosable=list(issued.disclosable),
        )


class VerifyCredentialRequest(BaseModel):
    """A credential as presented (pasted, uploaded or scanned from its QR code)."""

    model_config = ConfigDict(extra="forbid")

    credential: str = Field(min_length=1, max_length=MAX_CREDENTIAL_LENGTH, description="the SD-JWT text")


class SignerCheckOut(BaseModel):
    """The signing key against the issuer's signer history on the chain."""

    address: str
    signer_at_issuance: bool = Field(description="a signer of the issuer when the credential was issued")
    signer_now: bool = Field(description="still a signer of the issuer")
    removed_at: datetime | None = Field(description="when it stopped being a signer (null while it is one)")


class RecognisedOut(BaseModel):
    """An administration that recognises the certificate now under an MRA in force."""

    administration: str
    mra_id: int
    programmes: list[str]


class CredentialVerificationOut(BaseModel):
    """What verifying a credential against the chain found (only what the holder disclosed is shown)."""

    verdict: Verdict = Field(
        description="VALID: genuine and the certificate is active; NOT_ACTIVE: genuine, but the certificate is "
        "suspended, revoked, annulled, expired or not yet valid; INVALID: forged, altered, unknown or signed by a "
        "key that was not a signer (see problems)"
    )
    genuine: bool
    problems: list[str] = Field(description="why the credential is INVALID")
    signature_valid: bool
    checked_at: datetime
    certificate_id: str | None
    certificate_number: str | None
    issuer: str | None
    issuer_name: str | None
    issuer_frozen: bool = Field(description="the issuer is frozen by governance (its keys were compromised)")
    issued_at: datetime | None
    event: int | None = Field(description="the certificate event the credential reflects")
    latest_event: int | None = Field(description="the certificate's latest event on the chain")
    reflects_latest_event: bool
    programmes: list[str]
    roles: list[str]
    valid_from: str | None
    valid_until: str | None
    status: str | None = Field(description="now on the chain: ACTIVE, SUSPENDED, REVOKED, ANNULLED or EXPIRED")
    valid_now: bool
    signer: SignerCheckOut | None
    recognised_by: list[RecognisedOut]
    disclosed: dict[str, Any] = Field(description="the claims the holder disclosed: legal_name, trader_id, address")

    @classmethod
    def of(cls, found: CredentialVerification) -> CredentialVerificationOut:
        """From the library's result."""
        signer = found.signer
        return cls(
            verdict=found.verdict,
            genuine=found.genuine,
            problems=list(found.problems),
            signature_valid=found.signature_valid,
            checked_at=utc(found.checked_at),
            certificate_id=None if found.certificate_id is None else hex0x(found.certificate_id),
            certificate_number=found.certificate_number,
            issuer=found.issuer,
            issuer_name=found.issuer_name,
            issuer_frozen=found.issuer_frozen,
            issued_at=None if found.issued_at is None else utc(found.issued_at),
            event=found.event,
            latest_event=found.latest_event,
            reflects_latest_event=found.reflects_latest_event,
            programmes=list(found.programmes),
            roles=list(found.roles),
            valid_from=found.valid_from,
            valid_until=found.valid_until,
            status=found.status,
            valid_now=found.valid_now,
            signer=None
            if signer is None
            else SignerCheckOut(
                address=signer.address,
                signer_at_issuance=signer.signer_at_issuance,
                signer_now=signer.signer_now,
                removed_at=None if signer.removed_time is None else utc_or_none(signer.removed_time),
            ),
            recognised_by=[
                RecognisedOut(administration=r.administration, mra_id=r.mra_id, programmes=list(r.programmes))
                for r in found.recognised_by
            ],
            disclosed=dict(found.disclosed),
        )
