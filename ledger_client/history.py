"""What each certificate event contributes to the history head, from the typed events alone.

``head_n = H(head_{n-1}, id, n, action, state_after, documentHash, reasonCode)``: the state after
an event (status, scope, flags, validity) follows from the event and the state before it. The
auditor's per-event checks, its history reports and the document verification of the library
all derive it here; :func:`replay_heads` recomputes a whole history and says where it breaks
(document verification), the auditor's :mod:`ledger_client.audit.chains` reports every fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger_client.events import (
    CertificateAmended,
    CertificateEvent,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
    Terms,
)
from ledger_client.hashing import ZERO_HEAD16, ZERO_HEAD32, certificate_head, pack_state
from ledger_client.models import CertificateAction, CertificateStatus

_STATUS_AFTER = {
    CertificateAction.SUSPENDED: CertificateStatus.SUSPENDED,
    CertificateAction.REINSTATED: CertificateStatus.ACTIVE,
    CertificateAction.REVOKED: CertificateStatus.REVOKED,
    CertificateAction.ANNULLED: CertificateStatus.ANNULLED,
}


@dataclass(frozen=True)
class State:
    """A certificate's state after an event: its status and terms (the packed ``state`` input of the head)."""

    status: int
    terms: Terms

    def packed(self) -> int:
        """The state word."""
        return pack_state(self.status, *self.terms)


@dataclass(frozen=True)
class HeadInputs:
    """What one certificate event contributes to the head."""

    sequence: int
    action: CertificateAction
    state: State
    document_hash: bytes
    reason_code: int

    def head(self, previous: bytes, certificate_id: bytes) -> bytes:
        """The head after this event, chained from ``previous``."""
        return certificate_head(
            previous,
            certificate_id,
            self.sequence,
            int(self.action),
            self.state.packed(),
            self.document_hash,
            self.reason_code,
        )


def certificate_inputs(event: CertificateEvent, previous: State | None) -> HeadInputs | None:
    """The head inputs of an event given the state before it (``None`` when that is unknown)."""
    if isinstance(event, CertificateIssued):
        state = State(int(CertificateStatus.ACTIVE), event.terms)
        return HeadInputs(1, CertificateAction.ISSUED, state, event.document_hash, 0)
    if previous is None:
        return None
    if isinstance(event, CertificateStatusChanged):
        state = State(int(_STATUS_AFTER[event.action]), previous.terms)
        return HeadInputs(event.sequence, event.action, state, ZERO_HEAD32, event.reason_code)
    if isinstance(event, CertificateAmended):
        state = State(previous.status, event.terms)
        return HeadInputs(event.sequence, CertificateAction.AMENDED, state, event.document_hash, event.reason_code)
    assert isinstance(event, CertificateRenewed)
    state = State(previous.status, previous.terms.renewed(event.valid_from, event.valid_until))
    return HeadInputs(event.sequence, CertificateAction.RENEWED, state, event.document_hash, 0)


#: Actions whose event carries a document hash.
DOCUMENT_ACTIONS = frozenset({CertificateAction.ISSUED, CertificateAction.AMENDED, CertificateAction.RENEWED})
#: The state before a certificate's issue.
NO_STATE = State(int(CertificateStatus.NONE), Terms(0, 0, 0, 0, 0))


@dataclass(frozen=True)
class HeadReplay:
    """The outcome of replaying a certificate's events.

    Attributes:
        head: the recomputed head after the last verified event (zero when none is).
        count: number of events verified.
        consistent: every event's recorded head equals the recomputed one and the sequence
            numbers run 1..count without gaps.
        problem: what broke first (None when consistent).
        state: the status and terms after the last verified event (:data:`NO_STATE` when none is).
        document_hash: the hash carried by the latest Issued/Amended/Renewed event.
    """

    head: bytes
    count: int
    consistent: bool
    problem: str | None
    state: State
    document_hash: bytes | None

    @property
    def status(self) -> CertificateStatus:
        """The status after the last verified event."""
        return CertificateStatus(self.state.status)


def replay_heads(events: Iterable[CertificateEvent]) -> HeadReplay:
    """Recompute the history head from the events alone, in the order given; stop at the first fault."""
    head = ZERO_HEAD16
    state: State | None = None
    document: bytes | None = None
    expected = 1
    problem: str | None = None
    for event in events:
        if event.sequence != expected:
            problem = f"event {expected} is missing or out of order (found event {event.sequence})"
            break
        inputs = certificate_inputs(event, state)
        if inputs is None:
            problem = f"event {event.sequence} ({event.action.name.lower()}) comes before the certificate's issue"
            break
        recomputed = inputs.head(head, event.certificate_id)
        if recomputed != event.head:
            problem = f"event {event.sequence} ({event.action.name.lower()}) does not match its recorded head: altered"
            break
        head, state = recomputed, inputs.state
        if inputs.action in DOCUMENT_ACTIONS:
            document = inputs.document_hash
        expected += 1
    return HeadReplay(head, expected - 1, problem is None, problem, state or NO_STATE, document)
