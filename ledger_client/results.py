"""Frozen results of writes: the transaction and the resource it created or changed."""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client.errors import LedgerError
from ledger_client.models import CertificateAction, MraStatus


@dataclass(frozen=True)
class WriteResult:
    """A mined, successful transaction."""

    tx_hash: str
    block_number: int
    gas_used: int


@dataclass(frozen=True)
class AdministrationResult(WriteResult):
    """A write to an administration (register, freeze, signers …)."""

    code: str


@dataclass(frozen=True)
class ExchangeKeyResult(AdministrationResult):
    """A publication of an administration's exchange key and gateway URL: its version (1, 2, …)."""

    version: int


@dataclass(frozen=True)
class CertificateResult(WriteResult):
    """A certificate event: which certificate, which action, its event number and new head."""

    certificate_id: bytes
    action: CertificateAction
    sequence: int
    head: bytes


@dataclass(frozen=True)
class MraResult(WriteResult):
    """An MRA event: the MRA and its status after the event."""

    mra_id: int
    status: MraStatus


@dataclass(frozen=True)
class AcknowledgementResult(WriteResult):
    """A partner's acknowledgement of a certificate event."""

    certificate_id: bytes
    partner: str
    sequence: int


@dataclass(frozen=True)
class BatchItemResult:
    """The outcome of one input of :meth:`Certificates.issue_many` (inputs keep their order)."""

    index: int
    number: str
    certificate_id: bytes | None
    tx_hash: str | None = None
    block_number: int | None = None
    error: LedgerError | None = None

    @property
    def ok(self) -> bool:
        """Whether this certificate was issued."""
        return self.error is None and self.tx_hash is not None
