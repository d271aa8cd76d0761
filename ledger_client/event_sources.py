"""Where a certificate's typed events are read from: the chain (``eth_getLogs``), or any other
:class:`CertificateEventSource` (the API's index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledger_client.chain import Chain
from ledger_client.events import CERTIFICATE_EVENTS, CertificateEvent, decode_event, topics_of


class CertificateEventSource(Protocol):
    """Anything that lists a certificate's events in order (the chain, or the index)."""

    def certificate_events(self, certificate_id: bytes) -> Sequence[CertificateEvent]:
        """Every event of the certificate, ordered by sequence."""


class ChainEventSource:
    """Reads a certificate's events with ``eth_getLogs`` filtered by its id topic."""

    def __init__(self, chain: Chain, address: str, from_block: int = 0) -> None:
        self._chain = chain
        self._address = address
        self._from_block = from_block
        self._topics = topics_of(CERTIFICATE_EVENTS)

    def certificate_events(self, certificate_id: bytes) -> list[CertificateEvent]:
        """Every event of the certificate from the deployment block on, ordered by sequence."""
        logs = self._chain.get_logs(self._address, [self._topics, certificate_id], self._from_block)
        events: list[CertificateEvent] = []
        for log in logs:
            event = decode_event(log.topics, log.data)
            if isinstance(event, CertificateEvent):
                events.append(event)
        return sorted(events, key=lambda e: e.sequence)
