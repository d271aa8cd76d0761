"""Verifications against the chain: history audits and off-chain certificate documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import forbidden
from api.deps import IDEMPOTENT, PrincipalDep, RuntimeDep
from api.index_events import IndexEventSource
from api.routes.params import CertificateIdPath, MraIdPath, parse_certificate_id
from api.schemas.problems import problem_responses
from api.schemas.verification import AuditOut, DocumentVerificationOut
from api.writes import certificate_issuer, indexed_mra
from ledger_client.documents import CertificateDocument
from ledger_client.errors import CertificateNotFoundError

router = APIRouter(prefix="/v1", tags=["verification"])


@router.get(
    "/certificates/{certificate_id}/audit", response_model=AuditOut, responses=problem_responses(401, 403, 404, 503)
)
def audit_certificate(
    certificate_id: CertificateIdPath,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    events: Annotated[bool, Query(description="include the history as read from the chain")] = False,
) -> AuditOut:
    """Re-read the certificate's events from the chain, recompute its history head and compare it with
    the on-chain head (auditors, governance, and the issuing administration's own tokens)."""
    cid = parse_certificate_id(certificate_id)
    issuer = certificate_issuer(cid)
    if not principal.sees_everything and principal.administration != issuer:
        raise forbidden(f"a {principal.describe()} may audit only its own administration's certificates")
    if not runtime.ledger.certificates.exists(cid):
        raise CertificateNotFoundError(f"no certificate {certificate_id} on the chain")
    if events:
        report = runtime.auditor.history_report(cid)
        return AuditOut.of(runtime.auditor.audit_certificate(cid), report)
    return AuditOut.of(runtime.auditor.audit_certificate(cid))


@router.get("/mras/{mra_id}/audit", response_model=AuditOut, responses=problem_responses(401, 403, 404, 503))
def audit_mra(mra_id: MraIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> AuditOut:
    """Re-read the MRA's events from the chain and check them against its on-chain head (auditors,
    governance and the parties' tokens)."""
    mra = indexed_mra(runtime, mra_id)
    if not principal.sees_everything and principal.administration not in mra.parties:
        raise forbidden(f"a {principal.describe()} may audit only MRAs its administration is party to")
    return AuditOut.of(runtime.auditor.audit_mra(mra_id))


@router.post(
    "/certificates/verify-document",
    response_model=DocumentVerificationOut,
    dependencies=IDEMPOTENT,
    responses=problem_responses(401, 422, 503),
)
def verify_document(
    document: CertificateDocument, runtime: RuntimeDep, _principal: PrincipalDep
) -> DocumentVerificationOut:
    """Does this off-chain certificate document match the chain, and is the certificate valid now?

    The document's canonical JSON (RFC 8785) is hashed with keccak-256; the certificate's events are
    replayed into its history head, which is checked against the head read from the chain.
    """
    verdict = runtime.ledger.verify_document(document, events=IndexEventSource(runtime.index))
    return DocumentVerificationOut.of(verdict)
