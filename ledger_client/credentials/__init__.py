"""AEO credentials: a W3C Verifiable Credential (Data Model 2.0) of a certificate, secured as an
SD-JWT (``typ`` ``vc+sd-jwt``) and signed ES256K by a signer key of the issuing administration.

Trust is anchored in the ledger, not in a separate PKI: the verifier derives the Ethereum address
of the key in the credential's header and checks against the chain's signer history that it was a
signer of the issuer when the credential was issued, then reads the certificate's status and its
recognitions now. The operator chooses what it discloses (legal name, trader id, address); the
certificate id, issuer, programmes, roles and validity are always shown.

- :mod:`~ledger_client.credentials.vocabulary`: claim names, types, media type, identifiers;
- :mod:`~ledger_client.credentials.keys`: secp256k1 public key ↔ JWK ↔ Ethereum address;
- :mod:`~ledger_client.credentials.issue`: build and sign a credential (:func:`issue_credential`);
- :mod:`~ledger_client.credentials.disclosure`: parse a credential and present a subset of it;
- :mod:`~ledger_client.credentials.verify`: verify one against the index (:func:`verify_credential`).
"""

from __future__ import annotations

from ledger_client.credentials.disclosure import disclosed_names, present
from ledger_client.credentials.issue import IssuedCredential, issue_credential
from ledger_client.credentials.verify import CredentialVerification, SignerCheck, Verdict, verify_credential
from ledger_client.credentials.vocabulary import Disclosable

__all__ = [
    "CredentialVerification",
    "Disclosable",
    "IssuedCredential",
    "SignerCheck",
    "Verdict",
    "disclosed_names",
    "issue_credential",
    "present",
    "verify_credential",
]
