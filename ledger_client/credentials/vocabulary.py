"""The credential's vocabulary: media type, types, contexts, identifiers and the disclosable claims."""

from __future__ import annotations

from enum import StrEnum

#: The JOSE ``typ`` of the SD-JWT (W3C VC-JOSE-COSE: ``application/vc+sd-jwt``).
TYP = "vc+sd-jwt"
#: The only signature algorithm: ECDSA over secp256k1 with SHA-256 (RFC 8812), the Ethereum curve.
ALG = "ES256K"
#: The SD-JWT VC type of these credentials (``vct``).
VCT = "urn:aeo-ledger:credential:aeo-certificate:1"
#: W3C VC Data Model 2.0 base context, then this project's terms.
CONTEXT: tuple[object, ...] = ("https://www.w3.org/ns/credentials/v2", {"@vocab": "urn:aeo-ledger:vocabulary#"})
TYPES = ("VerifiableCredential", "AeoCertificateCredential")
SUBJECT_TYPE = "AuthorizedEconomicOperator"
STATUS_TYPE = "AeoLedgerCertificateStatus"
#: The largest credential text accepted for verification (a credential is about 2 KB).
MAX_CREDENTIAL_LENGTH = 16_384


class Disclosable(StrEnum):
    """The claims the operator may disclose or withhold (value: the API's name)."""

    LEGAL_NAME = "legal_name"
    TRADER_ID = "trader_id"
    ADDRESS = "address"

    @property
    def claim(self) -> str:
        """The claim's name inside ``credentialSubject``."""
        return _CLAIMS[self]

    @classmethod
    def of_claim(cls, claim: str) -> Disclosable | None:
        """The disclosable whose claim name is ``claim`` (None when it is not one)."""
        for item, name in _CLAIMS.items():
            if name == claim:
                return item
        return None


_CLAIMS = {Disclosable.LEGAL_NAME: "legalName", Disclosable.TRADER_ID: "traderId", Disclosable.ADDRESS: "address"}


def issuer_uri(code: str) -> str:
    """The issuer's identifier: ``urn:aeo-ledger:administration:CR``."""
    return f"urn:aeo-ledger:administration:{code}"


def certificate_uri(certificate_id: bytes) -> str:
    """The subject's identifier: ``urn:aeo-ledger:certificate:0x4352…``."""
    return f"urn:aeo-ledger:certificate:0x{certificate_id.hex()}"
