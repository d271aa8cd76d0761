"""Typed, frozen results of index queries, and opaque pagination cursors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ledger_client import events
from ledger_client.errors import InvalidCursorError
from ledger_client.models import (
    FLAG_SME,
    Administration,
    Certificate,
    CertificateAction,
    CertificateStatus,
    ExchangeKey,
    Mra,
    MraAction,
    MraStatus,
    consents,
)

__all__ = [
    "CURSOR_VALUES",
    "KPI_UNITS",
    "AdministrationKpis",
    "CertificateEventRow",
    "CertificateStateAt",
    "ChainRecord",
    "FeedEntry",
    "FeedPage",
    "IndexedAdministration",
    "IndexedCertificate",
    "IndexedExchangeKey",
    "IndexedMra",
    "IssuerEvent",
    "LatencyStats",
    "MonthKpis",
    "MraEventRow",
    "MraScope",
    "Page",
    "Percentiles",
    "ProgrammeKpis",
    "RecordedTerms",
    "SignerPeriod",
    "cursor_pattern",
    "decode_cursor",
    "encode_cursor",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; pass ``next_cursor`` to get the next page (``None`` at the end)."""

    items: tuple[T, ...]
    next_cursor: str | None


#: The value each kind of query's cursor carries, as a regular expression: a cursor is
#: ``<kind>.<value>``, so that a cursor's whole validity can be stated (the OpenAPI document gives
#: each query parameter its :func:`cursor_pattern`) and anything that matches is a valid cursor.
CURSOR_VALUES: dict[str, str] = {
    "feed": r"-1|[0-9]{1,18}",  # position of the last event seen (-1: before the first)
    "inbox": r"-1|[0-9]{1,18}",
    "history": r"[0-9]{1,18}",  # sequence number of the last event seen
    "certificates": r"[0-9a-f]{64}",  # id of the last certificate seen
    "deliveries": r"[0-9]{1,18}",  # id of the last webhook delivery seen
}


def cursor_pattern(kind: str) -> str:
    """The regular expression every cursor of a ``kind`` query matches (and every match is valid)."""
    return rf"^{kind}\.(?:{CURSOR_VALUES[kind]})$"


def encode_cursor(kind: str, value: int | str) -> str:
    """A pagination cursor ``<kind>.<value>`` (clients treat it as opaque)."""
    cursor = f"{kind}.{value}"
    if re.fullmatch(cursor_pattern(kind), cursor) is None:
        raise ValueError(f"{value!r} is not a {kind!r} cursor value")
    return cursor


def decode_cursor(cursor: str, kind: str) -> list[str]:
    """The value of a cursor made by :func:`encode_cursor` for the same ``kind`` of query (one-item list)."""
    if re.fullmatch(cursor_pattern(kind), cursor) is None:
        other, dot, _ = cursor.partition(".")
        if dot and other in CURSOR_VALUES and other != kind:
            raise InvalidCursorError(f"cursor {cursor!r} does not belong to a {kind!r} query")
        raise InvalidCursorError(f"malformed cursor {cursor!r}: a {kind!r} cursor is the next_cursor of a page")
    return [cursor.partition(".")[2]]


@dataclass(frozen=True)
class RecordedTerms:
    """A certificate's recorded status and terms: now, after one of its events, or at a time."""

    status: CertificateStatus
    programmes: int
    roles: int
    flags: int
    valid_from: int
    valid_until: int

    @property
    def sme(self) -> bool:
        """Whether the operator is an SME (flag bit 0)."""
        return bool(self.flags & FLAG_SME)

    @property
    def consent(self) -> bool:
        """Whether the operator consents to the exchange with MRA partners (flag bit 1 clear)."""
        return consents(self.flags)

    @property
    def terms(self) -> events.Terms:
        """The certificate's terms."""
        return events.Terms(self.programmes, self.roles, self.flags, self.valid_from, self.valid_until)


