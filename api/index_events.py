"""The index as a :class:`~ledger_client.events.CertificateEventSource` (document verification
reads events from the index and checks the recomputed head against the chain's)."""

from __future__ import annotations

from ledger_client.events import CertificateEvent
from ledger_client.index import CertificateEventRow, Index

_PAGE = 1000


def to_event(row: CertificateEventRow) -> CertificateEvent:
    """An index row as the library's event (the state after the event carries its terms)."""
    return CertificateEvent(
        certificate_id=row.certificate_id,
        issuer=row.issuer,
        action=row.action,
        sequence=row.sequence,
        head=row.head,
        reason_code=row.reason_code,
        document_hash=row.document_hash,
        programmes=row.programmes,
        roles=row.roles,
        flags=row.flags,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        block_number=row.block_number,
        transaction_hash=row.tx_hash,
        log_index=row.log_index,
    )


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
            events.extend(to_event(row) for row in page.items)
            if page.next_cursor is None:
                return events
            cursor = page.next_cursor
