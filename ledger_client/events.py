"""Certificate events: decoding logs and replaying their history heads.

A certificate's events commit to its whole history: ``head_n = H(head_{n-1}, id, n, action,
state_after, documentHash, reasonCode)``. :func:`replay_heads` recomputes the chain from the
events alone (with the rules of :mod:`ledger_client.history`, which the auditor uses too) and
says where it breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ledger_client.chain import Chain, LogEntry
from ledger_client.codec import LedgerCodec
from ledger_client.hashing import ZERO_HEAD16, ZERO_HEAD32, number_text
from ledger_client.history import Terms, certificate_inputs
from ledger_client.index.events import (
    CertificateAmended,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
)
from ledger_client.index.events import CertificateEvent as IndexedCertificateEvent
from ledger_client.models import CertificateAction, CertificateStatus

#: Certificate event name → action.
CERTIFICATE_EVENTS: dict[str, CertificateAction] = {
    "CertificateIssued": CertificateAction.ISSUED,
    "CertificateSuspended": CertificateAction.SUSPENDED,
    "CertificateReinstated": CertificateAction.REINSTATED,
    "CertificateRevoked": CertificateAction.REVOKED,
    "CertificateAnnulled": CertificateAction.ANNULLED,
    "CertificateAmended": CertificateAction.AMENDED,
    "CertificateRenewed": CertificateAction.RENEWED,
}
#: Actions whose event carries a document hash.
DOCUMENT_ACTIONS = frozenset({CertificateAction.ISSUED, CertificateAction.AMENDED, CertificateAction.RENEWED})


@dataclass(frozen=True)
class CertificateEvent:
    """One decoded certificate event. Terms are None when the event does not carry them."""

    certificate_id: bytes
    issuer: str
    action: CertificateAction
    sequence: int
    head: bytes
    reason_code: int = 0
    document_hash: bytes | None = None
    number: str | None = None
    programmes: int | None = None
    roles: int | None = None
    flags: int | None = None
    valid_from: int | None = None
    valid_until: int | None = None
    block_number: int | None = None
    transaction_hash: bytes | None = None
    log_index: int | None = None


class CertificateEventSource(Protocol):
    """Anything that lists a certificate's events in order (the chain, or the index)."""

    def certificate_events(self, certificate_id: bytes) -> Sequence[CertificateEvent]:
        """Every event of the certificate, ordered by sequence."""


def decode_certificate_event(name: str, args: dict[str, Any], log: LogEntry | None = None) -> CertificateEvent:
    """Build a :class:`CertificateEvent` from decoded log arguments."""
    action = CERTIFICATE_EVENTS[name]
    document = args.get("documentHash")
    return CertificateEvent(
        certificate_id=bytes(args["id"]),
        issuer=bytes(args["issuer"]).decode("ascii"),
        action=action,
        sequence=int(args.get("sequence", 1)),
        head=bytes(args["head"]),
        reason_code=int(args.get("reasonCode", 0)),
        document_hash=None if document is None else bytes(document),
        number=number_text(bytes(args["number"])) if "number" in args else None,
        programmes=args.get("programmes"),
        roles=args.get("roles"),
        flags=args.get("flags"),
        valid_from=args.get("validFrom"),
        valid_until=args.get("validUntil"),
        block_number=None if log is None else log.block_number,
        transaction_hash=None if log is None else log.transaction_hash,
        log_index=None if log is None else log.log_index,
    )


