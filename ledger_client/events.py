"""The typed events of the AeoLedger contract: one frozen dataclass per kind of change, and how
a log becomes one.

The one event model of the library: the index, the audit, the history heads
(:mod:`ledger_client.history`) and document verification read these. Each event carries
everything needed to rebuild state without extra calls; the four status changes of a
certificate (suspend, reinstate, revoke, annul) share one type, as do the MRA's suspension,
resumption and termination. Every certificate event has ``sequence`` and ``action``.

Adding an event is one change here: its dataclass (added to the matching union below) and one
entry in :data:`BUILDERS` (event name → typed event from the decoded arguments). Its ABI comes
from the artifact (:mod:`ledger_client.codec`); a log whose event has no builder is not
decoded (the index skips it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, ClassVar, NamedTuple

from ledger_client.codec import EventAbi, ledger_codec
from ledger_client.models import CertificateAction, MraAction, MraStatus


class Terms(NamedTuple):
    """What a certificate covers and when: programmes and operator roles (bitmasks), flags (SME)
    and validity (Unix seconds; ``valid_until`` 0 = open-ended). A tuple, in this order."""

    programmes: int
    roles: int
    flags: int
    valid_from: int
    valid_until: int

    def renewed(self, valid_from: int, valid_until: int) -> Terms:
        """The same scope with a new validity period."""
        return self._replace(valid_from=valid_from, valid_until=valid_until)


@dataclass(frozen=True, slots=True)
class LogPosition:
    """Where an event sits on the chain, and who sent its transaction (``None`` when unknown)."""

    block_number: int
    block_hash: bytes
    block_time: int
    tx_hash: bytes
    tx_index: int
    log_index: int
    sender: str | None

    @property
    def pos(self) -> int:
        """A single integer that orders events on the chain: ``block << 20 | log index``."""
        return self.block_number << 20 | self.log_index


@dataclass(frozen=True, slots=True)
class AdministrationRegistered:
    """Governance registered an administration with its first signer."""

    code: str
    name: str
    signer: str


@dataclass(frozen=True, slots=True)
class AdministrationFrozenChanged:
    """Governance froze (``frozen=True``) or unfroze an administration."""

    code: str
    frozen: bool


@dataclass(frozen=True, slots=True)
class SignerChanged:
    """A signer was added (``added=True``) to or removed from an administration by ``by``."""

    code: str
    signer: str
    by: str
    added: bool


@dataclass(frozen=True, slots=True)
class ExchangeKeyPublished:
    """An administration published (or rotated) its exchange key and gateway URL (``version`` 1, 2, …)."""

    code: str
    public_key: bytes
    gateway_url: str
    version: int


@dataclass(frozen=True, slots=True)
class CertificateIssued:
    """A certificate was issued (event 1, status Active)."""

    certificate_id: bytes
    issuer: str
    number: str
    terms: Terms
    document_hash: bytes
    head: bytes

    sequence: ClassVar[int] = 1  # the issue is a certificate's event 1
    action: ClassVar[CertificateAction] = CertificateAction.ISSUED


@dataclass(frozen=True, slots=True)
class CertificateStatusChanged:
    """A certificate was suspended, reinstated, revoked or annulled (``action`` says which)."""

    certificate_id: bytes
    issuer: str
    action: CertificateAction
    sequence: int
    reason_code: int
    head: bytes


@dataclass(frozen=True, slots=True)
class CertificateAmended:
    """A certificate's terms (scope, SME flag, dates) and document were amended."""

    certificate_id: bytes
    issuer: str
    sequence: int
    terms: Terms
    document_hash: bytes
    reason_code: int
    head: bytes

    action: ClassVar[CertificateAction] = CertificateAction.AMENDED


@dataclass(frozen=True, slots=True)
class CertificateConsentChanged:
    """The operator's consent changed, by amendment ``sequence`` (emitted right after its
    :class:`CertificateAmended`, whose terms carry the new flags; not a history event of its own:
    the head is the amendment's)."""

    certificate_id: bytes
    issuer: str
    sequence: int
    consent: bool


