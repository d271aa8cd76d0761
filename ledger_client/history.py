"""What each certificate event contributes to the history head, from the typed events alone.

``head_n = H(head_{n-1}, id, n, action, state_after, documentHash, reasonCode)``: the state after
an event (status, scope, flags, validity) follows from the event and the state before it. The
auditor's per-event checks, its history reports and the document verification of the library
all derive it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client.hashing import ZERO_HEAD32, certificate_head, pack_state
from ledger_client.index.events import (
    CertificateAmended,
    CertificateEvent,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
)
from ledger_client.models import CertificateAction, CertificateStatus

_STATUS_AFTER = {
    CertificateAction.SUSPENDED: CertificateStatus.SUSPENDED,
    CertificateAction.REINSTATED: CertificateStatus.ACTIVE,
    CertificateAction.REVOKED: CertificateStatus.REVOKED,
    CertificateAction.ANNULLED: CertificateStatus.ANNULLED,
}


@dataclass(frozen=True)
class Terms:
    """A certificate's state after an event (the packed ``state`` input of the head)."""

    status: int
    programmes: int
    roles: int
    flags: int
    valid_from: int
    valid_until: int

    def packed(self) -> int:
        """The state word."""
        return pack_state(self.status, self.programmes, self.roles, self.flags, self.valid_from, self.valid_until)


@dataclass(frozen=True)
class HeadInputs:
    """What one certificate event contributes to the head."""

    sequence: int
    action: CertificateAction
    terms: Terms
    document_hash: bytes
    reason_code: int

    def head(self, previous: bytes, certificate_id: bytes) -> bytes:
        """The head after this event, chained from ``previous``."""
        return certificate_head(
            previous,
            certificate_id,
            self.sequence,
            int(self.action),
            self.terms.packed(),
            self.document_hash,
            self.reason_code,
        )


def certificate_sequence(event: CertificateEvent) -> int:
    """The event number of a certificate event (issue is 1)."""
    return 1 if isinstance(event, CertificateIssued) else event.sequence


def certificate_inputs(event: CertificateEvent, previous: Terms | None) -> HeadInputs | None:
    """The head inputs of an event given the state before it (``None`` when that is unknown)."""
    if isinstance(event, CertificateIssued):
        terms = Terms(1, event.programmes, event.roles, event.flags, event.valid_from, event.valid_until)
        return HeadInputs(1, CertificateAction.ISSUED, terms, event.document_hash, 0)
    if previous is None:
        return None
    if isinstance(event, CertificateStatusChanged):
        terms = Terms(
            int(_STATUS_AFTER[event.action]),
            previous.programmes,
            previous.roles,
            previous.flags,
            previous.valid_from,
            previous.valid_until,
        )
        return HeadInputs(event.sequence, event.action, terms, ZERO_HEAD32, event.reason_code)
    if isinstance(event, CertificateAmended):
        terms = Terms(previous.status, event.programmes, event.roles, event.flags, event.valid_from, event.valid_until)
        return HeadInputs(event.sequence, CertificateAction.AMENDED, terms, event.document_hash, event.reason_code)
    assert isinstance(event, CertificateRenewed)
    terms = Terms(
        previous.status, previous.programmes, previous.roles, previous.flags, event.valid_from, event.valid_until
    )
    return HeadInputs(event.sequence, CertificateAction.RENEWED, terms, event.document_hash, 0)
