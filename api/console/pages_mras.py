"""Officer pages: the administration's signers and its MRAs (propose, accept, suspend, resume, terminate)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from eth_utils.crypto import keccak
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import require_writer_for, writer_administration
from api.console.forms import PROGRAMMES, REASONS, ROLES, choices, day, reason, text
from api.console.web import ConsoleRoute, View, view_of
from api.routes import administrations as admin_routes
from api.routes import mras as routes
from api.schemas.administrations import AdministrationWritten, SignerRequest
from api.schemas.common import ProgrammeName, RoleName, hex0x
from api.schemas.mras import MraOut, MraReasonRequest, MraWritten, ProposeMraRequest
from api.writes import indexed_mra
from ledger_client.errors import AdministrationNotFoundError, LedgerValueError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
MRA_ACTIONS = ("accept", "suspend", "resume", "terminate")


@router.get("/administration")
async def administration_page(view: ViewDep) -> Response:
    """The token's administration: name, frozen flag and signer accounts."""
    principal = view.signed_in()
    code = principal.administration
    row = view.runtime.index.administration(code) if code else None
    if row is None:
        raise AdministrationNotFoundError("this token belongs to no registered administration")
    return view.render("administration.html", administration=row, may_act=view.is_writer())


@router.post("/administration/signers/{operation}")
async def signer_action(operation: str, view: ViewDep) -> Response:
    """Add or remove a signer account (the administration's writers)."""
    principal = view.signed_in()
    form = await view.form()
    code = writer_administration(principal)
    require_writer_for(principal, code, "manage the signers of")
    address = text(form, "address") or ""
    call: Callable[[], AdministrationWritten]
    if operation == "add":
        call = partial(admin_routes.add_signer, code, SignerRequest(address=address), view.runtime, principal)
    elif operation == "remove":
        call = partial(admin_routes.remove_signer, code, address, view.runtime, principal)
    else:
        raise LedgerValueError(f"unknown signer operation {operation!r}")
    await run_in_threadpool(call)
    view.session.flash("ok", view.gettext("Signers updated."))
    return view.redirect("/administration")


@router.get("/mras")
async def mra_list(view: ViewDep) -> Response:
    """Every MRA (the administration's first), with who has accepted."""
    principal = view.signed_in()
    rows = await routes.list_mras(view.runtime.index, principal)
    own = principal.administration
    rows.sort(key=lambda m: (own not in m.parties, m.id))
    codes = [a.code for a in view.runtime.index.administrations()]
    return view.render(
        "mras.html", mras=rows, administrations=codes, programmes=PROGRAMMES, roles=ROLES, may_act=view.is_writer()
    )


@router.post("/mras")
async def propose(view: ViewDep) -> Response:
    """Propose an MRA (the proposer is one of the parties); the text's keccak is its document hash."""
    principal = view.signed_in()
    form = await view.form()
    code = writer_administration(principal)
    parties = sorted({code, *choices(form, "parties", [a.code for a in view.runtime.index.administrations()])})
    effective = day(text(form, "effective_from", required=False)) or datetime.now(UTC).replace(microsecond=0)
    body = ProposeMraRequest(
        parties=parties,
        programmes=[ProgrammeName(p) for p in choices(form, "programmes", PROGRAMMES)],
        roles=[RoleName(r) for r in choices(form, "roles", ROLES)],
        effective_from=effective,
        document_hash=hex0x(keccak(text=text(form, "agreement_text") or "")),
    )
    written = await run_in_threadpool(routes.propose_mra, body, view.runtime, principal)
    view.session.flash("ok", view.gettext("MRA proposed."))
    return view.redirect(f"/mras/{written.mra.id}")


@router.get("/mras/{mra_id}")
async def mra_page(mra_id: int, view: ViewDep) -> Response:
    """One MRA: parties, who accepted, scope, status and its history."""
    principal = view.signed_in()
    mra = MraOut.of(indexed_mra(view.runtime, mra_id))
    history = view.runtime.index.mra_history(mra_id)
    party = view.is_writer() and principal.administration in mra.parties
    return view.render("mra.html", mra=mra, history=history, may_act=party, reasons=REASONS)


@router.post("/mras/{mra_id}/{action}")
async def mra_action(mra_id: int, action: str, view: ViewDep) -> Response:
    """Accept, suspend, resume or terminate (a party's writers)."""
    principal = view.signed_in()
    form = await view.form()
    runtime = view.runtime
    call: Callable[[], MraWritten]
    if action == "accept":
        call = partial(routes.accept_mra, mra_id, runtime, principal)
    elif action == "resume":
        call = partial(routes.resume_mra, mra_id, runtime, principal)
    elif action in ("suspend", "terminate"):
        change = routes.suspend_mra if action == "suspend" else routes.terminate_mra
        call = partial(change, mra_id, MraReasonRequest(reason=reason(form)), runtime, principal)
    else:
        raise LedgerValueError(f"unknown action {action!r}; known: {', '.join(MRA_ACTIONS)}")
    await run_in_threadpool(call)
    view.session.flash("ok", view.gettext("MRA updated."))
    return view.redirect(f"/mras/{mra_id}")
