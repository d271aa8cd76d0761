"""Auditor pages: a certificate's or MRA's history audit against the chain, point-in-time status,
document verification by upload (and which field differs), and the history export (CSV, JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.console.forms import day
from api.console.pages_certificates import stored_document
from api.console.web import ConsoleRoute, View, view_of
from api.routes import certificates as certificate_routes
from api.routes import verification as routes
from api.routes.params import SQLITE_MAX_INTEGER, MraIdPath, parse_certificate_id
from api.schemas.certificates import CertificateOut
from ledger_client.certificates import Certificates
from ledger_client.documents import CertificateDocument
from ledger_client.errors import CertificateNotFoundError, LedgerValueError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
#: Largest document accepted by the upload form.
MAX_DOCUMENT_BYTES = 256 * 1024


@router.get("/audit")
async def audit_home(
    view: ViewDep,
    issuer: Annotated[str | None, Query(max_length=2)] = None,
    number: Annotated[str | None, Query(max_length=64)] = None,
    mra: Annotated[int | None, Query(ge=1, le=SQLITE_MAX_INTEGER)] = None,
) -> Response:
    """Choose what to audit: a certificate (issuer + national number) or an MRA."""
    view.signed_in()
    if mra is not None:
        return view.redirect(f"/audit/mras/{mra}")
    if issuer and number:
        cid = Certificates.certificate_id(issuer.upper(), number.strip())
        return view.redirect(f"/audit/certificates/0x{cid.hex()}")
    codes = [a.code for a in view.runtime.index.administrations()]
    return view.render("audit.html", administrations=codes)


@router.get("/audit/certificates/{certificate_id}")
async def audit_certificate(
    certificate_id: str, view: ViewDep, at: Annotated[str | None, Query(max_length=10)] = None
) -> Response:
    """VERIFIED, or each event that is missing, reordered or altered; and the status at a date."""
    principal = view.signed_in()
    audit = await run_in_threadpool(routes.audit_certificate, certificate_id, view.runtime, principal, True)
    row = view.runtime.index.certificate(parse_certificate_id(certificate_id))
    moment = day(at.strip() or None, end=True) if at else None
    status_at = None
    if moment is not None:
        status_at = await certificate_routes.certificate_status_at(
            certificate_id, view.runtime.index, principal, int(moment.timestamp())
        )
    return view.render(
        "audit_certificate.html",
        audit=audit,
        certificate=None if row is None else CertificateOut.of(row),
        certificate_id=certificate_id,
        at=at or "",
        status_at=status_at,
    )


@router.get("/audit/certificates/{certificate_id}/history.{extension}")
async def export_history(certificate_id: str, extension: str, view: ViewDep) -> Response:
    """The audited history as CSV or JSON (a download)."""
    principal = view.signed_in()
    if extension not in ("csv", "json"):
        raise LedgerValueError("export as .csv or .json")
    audit = await run_in_threadpool(routes.audit_certificate, certificate_id, view.runtime, principal, True)
    name = f"history-{certificate_id[2:18]}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if extension == "json":
        return Response(audit.model_dump_json(indent=2), media_type="application/json", headers=headers)
    report = await run_in_threadpool(view.runtime.auditor.history_report, parse_certificate_id(certificate_id))
    return Response(report.to_csv(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/audit/mras/{mra_id}")
async def audit_mra(mra_id: MraIdPath, view: ViewDep) -> Response:
    """An MRA's history audit."""
    principal = view.signed_in()
    audit = await run_in_threadpool(routes.audit_mra, mra_id, view.runtime, principal)
    return view.render("audit_mra.html", audit=audit, mra_id=mra_id)


@router.get("/verify")
async def verify_form(view: ViewDep) -> Response:
    """The document upload form."""
    view.signed_in()
    return view.render("verify.html", result=None)


@router.post("/verify")
async def verify(view: ViewDep) -> Response:
    """Is the uploaded document genuine? If not, which fields differ from the document this gateway keeps."""
    principal = view.signed_in()
    form = await view.form()
    upload = form.get("document")
    if not isinstance(upload, UploadFile):
        raise LedgerValueError("choose a certificate document (JSON) to upload")
    content = await upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise LedgerValueError(f"a certificate document has at most {MAX_DOCUMENT_BYTES} bytes")
    document = CertificateDocument.parse(content)
    result = await run_in_threadpool(routes.verify_document, document, view.runtime, principal)
    differences: list[tuple[str, Any, Any]] = []
    if not result.ok:
        try:
            stored = stored_document(view, document.certificate_id())
        except CertificateNotFoundError:
            stored = None
        if stored is not None:
            differences = differing_fields(stored.model_dump(mode="json"), document.model_dump(mode="json"))
    return view.render("verify.html", result=result, differences=differences, filename=upload.filename or "")


def differing_fields(
    genuine: Mapping[str, Any], uploaded: Mapping[str, Any], prefix: str = ""
) -> list[tuple[str, Any, Any]]:
    """``(dotted field, genuine value, uploaded value)`` for every field that differs."""
    found: list[tuple[str, Any, Any]] = []
    for key in sorted(set(genuine) | set(uploaded)):
        left, right = genuine.get(key), uploaded.get(key)
        name = f"{prefix}{key}"
        if isinstance(left, Mapping) and isinstance(right, Mapping):
            found.extend(differing_fields(left, right, name + "."))
        elif left != right:
            found.append((name, left, right))
    return found