@dataclass(frozen=True)
class ChainRecord:
    """Where an indexed event sits on the chain, and who sent its transaction (``None`` when unknown)."""

    block_number: int
    block_time: int
    log_index: int
    tx_hash: bytes
    sender: str | None

    @property
    def pos(self) -> int:
        """Chain order key ``block << 20 | log index``."""
        return self.block_number << 20 | self.log_index


@dataclass(frozen=True)
class IndexedCertificate(RecordedTerms):
    """A certificate's current state as indexed, with its number, document and issue time."""

    id: bytes
    issuer: str
    number: str
    document_hash: bytes
    event_count: int
    head: bytes
    issued_block: int
    issued_time: int

    def to_model(self) -> Certificate:
        """The domain model (same shape as read from the chain)."""
        return Certificate(
            self.id,
            self.issuer,
            self.status,
            self.programmes,
            self.roles,
            self.sme,
            self.valid_from,
            self.valid_until,
            self.event_count,
            self.head,
            self.consent,
        )


@dataclass(frozen=True)
class CertificateEventRow(RecordedTerms, ChainRecord):
    """One event of a certificate's history with the state after it (its terms) and its position on the chain."""

    certificate_id: bytes
    sequence: int
    action: CertificateAction
    document_hash: bytes  # the event's document (zero for status changes): an input of the head
    reason_code: int
    head: bytes

    @property
    def issuer(self) -> str:
        """The issuing administration (the id's first two bytes)."""
        return self.certificate_id[:2].decode("latin-1")

    def event(self) -> events.CertificateEvent:
        """The typed event this row records (the state after it gives the terms; no number)."""
        cid, issuer, head, action = self.certificate_id, self.issuer, self.head, self.action
        if action is CertificateAction.ISSUED:
            return events.CertificateIssued(cid, issuer, "", self.terms, self.document_hash, head)
        if action is CertificateAction.AMENDED:
            return events.CertificateAmended(
                cid, issuer, self.sequence, self.terms, self.document_hash, self.reason_code, head
            )
        if action is CertificateAction.RENEWED:
            return events.CertificateRenewed(
                cid, issuer, self.sequence, self.valid_from, self.valid_until, self.document_hash, head
            )
        return events.CertificateStatusChanged(cid, issuer, action, self.sequence, self.reason_code, head)


@dataclass(frozen=True)
class CertificateStateAt(RecordedTerms):
    """A certificate's recorded state at a time: the state after its last event at or before ``at``
    (status ``NONE`` when not yet issued at ``at``; ``sequence``: that event, 0 when none).
    ``annulled_later``: annulment voids a certificate from the start, even for earlier times."""

    certificate_id: bytes
    at: int
    sequence: int
    annulled_later: bool

    @property
    def valid(self) -> bool:
        """Active and within its validity period at ``at`` (the on-chain rule)."""
        return (
            self.status == CertificateStatus.ACTIVE
            and self.valid_from <= self.at
            and (self.valid_until == 0 or self.at <= self.valid_until)
        )

    @property
    def expired(self) -> bool:
        """Past its validity at ``at`` (expiry is derived, never stored)."""
        return self.valid_until != 0 and self.at > self.valid_until


@dataclass(frozen=True)
class IndexedMra:
    """An MRA as indexed: its terms, parties and who has accepted."""

    id: int
    status: MraStatus
    proposer: str
    parties: tuple[str, ...]
    accepted: tuple[str, ...]
    programmes: int
    roles: int
    effective_from: int
    document_hash: bytes
    terms_hash: bytes
    accepted_count: int
    event_count: int
    head: bytes
    live_block: int | None  # block in which every party had accepted
    terminated_block: int | None

    def to_model(self) -> Mra:
        """The domain model (same shape as read from the chain)."""
        return Mra(
            self.id,
            self.status,
            self.proposer,
            self.parties,
            self.programmes,
            self.roles,
            self.effective_from,
            self.accepted_count,
            self.event_count,
            self.document_hash,
            self.head,
            self.terms_hash,
        )