class ChainEventSource:
    """Reads a certificate's events with ``eth_getLogs`` filtered by its id topic."""

    def __init__(self, chain: Chain, codec: LedgerCodec, address: str, from_block: int = 0) -> None:
        self._chain = chain
        self._codec = codec
        self._address = address
        self._from_block = from_block
        self._topics = [codec.topic(name) for name in CERTIFICATE_EVENTS]

    def certificate_events(self, certificate_id: bytes) -> list[CertificateEvent]:
        """Every event of the certificate from the deployment block on, ordered by sequence."""
        logs = self._chain.get_logs(self._address, [self._topics, certificate_id], self._from_block)
        events = []
        for log in logs:
            decoded = self._codec.decode_log(log.topics, log.data)
            if decoded is not None and decoded[0] in CERTIFICATE_EVENTS:
                events.append(decode_certificate_event(decoded[0], decoded[1], log))
        return sorted(events, key=lambda e: e.sequence)


@dataclass(frozen=True)
class HeadReplay:
    """The outcome of replaying a certificate's events.

    Attributes:
        head: the recomputed head after the last verified event (zero when none is).
        count: number of events verified.
        consistent: every event's recorded head equals the recomputed one and the sequence
            numbers run 1..count without gaps.
        problem: what broke first (None when consistent).
        status/programmes/roles/flags/valid_from/valid_until: the state after the last verified event.
        document_hash: the hash carried by the latest Issued/Amended/Renewed event.
    """

    head: bytes
    count: int
    consistent: bool
    problem: str | None
    status: CertificateStatus
    programmes: int
    roles: int
    flags: int
    valid_from: int
    valid_until: int
    document_hash: bytes | None


def typed_event(event: CertificateEvent) -> IndexedCertificateEvent:
    """The index's typed form of ``event`` (only the fields that kind of event carries)."""
    cid, issuer, head = event.certificate_id, event.issuer, event.head
    document = event.document_hash or ZERO_HEAD32
    scope = {"programmes": int(event.programmes or 0), "roles": int(event.roles or 0), "flags": int(event.flags or 0)}
    validity = {"valid_from": int(event.valid_from or 0), "valid_until": int(event.valid_until or 0)}
    action = event.action
    if action is CertificateAction.ISSUED:
        return CertificateIssued(
            cid,
            issuer,
            number=event.number or "",
            **scope,
            **validity,
            document_hash=document,
            head=head,
        )
    if action is CertificateAction.AMENDED:
        return CertificateAmended(
            cid,
            issuer,
            sequence=event.sequence,
            **scope,
            **validity,
            document_hash=document,
            reason_code=event.reason_code,
            head=head,
        )
    if action is CertificateAction.RENEWED:
        return CertificateRenewed(
            cid,
            issuer,
            sequence=event.sequence,
            **validity,
            document_hash=document,
            head=head,
        )
    return CertificateStatusChanged(cid, issuer, action, event.sequence, event.reason_code, head)


def replay_heads(events: Iterable[CertificateEvent]) -> HeadReplay:
    """Recompute the history head from the events alone (see the module docstring)."""
    head = ZERO_HEAD16
    terms: Terms | None = None
    document: bytes | None = None
    expected = 1
    problem: str | None = None
    for event in events:
        if event.sequence != expected:
            problem = f"event {expected} is missing or out of order (found event {event.sequence})"
            break
        inputs = certificate_inputs(typed_event(event), terms)
        if inputs is None:
            problem = f"event {event.sequence} ({event.action.name.lower()}) comes before the certificate's issue"
            break
        recomputed = inputs.head(head, event.certificate_id)
        if recomputed != event.head:
            problem = f"event {event.sequence} ({event.action.name.lower()}) does not match its recorded head: altered"
            break
        head = recomputed
        terms = inputs.terms
        if event.action in DOCUMENT_ACTIONS:
            document = event.document_hash
        expected += 1
    final = terms or Terms(int(CertificateStatus.NONE), 0, 0, 0, 0, 0)
    return HeadReplay(
        head=head,
        count=expected - 1,
        consistent=problem is None,
        problem=problem,
        status=CertificateStatus(final.status),
        programmes=final.programmes,
        roles=final.roles,
        flags=final.flags,
        valid_from=final.valid_from,
        valid_until=final.valid_until,
        document_hash=document,
    )
