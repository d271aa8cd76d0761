"""``/v1/certificates``: issue (single and batch), lifecycle transitions, reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.auth import require_writer_for, writer_administration
from api.deps import IndexDep, PrincipalDep, RuntimeDep, write_route
from api.errors import classify, jsonable
from api.routes.params import CertificateIdPath, CertificatesCursor, HistoryCursor, LimitQuery, parse_certificate_id
from api.runtime import Runtime
from api.schemas.certificates import (
    AmendRequest,
    BatchIssueRequest,
    BatchIssueResponse,
    BatchItemOut,
    CertificateEventOut,
    CertificateOut,
    CertificateWritten,
    IssueCertificateRequest,
    ReasonRequest,
    ReinstateRequest,
    RenewRequest,
    StatusAtOut,
)
from api.schemas.common import (
    CERTIFICATE_NUMBER_PATTERN,
    At,
    CertificateStatusName,
    Code,
    Page,
    ProgrammeName,
    RoleName,
    hex0x,
)
from api.schemas.problems import problem_responses
from api.schemas.transactions import outcome_url, write_responses
from api.writes import as_administration, certificate_issuer, certificate_written
from ledger_client.certificates import Certificates
from ledger_client.errors import (
    CertificateNotFoundError,
    ContractRevert,
    InvalidBatchError,
    TransactionTimeoutError,
)
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus, Programme, Role

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

_READ = problem_responses(401, 404, 422)
_WRITE = write_responses(401, 403, 404, 409, 422, 503)


# --------------------------------------------------------------------------------------- reads


@router.get("", response_model=Page[CertificateOut], responses=problem_responses(401, 422))
async def list_certificates(
    index: IndexDep,
    _principal: PrincipalDep,
    issuer: Annotated[Code | None, Query(description="issuing administration")] = None,
    number: Annotated[
        str | None,
        Query(
            pattern=CERTIFICATE_NUMBER_PATTERN,
            description="national number, 1..32 printable ASCII (of every issuer unless issuer is given)",
        ),
    ] = None,
    status_: Annotated[CertificateStatusName | None, Query(alias="status")] = None,
    programme: Annotated[ProgrammeName | None, Query(description="covers this programme")] = None,
    role: Annotated[RoleName | None, Query(description="covers this operator role")] = None,
    sme: Annotated[bool | None, Query(description="operator is an SME")] = None,
    cursor: CertificatesCursor = None,
    limit: LimitQuery = 100,
) -> Page[CertificateOut]:
    """Certificates matching every filter, ordered by id, in pages (``next_cursor``)."""
    if number is not None:
        # numbers are national: with an issuer, that administration's certificate; else every issuer's
        issuers = [issuer] if issuer is not None else [a.code for a in index.administrations()]
        rows = [index.certificate(Certificates.certificate_id(code, number)) for code in issuers]
        found = sorted((row for row in rows if row is not None), key=lambda row: row.id)
        return Page(items=[CertificateOut.of(row) for row in found], next_cursor=None)
    page = index.certificates(
        issuer=issuer,
        status=None if status_ is None else CertificateStatus[status_.value],
        programme=None if programme is None else int(Programme[programme.value]),
        role=None if role is None else int(Role[role.value]),
        sme=sme,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[CertificateOut.of(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/{certificate_id}", response_model=CertificateOut, responses=_READ)
async def get_certificate(certificate_id: CertificateIdPath, index: IndexDep, _principal: PrincipalDep) -> Response:
    """A certificate's current state (from the index; verify it with ``/audit``)."""
    row = index.certificate(parse_certificate_id(certificate_id))
    if row is None:
        raise CertificateNotFoundError(f"no certificate {certificate_id}")
    # The hottest read: serialised by pydantic-core directly (the model is built from trusted
    # index data), skipping FastAPI's re-validation of the response model.
    return Response(CertificateOut.of(row).model_dump_json(), media_type="application/json")