@dataclass(frozen=True)
class MraEventRow(ChainRecord):
    """One event of an MRA's history and its position on the chain."""

    mra_id: int
    sequence: int
    action: MraAction
    actor: str
    status: MraStatus  # after the event
    reason_code: int
    head: bytes


@dataclass(frozen=True)
class IndexedAdministration:
    """An administration as indexed."""

    code: str
    name: str
    frozen: bool
    signers: tuple[str, ...]
    registered_block: int

    def to_model(self) -> Administration:
        """The domain model."""
        return Administration(self.code, self.name, self.frozen, self.signers)


@dataclass(frozen=True)
class IndexedExchangeKey:
    """One publication of an administration's exchange key and gateway URL, as indexed."""

    code: str
    version: int
    public_key: bytes
    gateway_url: str
    block_number: int
    block_time: int
    tx_hash: bytes
    sender: str | None

    def to_model(self) -> ExchangeKey:
        """The domain model."""
        return ExchangeKey(self.code, self.public_key, self.gateway_url, self.version)


@dataclass(frozen=True)
class FeedEntry:
    """A certificate event delivered to a partner, and whether the partner acknowledged it."""

    event: CertificateEventRow
    acknowledged: bool
    acknowledged_block: int | None


@dataclass(frozen=True)
class MraScope:
    """The scope of a live MRA joining a partner and an issuer, and the ``pos`` it became live at."""

    mra_id: int
    programmes: int
    roles: int
    live_pos: int


@dataclass(frozen=True)
class FeedPage:
    """One page of a partner's feed.

    ``next_cursor`` is never empty: after the last event returned (or the cursor asked with, when
    nothing new arrived), so a poller always has a position to resume from. ``more`` says whether
    events after it are already indexed (ask again at once) or not (wait, then ask with it).
    """

    items: tuple[FeedEntry, ...]
    next_cursor: str
    more: bool


@dataclass(frozen=True)
class IssuerEvent:
    """A recent event of an administration's certificate, and which partners acknowledged it."""

    event: CertificateEventRow
    acknowledged_by: tuple[str, ...]


@dataclass(frozen=True)
class Percentiles:
    """Count and nearest-rank percentiles of acknowledgement latencies, in seconds (block time of
    the acknowledgement minus block time of the event acknowledged); all 0 when there are none."""

    count: int
    p50: float
    p90: float
    p95: float
    p99: float
    max: float


@dataclass(frozen=True, kw_only=True)
class LatencyStats(Percentiles):
    """Acknowledgement latency of one partner (seconds, block time of ack minus block time of event)."""

    partner: str


@dataclass(frozen=True)
class ProgrammeKpis:
    """Figures of one programme: certificates with its bit (count), those of SMEs (count) and their
    share (fraction 0..1), the latency of partners' acknowledgements of those certificates' events
    (seconds), and those in force whose operator withholds consent (count; see
    :attr:`AdministrationKpis.consent_withheld`)."""

    programme: str
    certificates: int
    sme: int
    sme_share: float
    acknowledgement_latency: Percentiles
    consent_withheld: int = 0


@dataclass(frozen=True)
class MonthKpis:
    """One UTC calendar month ``[start, end)`` (Unix seconds) of an administration's history.

    ``events``: certificate events recorded in the month (count) by action name; ``by_status``:
    certificates (count) by status at the month's end (at ``at`` for the month containing it), with
    ``EXPIRED`` derived as in :class:`AdministrationKpis`; ``acknowledgements``: partners'
    acknowledgements recorded in the month (count) and their latency (seconds); ``by_programme``:
    per programme, its certificates (count) by status at the month's end (``ACTIVE``: in force; a
    certificate counts under each of its programmes).
    """

    month: str
    start: int
    end: int
    events: dict[str, int]
    by_status: dict[str, int]
    acknowledgements: int
    acknowledgement_latency: Percentiles
    by_programme: dict[str, dict[str, int]] = field(default_factory=dict)


