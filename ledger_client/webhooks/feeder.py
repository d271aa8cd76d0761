"""From the index into the outbox: each endpoint's new events are rendered, signed bodies enqueued.

The :class:`Feeder` scans, for every endpoint, the events after its cursor (see
:func:`~ledger_client.webhooks.events.collect`) and enqueues them with the new cursor in one
transaction, so a scan interrupted anywhere (even by ``kill -9``) is simply done again. When the
index rewinds a reorg below an endpoint's cursor, the cursor follows it back and the events of the
new branch are enqueued (those with an id already queued are not queued twice).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from ledger_client.index import Index
from ledger_client.webhooks.events import WebhookEvent, collect
from ledger_client.webhooks.store import Endpoint, Message, Outbox

#: ``render(administration, event) -> JSON body`` (the API renders with its response schemas).
Renderer = Callable[[str, WebhookEvent], bytes]


class Feeder:
    """Moves events from the index to the outbox (thread-safe: each step is one outbox transaction)."""

    def __init__(
        self, index: Index, outbox: Outbox, render: Renderer, *, batch: int = 500, max_pages: int = 20
    ) -> None:
        self._index = index
        self._outbox = outbox
        self._render = render
        self._batch = batch
        self._max_pages = max_pages
        self._lock = threading.Lock()
        self._seen_block = index.block_number
        self._rewound_to: int | None = None

    def note_block(self, block: int) -> None:
        """The index moved to ``block`` (an index listener): remember a move backwards (a reorg)."""
        with self._lock:
            if block < self._seen_block:
                self._rewound_to = block if self._rewound_to is None else min(self._rewound_to, block)
            self._seen_block = block

    def messages(self, administration: str, events: list[WebhookEvent]) -> list[Message]:
        """The outbox messages of ``events`` for ``administration``."""
        return [Message(e.id, e.type, e.pos, e.occurred_at, self._render(administration, e)) for e in events]

    def scan(self) -> bool:
        """Enqueue every endpoint's new events; ``True`` when some remain for the next scan (bounded work)."""
        with self._lock:
            rewound, self._rewound_to = self._rewound_to, None
        if rewound is not None:
            self._outbox.clamp_cursors((rewound + 1 << 20) - 1)
        more = False
        for endpoint in self._outbox.endpoints():
            more |= self._scan_endpoint(endpoint)
        return more

    def _scan_endpoint(self, endpoint: Endpoint) -> bool:
        for _ in range(self._max_pages):
            events, through = collect(self._index, endpoint.administration, endpoint.cursor_pos, self._batch)
            if through <= endpoint.cursor_pos:
                return False
            self._outbox.enqueue(endpoint, self.messages(endpoint.administration, events), through)
            endpoint = replace(endpoint, cursor_pos=through)
            if len(events) < self._batch:
                return False
        return True

    def replay(self, endpoint: Endpoint, from_pos: int, max_events: int) -> tuple[list[str], bool]:
        """Queue again every event for ``endpoint`` from chain position ``from_pos`` up to its cursor
        (at most ``max_events``); return their ids and whether more were left out."""
        ids: list[str] = []
        after = from_pos - 1
        while len(ids) < max_events:
            events, through = collect(self._index, endpoint.administration, after, min(self._batch, max_events))
            events = [e for e in events if e.pos <= endpoint.cursor_pos][: max_events - len(ids)]
            if not events:
                return ids, False
            ids += self._outbox.requeue(endpoint, self.messages(endpoint.administration, events))
            after = events[-1].pos
            if through > endpoint.cursor_pos:
                return ids, False
        left, _ = collect(self._index, endpoint.administration, after, 1)
        return ids, bool(left) and left[0].pos <= endpoint.cursor_pos