@router.get("/{certificate_id}/history", response_model=Page[CertificateEventOut], responses=_READ)
async def certificate_history(
    certificate_id: CertificateIdPath,
    index: IndexDep,
    _principal: PrincipalDep,
    cursor: HistoryCursor = None,
    limit: LimitQuery = 100,
) -> Page[CertificateEventOut]:
    """The certificate's events in order, each with the state after it, its transaction and signer."""
    cid = parse_certificate_id(certificate_id)
    if index.certificate(cid) is None:
        raise CertificateNotFoundError(f"no certificate {certificate_id}")
    page = index.history(cid, cursor, limit)
    return Page(items=[CertificateEventOut.of(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/{certificate_id}/status", response_model=StatusAtOut, responses=_READ)
async def certificate_status_at(
    certificate_id: CertificateIdPath,
    index: IndexDep,
    _principal: PrincipalDep,
    at: Annotated[At | None, Query(description="ISO 8601 or Unix seconds; default: now")] = None,
) -> StatusAtOut:
    """The certificate's recorded state at a moment (after every event in blocks up to that time)."""
    cid = parse_certificate_id(certificate_id)
    if index.certificate(cid) is None:
        raise CertificateNotFoundError(f"no certificate {certificate_id}")
    moment = at if at is not None else max(index.reader.latest_time(), 0)
    return StatusAtOut.of(index.status_at(cid, moment))


# --------------------------------------------------------------------------------------- writes


@write_route(router, "", CertificateWritten, _WRITE)
def issue_certificate(
    body: IssueCertificateRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> CertificateWritten:
    """Issue a certificate for the token's administration (writer tokens)."""
    code = writer_administration(principal)
    ledger = as_administration(runtime, code)
    result = ledger.certificates.issue(body.to_request(body.number))
    return certificate_written(runtime, result)


@write_route(
    router, "/batch", BatchIssueResponse, {200: {"description": "nothing was issued (every item failed)"}, **_WRITE}
)
def issue_batch(
    body: BatchIssueRequest, runtime: RuntimeDep, principal: PrincipalDep, response: Response
) -> BatchIssueResponse:
    """Issue up to ``max_batch_size`` certificates (default 1,000); each item gets its own result
    (a bad row never sinks the others).

    201 when at least one certificate was issued, 200 when none was.
    """
    code = writer_administration(principal)
    maximum = runtime.settings.max_batch_size
    if len(body.certificates) > maximum:
        raise InvalidBatchError(f"a batch holds 1..{maximum} certificates; got {len(body.certificates)}")
    ledger = as_administration(runtime, code)
    results = ledger.certificates.issue_many([c.to_request(c.number) for c in body.certificates])
    blocks = [r.block_number for r in results if r.ok and r.block_number is not None]
    if blocks:
        runtime.await_block(max(blocks))
    items = []
    for r in results:
        item = BatchItemOut(
            index=r.index,
            number=r.number,
            ok=r.ok,
            certificate_id=None if r.certificate_id is None else hex0x(r.certificate_id),
            tx_hash=r.tx_hash,
            block_number=r.block_number,
        )
        if isinstance(r.error, TransactionTimeoutError) and r.error.tx_hash is not None:
            item.status = status.HTTP_202_ACCEPTED  # sent, not confirmed in time: may still land
            item.tx_hash = hex0x(r.error.tx_hash)
            item.outcome_url = outcome_url(item.tx_hash)
        elif r.error is not None:
            item.status = classify(r.error)[0]
        if r.error is not None:
            item.error = r.error.name if isinstance(r.error, ContractRevert) else type(r.error).__name__
            item.detail = str(r.error)
            item.inputs = jsonable(r.error.inputs) if isinstance(r.error, ContractRevert) else None
        items.append(item)
    issued = sum(1 for i in items if i.ok)
    if issued == 0:
        response.status_code = status.HTTP_200_OK
    return BatchIssueResponse(issued=issued, failed=len(items) - issued, items=items)


def _issuer_ledger(runtime: Runtime, principal: PrincipalDep, certificate_id: str) -> tuple[Ledger, bytes]:
    cid = parse_certificate_id(certificate_id)
    code = certificate_issuer(cid)
    require_writer_for(principal, code, "change certificates of")
    return as_administration(runtime, code), cid


@write_route(router, "/{certificate_id}/suspend", CertificateWritten, _WRITE)
def suspend_certificate(
    certificate_id: CertificateIdPath, body: ReasonRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> CertificateWritten:
    """Suspend an Active certificate (writer of the issuing administration)."""
    ledger, cid = _issuer_ledger(runtime, principal, certificate_id)
    return certificate_written(runtime, ledger.certificates.suspend(cid, body.reason))


@write_route(router, "/{certificate_id}/reinstate", CertificateWritten, _WRITE)
def reinstate_certificate(
    certificate_id: CertificateIdPath,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    body: ReinstateRequest | None = None,
) -> CertificateWritten:
    """Reinstate a Suspended certificate (writer of the issuing administration)."""
    ledger, cid = _issuer_ledger(runtime, principal, certificate_id)
    reason = (body or ReinstateRequest()).reason
    return certificate_written(runtime, ledger.certificates.reinstate(cid, reason))


@write_route(router, "/{certificate_id}/revoke", CertificateWritten, _WRITE)
def revoke_certificate(
    certificate_id: CertificateIdPath, body: ReasonRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> CertificateWritten:
    """Revoke an Active or Suspended certificate (terminal)."""
    ledger, cid = _issuer_ledger(runtime, principal, certificate_id)
    return certificate_written(runtime, ledger.certificates.revoke(cid, body.reason))


@write_route(router, "/{certificate_id}/annul", CertificateWritten, _WRITE)
def annul_certificate(
    certificate_id: CertificateIdPath, body: ReasonRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> CertificateWritten:
    """Annul an Active or Suspended certificate: void from the start (terminal)."""
    ledger, cid = _issuer_ledger(runtime, principal, certificate_id)
    return certificate_written(runtime, ledger.certificates.annul(cid, body.reason))


@write_route(router, "/{certificate_id}/amend", CertificateWritten, _WRITE)
def amend_certificate(
    certificate_id: CertificateIdPath, body: AmendRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> CertificateWritten:
    """Replace scope, SME flag, dates and document of an Active or Suspended certificate."""
    ledger, cid = _issuer_ledger(runtime, principal, certificate_id)
    return certificate_written(runtime, ledger.certificates.amend(cid, body.to_request(None), body.reason))


@write_route(router, "/{certificate_id}/renew", CertificateWritten, _WRITE)
def renew_certificate(
    certificate_id: CertificateIdPath, body: RenewRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> CertificateWritten:
    """Give an Active or Suspended certificate a new validity period and document."""
    ledger, cid = _issuer_ledger(runtime, principal, certificate_id)
    result = ledger.certificates.renew(cid, body.valid_from, body.valid_until, body.document_hash)
    return certificate_written(runtime, result)
