"""Typed events of the AeoLedger contract, one frozen dataclass per kind of change.

Each event carries everything needed to rebuild state without extra calls; the four status
changes of a certificate (suspend, reinstate, revoke, annul) share one type, as do the MRA's
suspension, resumption and termination.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client.models import CertificateAction, MraAction, MraStatus


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
class CertificateIssued:
    """A certificate was issued (event 1, status Active)."""

    certificate_id: bytes
    issuer: str
    number: str
    programmes: int
    roles: int
    flags: int
    valid_from: int
    valid_until: int
    document_hash: bytes
    head: bytes


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
    """A certificate's scope, SME flag, dates and document were amended."""

    certificate_id: bytes
    issuer: str
    sequence: int
    programmes: int
    roles: int
    flags: int
    valid_from: int
    valid_until: int
    document_hash: bytes
    reason_code: int
    head: bytes


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
AdministrationEvent = AdministrationRegistered | AdministrationFrozenChanged | SignerChanged
LedgerEvent = AdministrationEvent | CertificateEvent | MraEvent | CertificateEventAcknowledged


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A decoded event with its position on the chain."""

    position: LogPosition
    event: LedgerEvent
