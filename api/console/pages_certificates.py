"""Officer pages: the dashboard, the certificate register, a certificate, issue and lifecycle actions.

Reads use the index functions the API's routes use; writes call the API's route functions
themselves (same permission checks, same read-your-writes wait, same errors).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import require_writer_for, writer_administration
from api.console.forms import PROGRAMMES, REASONS, ROLES, consent, document, document_values, reason, text
from api.console.web import ConsoleRoute, View, query, view_of
from api.routes import certificates as routes
from api.routes.params import parse_certificate_id
from api.schemas.certificates import (
    AmendRequest,
    CertificateEventOut,
    CertificateOut,
    CertificateWritten,
    IssueCertificateRequest,
    ReasonRequest,
    ReinstateRequest,
    RenewRequest,
)
from api.schemas.common import ProgrammeName, RoleName, hex0x
from api.writes import certificate_issuer
from ledger_client.certificates import Certificates
from ledger_client.documents import CertificateDocument
from ledger_client.errors import CertificateNotFoundError, LedgerValueError
from ledger_client.importer.store import DocumentStore
from ledger_client.models import CertificateStatus, Programme, Role

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
STATUSES = [s.name for s in CertificateStatus if s is not CertificateStatus.NONE]
ACTIONS = ("suspend", "reinstate", "revoke", "annul", "amend", "renew")
PAGE_SIZE = 50


def subject_of(view: View, requested: str | None) -> str | None:
    """The administration a page shows: the token's own, or (auditors, governance) the one asked for."""
    principal = view.signed_in()
    if principal.sees_everything:
        codes = [a.code for a in view.runtime.index.administrations()]
        if requested in codes:
            return requested
        return codes[0] if codes else None
    return principal.administration


def documents(view: View) -> DocumentStore:
    """The off-chain document store of this gateway (``<state>/documents``)."""
    return DocumentStore(view.runtime.settings.state_directory())


def stored_document(view: View, certificate_id: bytes) -> CertificateDocument | None:
    """The certificate's stored document, if this gateway keeps it."""
    store = documents(view)
    return store.read(certificate_id) if store.has(certificate_id) else None


def certificate_numbers(view: View, certificate_ids: list[bytes]) -> dict[str, str]:
    """National numbers of the certificates (``0x…`` id -> number) to show instead of ids."""
    numbers: dict[str, str] = {}
    for cid in dict.fromkeys(certificate_ids):
        row = view.runtime.index.certificate(cid)
        if row is not None:
            numbers[hex0x(cid)] = row.number
    return numbers


@router.get("/")
async def dashboard(view: ViewDep, administration: Annotated[str | None, Query(max_length=2)] = None) -> Response:
    """Counts by status, the latest events and partners' acknowledgement of them."""
    code = subject_of(view, administration)
    index = view.runtime.index
    kpis = view.figures(code, history=False).kpis if code else None
    recent = index.recent_events(code, 15) if code else []
    partners = sorted(index.reader.partner_links(code)) if code else []
    events = [(CertificateEventOut.of(r.event), set(r.acknowledged_by)) for r in recent]
    numbers = certificate_numbers(view, [r.event.certificate_id for r in recent])
    return view.render(
        "dashboard.html",
        code=code,
        administrations=index.administrations(),
        kpis=kpis,
        events=events,
        numbers=numbers,
        partners=partners,
    )


