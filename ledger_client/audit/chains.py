"""Recomputing history heads from events (with :mod:`ledger_client.hashing`) and locating faults.

Each event is checked on its own: its data, chained from the head emitted by the previous
event, must hash to the head it emits. A single altered, missing or reordered event is thus
named precisely, and the head recomputed from the data alone is compared with the chain's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ledger_client.audit.findings import Finding, FindingKind
from ledger_client.events import (
    CertificateEvent,
    EventRecord,
    MraAccepted,
    MraEvent,
    MraProposed,
    MraStatusChanged,
)
from ledger_client.hashing import ZERO_HEAD16, ZERO_HEAD32, mra_head, mra_terms_hash
from ledger_client.history import State, certificate_inputs
from ledger_client.models import MraAction, MraStatus


def order_findings(sequences: Sequence[int], records: Sequence[EventRecord]) -> list[Finding]:
    """Duplicates and out-of-order arrivals, from the sequence numbers in the order read."""
    findings: list[Finding] = []
    seen: set[int] = set()
    highest = 0
    for sequence, record in zip(sequences, records, strict=True):
        where = record.position
        if sequence in seen:
            findings.append(
                Finding(
                    FindingKind.DUPLICATE,
                    sequence,
                    f"event #{sequence} was returned twice",
                    where.block_number,
                    where.tx_hash,
                )
            )
        elif sequence < highest:
            findings.append(
                Finding(
                    FindingKind.REORDERED,
                    sequence,
                    f"event #{sequence} was returned after event #{highest}",
                    where.block_number,
                    where.tx_hash,
                )
            )
        seen.add(sequence)
        highest = max(highest, sequence)
    return findings


def _by_sequence(
    sequences: Sequence[int], records: Sequence[EventRecord]
) -> tuple[list[Finding], dict[int, EventRecord]]:
    """The order findings, and the first record read of each sequence number."""
    by_sequence: dict[int, EventRecord] = {}
    for sequence, record in zip(sequences, records, strict=True):
        by_sequence.setdefault(sequence, record)
    return order_findings(sequences, records), by_sequence


def _walk(
    by_sequence: dict[int, EventRecord], onchain_count: int, noun: str, findings: list[Finding]
) -> Iterator[tuple[int, EventRecord | None]]:
    """Every sequence number up to the highest on chain or read, with its record (``None`` when
    absent); a missing event and one beyond the on-chain count are reported on the way."""
    for sequence in range(1, max([onchain_count, *by_sequence]) + 1):
        found = by_sequence.get(sequence)
        if found is None:
            if sequence <= onchain_count:
                findings.append(Finding(FindingKind.MISSING, sequence, f"{noun} #{sequence} is missing"))
        elif sequence > onchain_count:
            findings.append(
                Finding(
                    FindingKind.UNEXPECTED,
                    sequence,
                    f"{noun} #{sequence} is beyond the on-chain count {onchain_count}",
                    found.position.block_number,
                    found.position.tx_hash,
                )
            )
        yield sequence, found


def audit_certificate_events(
    certificate_id: bytes, records: Sequence[EventRecord], onchain_count: int
) -> tuple[list[Finding], bytes]:
    """Findings for a certificate's events as read, and the head recomputed from their data alone."""
    findings, by_sequence = _by_sequence([_certificate_event(r).sequence for r in records], records)
    emitted_previous: bytes | None = ZERO_HEAD16
    recomputed = ZERO_HEAD16
    state: State | None = None
    for sequence, found in _walk(by_sequence, onchain_count, "event", findings):
        if found is None:
            emitted_previous = None
            continue
        event = _certificate_event(found)
        where = found.position
        inputs = certificate_inputs(event, state)
        if inputs is None:
            emitted_previous = event.head
            continue
        recomputed = inputs.head(recomputed, certificate_id)
        if emitted_previous is not None:
            own = inputs.head(emitted_previous, certificate_id)
            if own != event.head:
                findings.append(
                    Finding(
                        FindingKind.ALTERED,
                        sequence,
                        f"event #{sequence} ({inputs.action.name.lower()}): its data does not hash to"
                        f" its head 0x{event.head.hex()} (expected 0x{own.hex()})",
                        where.block_number,
                        where.tx_hash,
                    )
                )
        emitted_previous = event.head
        state = inputs.state
    return findings, recomputed


def _certificate_event(record: EventRecord) -> CertificateEvent:
    event = record.event
    if not isinstance(event, CertificateEvent):
        raise TypeError(f"not a certificate event: {type(event).__name__}")
    return event


def _mra_event(record: EventRecord) -> MraEvent:
    event = record.event
    if not isinstance(event, MraEvent):
        raise TypeError(f"not an MRA event: {type(event).__name__}")
    return event


def mra_sequence(event: MraEvent) -> int:
    """The event number of an MRA event (proposal is 1)."""
    return 1 if isinstance(event, MraProposed) else event.sequence


def _mra_step(event: MraEvent) -> tuple[MraAction, str, MraStatus, int]:
    if isinstance(event, MraProposed):
        return MraAction.PROPOSED, event.proposer, MraStatus.PROPOSED, 0
    if isinstance(event, MraAccepted):
        return MraAction.ACCEPTED, event.party, event.status, 0
    assert isinstance(event, MraStatusChanged)
    return event.action, event.party, event.status, event.reason_code


def audit_mra_events(
    mra_id: int, records: Sequence[EventRecord], onchain_count: int, onchain_terms_hash: bytes
) -> tuple[list[Finding], bytes]:
    """Findings for an MRA's events as read, and the head recomputed from their data alone.

    The terms hash comes from the proposal event; when that is missing the on-chain terms hash
    is used so that later events can still be checked.
    """
    findings, by_sequence = _by_sequence([mra_sequence(_mra_event(r)) for r in records], records)
    proposal = by_sequence.get(1)
    terms_hash = onchain_terms_hash
    if proposal is not None and isinstance(proposal.event, MraProposed):
        p = proposal.event
        terms_hash = mra_terms_hash(p.programmes, p.roles, p.effective_from, p.document_hash, p.parties)
    emitted_previous: bytes | None = ZERO_HEAD32
    recomputed = ZERO_HEAD32
    for sequence, found in _walk(by_sequence, onchain_count, "MRA event", findings):
        if found is None:
            emitted_previous = None
            continue
        where = found.position
        event = _mra_event(found)
        action, actor, status, reason = _mra_step(event)
        recomputed = mra_head(recomputed, mra_id, sequence, int(action), actor, int(status), terms_hash, reason)
        if emitted_previous is not None:
            own = mra_head(emitted_previous, mra_id, sequence, int(action), actor, int(status), terms_hash, reason)
            if own != event.head:
                findings.append(
                    Finding(
                        FindingKind.ALTERED,
                        sequence,
                        f"MRA event #{sequence} ({action.name.lower()} by {actor}): its data does not"
                        f" hash to its head 0x{event.head.hex()}",
                        where.block_number,
                        where.tx_hash,
                    )
                )
        emitted_previous = event.head
    return findings, recomputed
