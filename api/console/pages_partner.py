"""Partner pages: the inbox of partners' events (live over Server-Sent Events), acknowledgements,
"is this operator recognised by us?" and the border lookup of a trader by its identifiers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.auth import require_visible, writer_administration
from api.console.forms import day
from api.console.pages_certificates import certificate_numbers
from api.console.web import ConsoleRoute, View, view_of
from api.exchange import get_exchange
from api.routes import exchange as exchange_routes
from api.routes import partners as routes
from api.schemas.certificates import CertificateEventOut
from api.schemas.common import hex0x
from api.schemas.partners import AcknowledgeRequest
from api.writes import indexed_mra
from ledger_client.certificates import Certificates
from ledger_client.errors import LedgerError, LedgerValueError
from ledger_client.models import CertificateAction, CertificateStatus

ACTION_NAMES = [a.name for a in CertificateAction if a.name and a is not CertificateAction.NONE]
STATUS_NAMES = [s.name for s in CertificateStatus if s.name and s is not CertificateStatus.NONE]
router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
INBOX_PAGE = 200
#: A console stream closes after this long; the browser's EventSource reconnects with Last-Event-ID.
STREAM_SECONDS = 300.0


async def inbox_owner(view: ViewDep, administration: Annotated[str | None, Query(max_length=2)] = None) -> str:
    """Whose inbox: the token's administration (auditors and governance name one)."""
    principal = view.signed_in()
    code = administration or principal.administration
    if code is None:
        codes = [a.code for a in view.runtime.index.administrations()]
        if not codes:
            raise LedgerValueError("no administration is registered yet")
        code = codes[0]
    require_visible(principal, code)
    return code


OwnerDep = Annotated[str, Depends(inbox_owner)]


@router.get("/inbox")
async def inbox(view: ViewDep, code: OwnerDep) -> Response:
    """Events of partners' certificates not acknowledged yet, oldest first, and where the live feed starts."""
    page = view.runtime.index.inbox(code, None, INBOX_PAGE)
    return view.render(
        "inbox.html",
        code=code,
        events=[CertificateEventOut.of(e) for e in page.items],
        numbers=certificate_numbers(view, [e.certificate_id for e in page.items]),
        more=page.next_cursor is not None,
        stream_from=routes.tail_cursor(view.runtime.index),
        may_act=view.is_writer() and view.administration == code,
        administrations=[a.code for a in view.runtime.index.administrations()],
        labels={name: view.label(name) for name in (*ACTION_NAMES, *STATUS_NAMES)},
    )


@router.get("/inbox/stream", response_class=EventSourceResponse)
async def inbox_stream(
    view: ViewDep,
    code: OwnerDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=512)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """The partner feed as Server-Sent Events (the API's stream, authenticated by the session)."""
    start = await routes.stream_start(view.runtime.index, code, cursor, last_event_id)
    poll = view.runtime.settings.sse_poll_seconds
    runtime = view.runtime
    async for event in routes.feed_events(
        runtime.index, code, start, poll, None, STREAM_SECONDS, runtime.stopping, runtime.wakeup
    ):
        yield event


@router.post("/inbox/acknowledge")
async def acknowledge(view: ViewDep) -> Response:
    """Acknowledge every checked event (``<certificate id>:<sequence>``), each through the API's route."""
    principal = view.signed_in()
    form = await view.form()
    writer_administration(principal)
    selected = [v for v in form.getlist("event") if isinstance(v, str)]
    if not selected:
        raise LedgerValueError("choose at least one event to acknowledge")
    done, failed = 0, []
    for value in selected[:INBOX_PAGE]:
        certificate_id, _, sequence = value.partition(":")
        try:
            body = AcknowledgeRequest(certificate_id=certificate_id, sequence=int(sequence))
            await run_in_threadpool(routes.acknowledge, body, view.runtime, principal)
            done += 1
        except (LedgerError, ValueError) as exc:
            failed.append(f"{value}: {exc}")
    if done:
        view.session.flash("ok", view.gettext("Acknowledged: %(count)d.") % {"count": done})
    for problem in failed:
        view.session.flash("error", problem)
    return view.redirect("/inbox")


@router.get("/recognition")
async def recognition(
    view: ViewDep,
    issuer: Annotated[str | None, Query(max_length=2)] = None,
    number: Annotated[str | None, Query(max_length=64)] = None,
    at: Annotated[str | None, Query(max_length=10)] = None,
    by: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    """Whether we (the token's administration) recognise the operator's certificate, now or at a date."""
    principal = view.signed_in()
    recognizer = (by or principal.administration or "").upper()
    answer = certificate = mra = None
    if issuer and number:
        if not recognizer:
            raise LedgerValueError("choose the recognising administration")
        cid = Certificates.certificate_id(issuer.upper(), number.strip())
        certificate = view.runtime.index.certificate(cid)
        moment = day(text_or_none(at), end=True)
        answer = await routes.recognition(
            view.runtime, principal, hex0x(cid), recognizer, None if moment is None else int(moment.timestamp())
        )
        if answer.mra_id:
            mra = indexed_mra(view.runtime, answer.mra_id)
    return view.render(
        "recognition.html",
        issuer=(issuer or "").upper(),
        number=number or "",
        at=at or "",
        by=recognizer,
        answer=answer,
        certificate=certificate,
        mra=mra,
        administrations=[a.code for a in view.runtime.index.administrations()],
    )


def text_or_none(value: str | None) -> str | None:
    """An empty query value as None."""
    return value.strip() or None if value else None


@router.get("/operators")
async def operators(
    view: ViewDep,
    id: Annotated[str | None, Query(max_length=128)] = None,
    at: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """ "Is this trader an AEO we recognise?": the border lookup by tax id, EORI or WCO TIN (``GET /v1/operators``)."""
    principal = view.signed_in()
    exchange = await get_exchange(view.request)
    answer = None
    trader = text_or_none(id)
    if trader is not None:
        moment = day(text_or_none(at), end=True)
        answer = await exchange_routes.operators(
            principal, exchange, trader, None if moment is None else int(moment.timestamp())
        )
    return view.render("operators.html", id=trader or "", at=at or "", answer=answer)