@router.get("/certificates")
async def certificate_list(
    view: ViewDep,
    issuer: Annotated[str | None, Query(max_length=2)] = None,
    number: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    programme: Annotated[str | None, Query(max_length=16)] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    sme: Annotated[str | None, Query(max_length=3)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """The register, filtered, or one certificate found by its national number."""
    principal = view.signed_in()
    index = view.runtime.index
    issuer = (issuer or "").upper() or None
    if issuer is None and number:
        issuer = principal.administration
    number = (number or "").strip() or None
    if status and status not in STATUSES:
        raise LedgerValueError(f"unknown status {status!r}")
    if programme and programme not in PROGRAMMES:
        raise LedgerValueError(f"unknown programme {programme!r}")
    if role and role not in ROLES:
        raise LedgerValueError(f"unknown role {role!r}")
    next_cursor = None
    if number is not None:
        if issuer is None:
            raise LedgerValueError("searching by national number needs the issuer (numbers are national)")
        row = index.certificate(Certificates.certificate_id(issuer, number))
        rows = [] if row is None else [row]
    else:
        page = index.certificates(
            issuer=issuer,
            status=CertificateStatus[status] if status else None,
            programme=int(Programme[programme]) if programme else None,
            role=int(Role[role]) if role else None,
            sme={"yes": True, "no": False}.get(sme or ""),
            cursor=cursor or None,
            limit=PAGE_SIZE,
        )
        rows, next_cursor = list(page.items), page.next_cursor
    filters = {"issuer": issuer, "number": number, "status": status, "programme": programme, "role": role, "sme": sme}
    return view.render(
        "certificates.html",
        certificates=[CertificateOut.of(r) for r in rows],
        filters=filters,
        next_query=query({**filters, "cursor": next_cursor}) if next_cursor else None,
        administrations=index.administrations(),
        statuses=STATUSES,
        programmes=PROGRAMMES,
        roles=ROLES,
    )


def terms_of(doc: CertificateDocument) -> dict[str, Any]:
    """The API's certificate terms (programmes, roles, SME, validity, document hash) of a document."""
    return {
        "programmes": [ProgrammeName(p) for p in doc.programmes],
        "roles": [RoleName(r) for r in doc.roles],
        "sme": doc.sme,
        "valid_from": doc.valid_from,
        "valid_until": doc.valid_until,
        "document_hash": hex0x(doc.document_hash()),
    }


@router.get("/certificates/new")
async def issue_form(view: ViewDep) -> Response:
    """The issue form (writers only)."""
    principal = view.signed_in()
    writer_administration(principal)
    return view.render("issue.html", values=document_values(None), programmes=PROGRAMMES, roles=ROLES)


@router.post("/certificates/new")
async def issue(view: ViewDep) -> Response:
    """Build the document, issue the certificate with its hash, then store the document."""
    principal = view.signed_in()
    form = await view.form()
    code = writer_administration(principal)
    doc = document(form, code, text(form, "number") or "")
    body = IssueCertificateRequest(number=doc.certificate_number, **terms_of(doc), consent=consent(form))
    written = await run_in_threadpool(routes.issue_certificate, body, view.runtime, principal)
    await run_in_threadpool(documents(view).write_document, doc)
    view.session.flash("ok", view.gettext("Certificate issued."))
    return view.redirect(f"/certificates/{written.certificate.id}")


@router.get("/certificates/{certificate_id}")
async def certificate_page(certificate_id: str, view: ViewDep) -> Response:
    """State, validity, the history timeline, recognition by each partner now, and the actions."""
    view.signed_in()
    cid = parse_certificate_id(certificate_id)
    index = view.runtime.index
    row = index.certificate(cid)
    if row is None:
        raise CertificateNotFoundError(f"no certificate {certificate_id}")
    history = index.history(cid, None, 1000)
    issuer = certificate_issuer(cid)
    now = max(index.reader.latest_time(), 0)
    recognitions = [index.recognition_at(cid, partner, now) for partner in sorted(index.reader.partner_links(issuer))]
    may_act = view.is_writer() and view.administration == issuer
    principal = view.signed_in()
    doc = stored_document(view, cid) if principal.sees_everything or principal.administration == issuer else None
    return view.render(
        "certificate.html",
        certificate=CertificateOut.of(row),
        events=[CertificateEventOut.of(e) for e in history.items],
        recognitions=recognitions,
        now=now,
        may_act=may_act,
        reasons=REASONS,
        document=doc,
    )


@router.get("/certificates/{certificate_id}/change")
async def change_form(certificate_id: str, view: ViewDep) -> Response:
    """The amend / renew form, filled with the stored document (the issuer's writers)."""
    principal = view.signed_in()
    cid = parse_certificate_id(certificate_id)
    require_writer_for(principal, certificate_issuer(cid), "change certificates of")
    row = view.runtime.index.certificate(cid)
    if row is None:
        raise CertificateNotFoundError(f"no certificate {certificate_id}")
    return view.render(
        "change.html",
        certificate=CertificateOut.of(row),
        values=document_values(stored_document(view, cid)) | {"consent": row.consent},
        reasons=REASONS,
        programmes=PROGRAMMES,
        roles=ROLES,
    )


@router.post("/certificates/{certificate_id}/{action}")
async def certificate_action(certificate_id: str, action: str, view: ViewDep) -> Response:
    """Suspend, reinstate, revoke, annul, amend or renew, with a reason (the issuer's writers)."""
    principal = view.signed_in()
    form = await view.form()
    if action not in ACTIONS:
        raise LedgerValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    cid = parse_certificate_id(certificate_id)
    require_writer_for(principal, certificate_issuer(cid), "change certificates of")
    runtime = view.runtime
    doc: CertificateDocument | None = None
    call: Callable[[], CertificateWritten]
    if action in ("suspend", "revoke", "annul"):
        change = {"suspend": routes.suspend_certificate, "revoke": routes.revoke_certificate}.get(
            action, routes.annul_certificate
        )
        call = partial(change, certificate_id, ReasonRequest(reason=reason(form)), runtime, principal)
    elif action == "reinstate":
        body = ReinstateRequest(reason=reason(form, "CORRECTIVE_ACTION_COMPLETED"))
        call = partial(routes.reinstate_certificate, certificate_id, runtime, principal, body)
    else:
        row = runtime.index.certificate(cid)
        if row is None:
            raise CertificateNotFoundError(f"no certificate {certificate_id}")
        doc = document(form, row.issuer, row.number)
        if action == "amend":
            amend = AmendRequest(**terms_of(doc), consent=consent(form), reason=reason(form, "CHANGE_OF_DATA"))
            call = partial(routes.amend_certificate, certificate_id, amend, runtime, principal)
        else:
            digest = hex0x(doc.document_hash())
            renew = RenewRequest(valid_from=doc.valid_from, valid_until=doc.valid_until, document_hash=digest)
            call = partial(routes.renew_certificate, certificate_id, renew, runtime, principal)
    written = await run_in_threadpool(call)
    if doc is not None:
        await run_in_threadpool(documents(view).write_document, doc)
    message = view.gettext("Recorded on the ledger: %(action)s, event %(sequence)d.")
    view.session.flash("ok", message % {"action": written.action, "sequence": written.sequence})
    return view.redirect(f"/certificates/{certificate_id}")