#: The unit of every figure of :class:`AdministrationKpis` (dotted paths for nested figures).
KPI_UNITS: dict[str, str] = {
    "at": "instant (Unix seconds in the library, ISO 8601 UTC in the API)",
    "certificates": "certificates (count)",
    "by_status": "certificates (count) by status at `at`; EXPIRED = Active past its validity",
    "by_programme": "certificates (count) with the programme; one certificate counts under each of its programmes",
    "by_role": "certificates (count) with the role; one certificate counts under each of its roles",
    "sme": "certificates (count) of SMEs",
    "non_sme": "certificates (count) of other operators",
    "sme_share": "fraction (0..1) of the certificates that are SMEs'",
    "acknowledgement_latency": "seconds from an event's block time to the partner's acknowledgement's block time",
    "consent_withheld": "certificates (count) in force at `at` (ACTIVE) whose operator withholds consent to the"
    " exchange with MRA partners, so that no partner recognises them",
    "programmes.certificates": "certificates (count) with the programme",
    "programmes.sme": "certificates (count) of SMEs with the programme",
    "programmes.sme_share": "fraction (0..1) of the programme's certificates that are SMEs'",
    "programmes.acknowledgement_latency": "seconds, over acknowledgements of events of the programme's certificates",
    "programmes.consent_withheld": "certificates (count) with the programme in force at `at` whose operator"
    " withholds consent, so that no MRA partner recognises them",
    "monthly.month": "UTC calendar month (YYYY-MM), from `start` (inclusive) to `end` (exclusive)",
    "monthly.start": "instant (Unix seconds), first of the month (inclusive)",
    "monthly.end": "instant (Unix seconds), first of the next month (exclusive)",
    "monthly.events": "certificate events (count) recorded in the month, by action",
    "monthly.by_status": "certificates (count) by status at the end of the month (at `at` for the last one)",
    "monthly.acknowledgements": "acknowledgements (count) recorded in the month",
    "monthly.acknowledgement_latency": "seconds, over the acknowledgements recorded in the month",
    "monthly.by_programme": "certificates (count) of each programme by status at the end of the month"
    " (ACTIVE = in force; one certificate counts under each of its programmes)",
}


@dataclass(frozen=True)
class AdministrationKpis:
    """Key figures of one administration's certificates at time ``at``.

    ``by_programme`` and ``by_role`` count certificates with the bit set (a certificate with two
    programmes counts under both); ``by_status`` uses stored statuses plus ``EXPIRED`` for Active
    certificates past their validity at ``at``. ``programmes`` gives SME share and acknowledgement
    latency per programme, ``monthly`` the history month by month; ``units`` names the unit of
    every figure (:data:`KPI_UNITS`). ``consent_withheld`` counts the certificates in force at ``at``
    (reported ``ACTIVE``) whose operator withholds consent to the exchange with MRA partners
    (:data:`~ledger_client.models.FLAG_CONSENT_WITHHELD`): no partner recognises them for that reason.
    """

    code: str
    at: int
    certificates: int
    by_status: dict[str, int] = field(default_factory=dict)
    by_programme: dict[str, int] = field(default_factory=dict)
    by_role: dict[str, int] = field(default_factory=dict)
    sme: int = 0
    non_sme: int = 0
    acknowledgement_latency: tuple[LatencyStats, ...] = ()
    sme_share: float = 0.0
    programmes: tuple[ProgrammeKpis, ...] = ()
    monthly: tuple[MonthKpis, ...] = ()
    consent_withheld: int = 0
    units: dict[str, str] = field(default_factory=lambda: dict(KPI_UNITS))


@dataclass(frozen=True)
class SignerPeriod:
    """A span during which an address was a signer of an administration (from the chain's events).

    ``added_time``/``removed_time`` are the block timestamps of the events that added and removed
    it (registration counts as an addition); ``removed_time`` is None while it is still a signer.
    """

    code: str
    address: str
    added_block: int
    added_time: int
    removed_block: int | None
    removed_time: int | None

    def covers(self, timestamp: int) -> bool:
        """Whether the address was a signer at ``timestamp`` (added at or before it, removed after it)."""
        return self.added_time <= timestamp and (self.removed_time is None or timestamp < self.removed_time)
