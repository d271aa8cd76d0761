"""Partners: recognition, the feed of MRA partners' certificate events (paged and as a
Server-Sent Events stream), the inbox of unacknowledged events, and acknowledgements."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.auth import forbidden, require_visible, writer_administration
from api.deps import IDEMPOTENT, IndexDep, PrincipalDep, RuntimeDep, SettingsDep
from api.index_wakeup import IndexWakeup
from api.routes.params import FeedCursor, InboxCursor, LimitQuery, parse_certificate_id
from api.schemas.certificates import CertificateEventOut
from api.schemas.common import At, CertificateId, Code, Page
from api.schemas.partners import (
    AcknowledgementWritten,
    AcknowledgeRequest,
    FeedEventOut,
    FeedPageOut,
    RecognitionOut,
)
from api.schemas.problems import problem_responses
from api.schemas.transactions import write_responses
from api.stopping import Stopping
from api.writes import as_administration, await_write, certificate_issuer, transaction
from ledger_client import validation
from ledger_client.errors import LedgerValueError
from ledger_client.index import Index
from ledger_client.index.results import cursor_pattern, encode_cursor

router = APIRouter(prefix="/v1", tags=["partners"])

FEED_EVENT = "certificate-event"


async def subject_administration(
    principal: PrincipalDep,
    administration: Annotated[
        Code | None,
        Query(description="whose feed/inbox (default: the token's administration; required for auditors)"),
    ] = None,
) -> str:
    """The administration whose partner data is read (403 when the token may not read it)."""
    code = administration or principal.administration
    if code is None:
        raise LedgerValueError(f"a {principal.role.value} token must name the administration: ?administration=PE")
    require_visible(principal, code)
    return code


SubjectDep = Annotated[str, Depends(subject_administration)]


@router.get(
    "/recognition", response_model=RecognitionOut, tags=["recognition"], responses=problem_responses(401, 404, 422)
)
async def recognition(
    runtime: RuntimeDep,
    _principal: PrincipalDep,
    certificate: Annotated[CertificateId, Query(description="certificate id (its first two bytes: the issuer code)")],
    by: Annotated[Code, Query(description="the recognising administration")],
    at: Annotated[
        At | None, Query(description="a past moment (answered from the index); default: now, on-chain")
    ] = None,
) -> RecognitionOut:
    """Does administration ``by`` recognise the certificate (now on-chain, or at a moment from history)?

    Recognised when the certificate is Active and not expired and an MRA in force joins ``by`` and the
    issuer with a scope covering the certificate's roles and some of its programmes.
    """
    cid = parse_certificate_id(certificate)
    if at is None:
        answer = await run_in_threadpool(runtime.ledger.recognition.now, cid, by)
    else:
        validation.code(by, "recognizer code")
        answer = runtime.index.recognition_at(cid, by, at)
    return RecognitionOut.of(answer, at)


@router.get("/feed", response_model=FeedPageOut, responses=problem_responses(401, 403, 422))
async def partner_feed(
    index: IndexDep, code: SubjectDep, cursor: FeedCursor = None, limit: LimitQuery = 100
) -> FeedPageOut:
    """Every certificate event of the administrations ``code`` has a live MRA with, since ``cursor``,
    in chain order, each with whether ``code`` acknowledged it. ``next_cursor`` is set on every
    page, the last one included: poll with it to receive what follows."""
    return FeedPageOut.of(index.feed(code, cursor, limit))


def tail_cursor(index: Index) -> str:
    """A feed cursor after every event indexed so far (a stream without a cursor starts here)."""
    rows = index.reader.execute("SELECT COALESCE(MAX(pos), -1) FROM certificate_events")
    return encode_cursor("feed", int(rows[0][0]))


async def stream_start(
    index: IndexDep,
    code: SubjectDep,
    cursor: FeedCursor = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            pattern=cursor_pattern("feed"),
            max_length=80,
            description="resume after this event (SSE): the id of the last event received",
        ),
    ] = None,
) -> str:
    """The validated cursor a stream starts after (checked before the stream opens)."""
    start = last_event_id or cursor
    if start is None:
        return tail_cursor(index)
    index.feed(code, start, 1)  # raises InvalidCursorError (422) for a cursor of another query
    return start


@router.get(
    "/feed/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": f"`text/event-stream` of `{FEED_EVENT}` events: data is a FeedEventOut, id the cursor "
            "after it (send it back as Last-Event-ID to resume)",
            "content": {"text/event-stream": {}},
        },
        **problem_responses(401, 403, 422),
    },
)
async def partner_feed_stream(
    runtime: RuntimeDep,
    index: IndexDep,
    settings: SettingsDep,
    code: SubjectDep,
    start: Annotated[str, Depends(stream_start)],
    max_events: Annotated[int | None, Query(ge=1, le=100_000, description="close after this many events")] = None,
    timeout: Annotated[float | None, Query(gt=0, le=86_400, description="close after this many seconds")] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-Sent Events: partners' certificate events as they are indexed (from ``cursor``,
    ``Last-Event-ID`` or, by default, from now on)."""
    poll = settings.sse_poll_seconds
    async for event in feed_events(index, code, start, poll, max_events, timeout, runtime.stopping, runtime.wakeup):
        yield event


