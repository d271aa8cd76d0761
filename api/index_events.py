"""The index as a :class:`~ledger_client.event_sources.CertificateEventSource` (document verification
reads events from the index and checks the recomputed head against the chain's)."""

from __future__ import annotations

from ledger_client.events import CertificateEvent
from ledger_client.index import Index

_PAGE = 1000


class IndexEventSource:
    """A certificate's events, read from the index in sequence order."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def certificate_events(self, certificate_id: bytes) -> list[CertificateEvent]:
        """Every indexed event of the certificate."""
        events: list[CertificateEvent] = []
        cursor: str | None = None
        while True:
            page = self._index.history(certificate_id, cursor, _PAGE)
            events.extend(row.event() for row in page.items)
            if page.next_cursor is None:
                return events
            cursor = page.next_cursor
