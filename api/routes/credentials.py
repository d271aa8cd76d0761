"""AEO credentials: the issuer's writers issue them; anyone verifies them (no token, rate-limited)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.auth import Principal, require_writer_for
from api.deps import IDEMPOTENT, PrincipalDep, RuntimeDep
from api.ratelimit import credential_verify_limit
from api.routes.params import CertificateIdPath, parse_certificate_id
from api.runtime import Runtime
from api.schemas.credentials import (
    CredentialOut,
    CredentialVerificationOut,
    IssueCredentialRequest,
    VerifyCredentialRequest,
)
from api.schemas.problems import problem_responses
from api.writes import certificate_issuer
from ledger_client.credentials import CredentialVerification, IssuedCredential, issue_credential, verify_credential
from ledger_client.documents import CertificateDocument
from ledger_client.errors import CertificateNotFoundError
from ledger_client.importer.store import DocumentStore

router = APIRouter(prefix="/v1", tags=["credentials"])


def issue(
    runtime: Runtime, principal: Principal, certificate_id: bytes, document: CertificateDocument | None = None
) -> IssuedCredential:
    """A credential of the certificate at its latest event, signed by this gateway's key of its issuer
    (writers of the issuer only); the operator's details come from ``document`` or the kept one."""
    issuer = certificate_issuer(certificate_id)
    require_writer_for(principal, issuer, "issue credentials for")
    certificate = runtime.index.certificate(certificate_id)
    if certificate is None:
        raise CertificateNotFoundError(f"no certificate 0x{certificate_id.hex()} on the chain")
    if document is None:
        store = DocumentStore(runtime.settings.state_directory())
        if not store.has(certificate_id):
            raise CertificateNotFoundError(
                f"this gateway keeps no document of certificate {certificate.number}: send it in the request"
                " (the operator's details in the credential come from it)"
            )
        document = store.read(certificate_id)
    administration = runtime.index.administration(issuer)
    return issue_credential(
        certificate=certificate,
        document=document,
        issuer_name=administration.name if administration is not None else issuer,
        signer=runtime.signers.signer_for(issuer),
        chain_id=runtime.ledger.deployment.chain_id,
        ledger_address=runtime.ledger.deployment.address,
        issued_at=max(int(time.time()), runtime.index.reader.latest_time()),
    )


def verify(runtime: Runtime, text: str) -> CredentialVerification:
    """Verify a presented credential against this gateway's index of the chain."""
    return verify_credential(
        text,
        runtime.index,
        chain_id=runtime.ledger.deployment.chain_id,
        ledger_address=runtime.ledger.deployment.address,
    )


@router.post(
    "/certificates/{certificate_id}/credential",
    response_model=CredentialOut,
    status_code=201,
    dependencies=IDEMPOTENT,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
def issue_certificate_credential(
    certificate_id: CertificateIdPath,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    body: Annotated[IssueCredentialRequest | None, Body()] = None,
) -> CredentialOut:
    """Issue the certificate's AEO credential: a W3C Verifiable Credential (Data Model 2.0) secured as an
    SD-JWT (``vc+sd-jwt``), signed ES256K by this gateway's signer key of the issuing administration.

    Always shown: certificate id and number, issuer, programmes, roles, SME flag, validity, the ledger
    and the event the credential reflects. Selectively disclosable: legal name, trader id (tax id), address.
    409 when the certificate is not active or the document does not hash to the one on the chain."""
    cid = parse_certificate_id(certificate_id)
    return CredentialOut.of(issue(runtime, principal, cid, None if body is None else body.document))


@router.post(
    "/credentials/verify",
    response_model=CredentialVerificationOut,
    dependencies=[Depends(credential_verify_limit)],
    responses=problem_responses(422, 429, 503),
)
def verify_presented_credential(body: VerifyCredentialRequest, runtime: RuntimeDep) -> CredentialVerificationOut:
    """Verify an AEO credential against the chain — no token needed (rate-limited per client address).

    Answers whether the signature is valid, whether the key was a signer of the issuer when the credential
    was issued (and still is), the certificate's status now, whether the credential reflects its latest
    event, which administrations recognise it now under MRAs in force, and what the holder disclosed.
    A forged or altered credential answers ``verdict: INVALID`` with the reason in ``problems``."""
    return CredentialVerificationOut.of(verify(runtime, body.credential))
