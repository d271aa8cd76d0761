""" "Is this trader an AEO we recognise?" at the partner's border, from the documents its envelopes carried.

The answer lists the foreign certificates of the trader that this administration received (it never
knows the others), each with its status and whether this administration recognises it now or at a
moment — the index's recognition rule at T (an MRA in force, scope, validity, the operator's consent),
and the MRA that grants it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ledger_client.exchange.inbox import EnvelopeInbox
from ledger_client.exchange.traders import normalise
from ledger_client.index import Index
from ledger_client.models import CertificateStatus


@dataclass(frozen=True)
class KnownCertificate:
    """A foreign certificate of the trader, as this administration knows it at ``at``."""

    certificate_id: bytes
    issuer: str
    number: str
    legal_name: str
    matched: str
    status: CertificateStatus
    valid: bool
    recognised: bool
    programmes: int
    mra_id: int | None
    document_sequence: int
    received_at: float


@dataclass(frozen=True)
class OperatorAnswer:
    """The answer to one lookup."""

    identifier: str
    administration: str
    at: int
    certificates: tuple[KnownCertificate, ...]


class OperatorLookup:
    """Administration ``me``'s lookup of traders in its received documents."""

    def __init__(self, me: str, index: Index, inbox: EnvelopeInbox) -> None:
        self.me = me
        self._index = index
        self._inbox = inbox

    def find(self, trader_id: str, at: int | None = None) -> OperatorAnswer:
        """The certificates of ``trader_id`` (tax id, EORI or WCO TIN, normalised) at ``at``.

        Default ``at``: now, the later of the wall clock and the last indexed block's time (the chain's now).
        """
        identifier = normalise(trader_id)
        moment = max(int(time.time()), self._index.reader.latest_time()) if at is None else at
        found = []
        for document, kind in self._inbox.find(identifier):
            state = self._index.status_at(document.certificate_id, moment)
            recognition = self._index.recognition_at(document.certificate_id, self.me, moment)
            found.append(
                KnownCertificate(
                    document.certificate_id,
                    document.issuer,
                    document.number,
                    document.legal_name,
                    kind,
                    state.status,
                    state.valid,
                    recognition.recognised,
                    recognition.programmes,
                    recognition.mra_id or None,
                    document.sequence,
                    document.received_at,
                )
            )
        return OperatorAnswer(identifier, self.me, moment, tuple(found))