async def feed_events(
    index: Index,
    code: str,
    start: str,
    poll_seconds: float,
    max_events: int | None,
    timeout: float | None,
    stopping: Stopping,
    wakeup: IndexWakeup | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """``code``'s partner events after the feed cursor ``start`` as SSE events, read again as soon as the
    index moves (``wakeup``) and at least every ``poll_seconds``; ends after ``max_events`` events or
    ``timeout`` seconds, and as soon as the server starts shutting down (``stopping``) (the API's
    stream and the console's inbox)."""
    position = start
    sent = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    while (deadline is None or time.monotonic() < deadline) and not stopping.is_set():
        seen = wakeup.generation if wakeup is not None else 0
        page = index.feed(code, position, 100)
        for entry in page.items:
            position = encode_cursor("feed", entry.event.pos)
            yield ServerSentEvent(data=FeedEventOut.of(entry), event=FEED_EVENT, id=position)
            sent += 1
            if max_events is not None and sent >= max_events:
                return
        if not page.more:
            if wakeup is None:
                await stopping.sleep(poll_seconds)
            else:
                await wakeup.wait(seen, poll_seconds, stopping)


@router.get("/inbox", response_model=Page[CertificateEventOut], responses=problem_responses(401, 403, 422))
async def partner_inbox(
    index: IndexDep, code: SubjectDep, cursor: InboxCursor = None, limit: LimitQuery = 100
) -> Page[CertificateEventOut]:
    """Partners' certificate events ``code`` has not acknowledged yet, oldest first."""
    page = index.inbox(code, cursor, limit)
    return Page(items=[CertificateEventOut.of(e) for e in page.items], next_cursor=page.next_cursor)


@router.post(
    "/acknowledgements",
    status_code=status.HTTP_201_CREATED,
    response_model=AcknowledgementWritten,
    dependencies=IDEMPOTENT,
    responses=write_responses(401, 403, 404, 409, 422, 503),
)
def acknowledge(body: AcknowledgeRequest, runtime: RuntimeDep, principal: PrincipalDep) -> AcknowledgementWritten:
    """Record that the token's administration applied a partner's certificate event (writer tokens)."""
    code = writer_administration(principal)
    issuer = certificate_issuer(parse_certificate_id(body.certificate_id))
    if issuer not in runtime.index.reader.partner_links(code):
        raise forbidden(f"administration {code} has no live MRA with {issuer}, the issuer of this certificate")
    result = as_administration(runtime, code).recognition.acknowledge(body.certificate_id, body.sequence)
    await_write(runtime, result)
    return AcknowledgementWritten(
        certificate_id=body.certificate_id,
        partner=result.partner,
        sequence=result.sequence,
        transaction=transaction(result),
    )