@dataclass(frozen=True, slots=True)
class CertificateRenewed:
    """A certificate was renewed: new validity period and document."""

    certificate_id: bytes
    issuer: str
    sequence: int
    valid_from: int
    valid_until: int
    document_hash: bytes
    head: bytes

    action: ClassVar[CertificateAction] = CertificateAction.RENEWED


@dataclass(frozen=True, slots=True)
class MraProposed:
    """An MRA was proposed; the proposer's acceptance is implied (event 1)."""

    mra_id: int
    proposer: str
    parties: tuple[str, ...]
    programmes: int
    roles: int
    effective_from: int
    document_hash: bytes
    head: bytes


@dataclass(frozen=True, slots=True)
class MraAccepted:
    """A party accepted an MRA; ``status`` is Active once every party has."""

    mra_id: int
    party: str
    sequence: int
    status: MraStatus
    head: bytes


@dataclass(frozen=True, slots=True)
class MraStatusChanged:
    """A party suspended, resumed or terminated an MRA (``action`` says which)."""

    mra_id: int
    party: str
    action: MraAction
    sequence: int
    reason_code: int
    head: bytes

    @property
    def status(self) -> MraStatus:
        """The MRA's status after the event."""
        return _MRA_STATUS_AFTER[self.action]


@dataclass(frozen=True, slots=True)
class CertificateEventAcknowledged:
    """A partner acknowledged that it applied event ``sequence`` of a certificate."""

    certificate_id: bytes
    issuer: str
    partner: str
    sequence: int


_MRA_STATUS_AFTER = {
    MraAction.SUSPENDED: MraStatus.SUSPENDED,
    MraAction.RESUMED: MraStatus.ACTIVE,
    MraAction.TERMINATED: MraStatus.TERMINATED,
}

