"""Issue a credential: the certificate's always-shown terms, its selectively disclosable operator
details, signed ES256K by the issuing administration's signer (the key stays in eth-account).

The SD-JWT (salted disclosures, ``_sd`` digests, the ``~`` serialisation) is built by the
OpenWallet Foundation's ``sd-jwt`` package; only the JWS signature is made here, by
:meth:`~ledger_client.signers.Signer.sign_digest`, so the signer's key is never handed to a JOSE
library. The header carries the public key (``jwk``); its Ethereum address is what the chain knows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sd_jwt.common import SDObj
from sd_jwt.issuer import SDJWTIssuer

from ledger_client.credentials.keys import address_of, b64url, public_jwk
from ledger_client.credentials.vocabulary import (
    ALG,
    CONTEXT,
    STATUS_TYPE,
    SUBJECT_TYPE,
    TYP,
    TYPES,
    VCT,
    Disclosable,
    certificate_uri,
    issuer_uri,
)
from ledger_client.documents import CertificateDocument
from ledger_client.errors import ConflictError, LedgerValueError
from ledger_client.index.results import IndexedCertificate
from ledger_client.models import CertificateStatus
from ledger_client.signers import Signer
from ledger_client.vocabulary import iso_instant, programme_names, role_names


class CredentialRefusedError(ConflictError):
    """No credential for this certificate now: it is not active, or the document does not match the chain."""


@dataclass(frozen=True)
class IssuedCredential:
    """A signed credential and what it says.

    Attributes:
        text: the SD-JWT with every disclosure (``<jwt>~<disclosure>~…~``): what the operator holds.
        certificate_id: the certificate.
        event: the certificate's event number the credential reflects.
        issued_at: Unix seconds (``iat``).
        signer: the address of the key that signed it.
        disclosable: the claims the operator may withhold.
    """

    text: str
    certificate_id: bytes
    event: int
    issued_at: int
    signer: str
    disclosable: tuple[Disclosable, ...]


class _EthAccountIssuer(SDJWTIssuer):  # type: ignore[misc]  # sd-jwt ships no type information
    """The package's issuer, with the JWS signed by an eth-account key instead of a jwcrypto key."""

    def __init__(self, claims: dict[Any, Any], signer: Signer, header: dict[str, Any]) -> None:
        self._signer = signer
        super().__init__(claims, issuer_key=None, sign_alg=ALG, extra_header_parameters=header)

    def _create_signed_jws(self) -> None:
        header = {"alg": ALG, "typ": TYP, **self._extra_header_parameters}
        signing_input = b64url(_json(header)) + "." + b64url(_json(self.sd_jwt_payload))
        signature = self._signer.sign_digest(hashlib.sha256(signing_input.encode("ascii")).digest())
        self.serialized_sd_jwt = signing_input + "." + b64url(signature)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def issue_credential(
    *,
    certificate: IndexedCertificate,
    document: CertificateDocument,
    issuer_name: str,
    signer: Signer,
    chain_id: int,
    ledger_address: str,
    issued_at: int,
) -> IssuedCredential:
    """Sign the credential of ``certificate`` at its latest event, with ``document``'s operator details.

    Raises:
        CredentialRefusedError: the certificate is not Active, or ``document`` is not the one
            whose hash the chain holds for it.
        LedgerValueError: ``document`` is of another certificate.
    """
    if certificate.status is not CertificateStatus.ACTIVE:
        raise CredentialRefusedError(
            f"certificate {certificate.number} is {certificate.status.name}: credentials are issued for active"
            " certificates only"
        )
    if document.issuer != certificate.issuer or document.certificate_number != certificate.number:
        raise LedgerValueError(
            f"the document is of certificate {document.issuer}:{document.certificate_number},"
            f" not {certificate.issuer}:{certificate.number}"
        )
    if document.document_hash() != certificate.document_hash:
        raise CredentialRefusedError(
            f"the document kept for {certificate.number} does not hash to the document hash on the chain"
            f" (0x{certificate.document_hash.hex()}): it is not the certificate's current document"
        )
    operator = document.operator
    address: dict[str, str] = {"street": operator.address.street, "city": operator.address.city}
    if operator.address.postal_code:
        address["postalCode"] = operator.address.postal_code
    if operator.address.region:
        address["region"] = operator.address.region
    address["country"] = operator.address.country
    terms: dict[str, Any] = {
        "id": "0x" + certificate.id.hex(),
        "number": certificate.number,
        "programmes": programme_names(certificate.programmes),
        "roles": role_names(certificate.roles),
        "sme": certificate.sme,
    }
    subject: dict[Any, Any] = {
        "id": certificate_uri(certificate.id),
        "type": SUBJECT_TYPE,
        "certificate": terms,
        SDObj(Disclosable.LEGAL_NAME.claim): operator.legal_name,
        SDObj(Disclosable.TRADER_ID.claim): operator.tax_id,
        SDObj(Disclosable.ADDRESS.claim): address,
    }
    issuer = issuer_uri(certificate.issuer)
    claims: dict[Any, Any] = {
        "iss": issuer,
        "iat": issued_at,
        "vct": VCT,
        "@context": list(CONTEXT),
        "type": list(TYPES),
        "issuer": {"id": issuer, "name": issuer_name},
        "validFrom": iso_instant(certificate.valid_from),
        "credentialSubject": subject,
        "credentialStatus": {
            "type": STATUS_TYPE,
            "chainId": chain_id,
            "ledger": ledger_address,
            "certificateId": "0x" + certificate.id.hex(),
            "event": certificate.event_count,
            "head": "0x" + certificate.head.hex(),
        },
    }
    if certificate.valid_until:
        claims["validUntil"] = iso_instant(certificate.valid_until)
    signer_address = address_of(signer.public_key())
    header = {"jwk": public_jwk(signer.public_key())}
    built = _EthAccountIssuer(claims, signer, header)
    return IssuedCredential(
        str(built.sd_jwt_issuance),
        certificate.id,
        certificate.event_count,
        issued_at,
        signer_address,
        tuple(Disclosable),
    )