CertificateEvent = CertificateIssued | CertificateStatusChanged | CertificateAmended | CertificateRenewed
MraEvent = MraProposed | MraAccepted | MraStatusChanged
AdministrationEvent = AdministrationRegistered | AdministrationFrozenChanged | SignerChanged | ExchangeKeyPublished
LedgerEvent = (
    AdministrationEvent | CertificateEvent | MraEvent | CertificateEventAcknowledged | CertificateConsentChanged
)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A decoded event with its position on the chain."""

    position: LogPosition
    event: LedgerEvent


# --- from a log ------------------------------------------------------------------------------


def _code(raw: bytes) -> str:
    return raw.decode("latin-1")


def _number(raw: bytes) -> str:
    return raw.rstrip(b"\x00").decode("utf-8", "backslashreplace")


def _terms(f: Mapping[str, Any]) -> Terms:
    return Terms(f["programmes"], f["roles"], f["flags"], f["validFrom"], f["validUntil"])


def _issued(f: Mapping[str, Any]) -> CertificateIssued:
    return CertificateIssued(f["id"], _code(f["issuer"]), _number(f["number"]), _terms(f), f["documentHash"], f["head"])


def _status_changed(action: CertificateAction, f: Mapping[str, Any]) -> CertificateStatusChanged:
    return CertificateStatusChanged(f["id"], _code(f["issuer"]), action, f["sequence"], f["reasonCode"], f["head"])


def _amended(f: Mapping[str, Any]) -> CertificateAmended:
    return CertificateAmended(
        f["id"], _code(f["issuer"]), f["sequence"], _terms(f), f["documentHash"], f["reasonCode"], f["head"]
    )


def _renewed(f: Mapping[str, Any]) -> CertificateRenewed:
    return CertificateRenewed(
        f["id"], _code(f["issuer"]), f["sequence"], f["validFrom"], f["validUntil"], f["documentHash"], f["head"]
    )


def _acknowledged(f: Mapping[str, Any]) -> CertificateEventAcknowledged:
    return CertificateEventAcknowledged(f["id"], _code(f["issuer"]), _code(f["partner"]), f["sequence"])


def _mra_proposed(f: Mapping[str, Any]) -> MraProposed:
    return MraProposed(
        f["mraId"],
        _code(f["proposer"]),
        tuple(_code(p) for p in f["parties"]),
        f["programmes"],
        f["roles"],
        f["effectiveFrom"],
        f["documentHash"],
        f["head"],
    )


def _mra_accepted(f: Mapping[str, Any]) -> MraAccepted:
    return MraAccepted(f["mraId"], _code(f["party"]), f["sequence"], MraStatus(f["status"]), f["head"])


def _mra_status_changed(action: MraAction, f: Mapping[str, Any]) -> MraStatusChanged:
    return MraStatusChanged(f["mraId"], _code(f["party"]), action, f["sequence"], f.get("reasonCode", 0), f["head"])


def _registered(f: Mapping[str, Any]) -> AdministrationRegistered:
    return AdministrationRegistered(_code(f["code"]), str(f["name"]), f["signer"])


def _frozen_changed(frozen: bool, f: Mapping[str, Any]) -> AdministrationFrozenChanged:
    return AdministrationFrozenChanged(_code(f["code"]), frozen)


def _signer_changed(added: bool, f: Mapping[str, Any]) -> SignerChanged:
    return SignerChanged(_code(f["code"]), f["signer"], f["by"], added)


def _exchange_key(f: Mapping[str, Any]) -> ExchangeKeyPublished:
    return ExchangeKeyPublished(_code(f["code"]), f["publicKey"], str(f["gatewayUrl"]), f["version"])


def _consent_changed(f: Mapping[str, Any]) -> CertificateConsentChanged:
    return CertificateConsentChanged(f["id"], _code(f["issuer"]), f["sequence"], bool(f["consent"]))


#: Event name → the typed event of its decoded arguments (the one place a new event is added).
BUILDERS: dict[str, Callable[[Mapping[str, Any]], LedgerEvent]] = {
    "AdministrationRegistered": _registered,
    "AdministrationFrozen": partial(_frozen_changed, True),
    "AdministrationUnfrozen": partial(_frozen_changed, False),
    "SignerAdded": partial(_signer_changed, True),
    "SignerRemoved": partial(_signer_changed, False),
    "ExchangeKeyPublished": _exchange_key,
    "CertificateIssued": _issued,
    "CertificateSuspended": partial(_status_changed, CertificateAction.SUSPENDED),
    "CertificateReinstated": partial(_status_changed, CertificateAction.REINSTATED),
    "CertificateRevoked": partial(_status_changed, CertificateAction.REVOKED),
    "CertificateAnnulled": partial(_status_changed, CertificateAction.ANNULLED),
    "CertificateAmended": _amended,
    "CertificateRenewed": _renewed,
    "CertificateConsentChanged": _consent_changed,
    "CertificateEventAcknowledged": _acknowledged,
    "MraProposed": _mra_proposed,
    "MraAccepted": _mra_accepted,
    "MraSuspended": partial(_mra_status_changed, MraAction.SUSPENDED),
    "MraResumed": partial(_mra_status_changed, MraAction.RESUMED),
    "MraTerminated": partial(_mra_status_changed, MraAction.TERMINATED),
}
#: The events of a certificate's history (every one changes its head), in ABI names.
CERTIFICATE_EVENTS = (
    "CertificateIssued",
    "CertificateSuspended",
    "CertificateReinstated",
    "CertificateRevoked",
    "CertificateAnnulled",
    "CertificateAmended",
    "CertificateRenewed",
)
#: The events of an MRA's history.
MRA_EVENTS = ("MraProposed", "MraAccepted", "MraSuspended", "MraResumed", "MraTerminated")

EventDecoder = tuple[EventAbi, Callable[[Mapping[str, Any]], LedgerEvent]]


@cache
def event_decoders() -> dict[bytes, EventDecoder]:
    """Topic 0 → (the event's ABI, its builder), for every event of the contract with a builder."""
    events = ledger_codec().events
    return {events[name].topic: (events[name], build) for name, build in BUILDERS.items() if name in events}


def topic_of(name: str) -> bytes:
    """Topic 0 of the event called ``name``."""
    return ledger_codec().topic(name)


def topics_of(names: Iterable[str]) -> list[bytes]:
    """Topic 0 of each event of ``names`` (a topic filter's alternatives)."""
    return [topic_of(name) for name in names]


def decode_event(topics: Sequence[bytes], data: bytes) -> LedgerEvent | None:
    """The typed event of one log of the contract, or ``None`` when its event is not a typed one."""
    if not topics:
        return None
    entry = event_decoders().get(topics[0])
    if entry is None:
        return None
    abi, build = entry
    return build(abi.decode(topics, data))
