"""Writes: choose the signer, check what can be checked before sending, wait for the index.

Every write runs in a worker thread (the blocking client), and answers only once the index
holds the transaction's block (read-your-writes). Nothing is signed for a chain that lost the
deployment (503 ``chain-reset``); a write whose transaction landed but whose block the index does
not reach in time answers ``202 Accepted`` with the hash (:class:`~api.errors.WriteAccepted`).
"""

from __future__ import annotations

from api.auth import forbidden
from api.errors import WriteAccepted
from api.runtime import Runtime
from api.schemas.administrations import AdministrationOut, AdministrationWritten
from api.schemas.certificates import CertificateOut, CertificateWritten
from api.schemas.common import Transaction
from api.schemas.mras import MraOut, MraWritten
from ledger_client.errors import (
    AdministrationNotFoundError,
    CertificateNotFoundError,
    IndexTimeoutError,
    LedgerError,
    MraNotFoundError,
)
from ledger_client.index import IndexedMra
from ledger_client.ledger import Ledger
from ledger_client.results import AdministrationResult, CertificateResult, MraResult, WriteResult


def as_administration(runtime: Runtime, code: str) -> Ledger:
    """The ledger acting as ``code``'s signer; 503 when the chain lost the deployment, 403 when ``code`` is frozen."""
    runtime.ledger.guard.check()
    administration = runtime.index.administration(code)
    if administration is not None and administration.frozen:
        raise forbidden(f"administration {code} is frozen: its writes are refused until governance unfreezes it")
    return runtime.ledger.with_signer(runtime.signers.signer_for(code))


def as_governance(runtime: Runtime) -> Ledger:
    """The ledger acting as the governance signer (503 when the chain lost the deployment)."""
    runtime.ledger.guard.check()
    return runtime.ledger.with_signer(runtime.signers.governance())


def transaction(result: WriteResult) -> Transaction:
    """The transaction part of a write response."""
    return Transaction(tx_hash=result.tx_hash, block_number=result.block_number, gas_used=result.gas_used)


def await_write(runtime: Runtime, result: WriteResult) -> None:
    """Read-your-writes: wait for the index to hold the write's block; 202 when it does not in time."""
    try:
        runtime.await_block(result.block_number)
    except IndexTimeoutError as exc:
        raise WriteAccepted(
            bytes.fromhex(result.tx_hash.removeprefix("0x")),
            "landed",
            f"mined in block {result.block_number}, but the index has not reached it yet ({exc})",
        ) from exc


def certificate_written(runtime: Runtime, result: CertificateResult) -> CertificateWritten:
    """The response of a certificate write, once the index holds it."""
    await_write(runtime, result)
    row = runtime.index.certificate(result.certificate_id)
    if row is None:  # the index holds the block, so this means the chain reorganised since
        raise LedgerError(f"certificate 0x{result.certificate_id.hex()} is not in the index after its write")
    return CertificateWritten(
        certificate=CertificateOut.of(row),
        action=result.action.name,
        sequence=result.sequence,
        transaction=transaction(result),
    )


def mra_written(runtime: Runtime, result: MraResult) -> MraWritten:
    """The response of an MRA write, once the index holds it."""
    await_write(runtime, result)
    return MraWritten(mra=MraOut.of(indexed_mra(runtime, result.mra_id)), transaction=transaction(result))


def administration_written(runtime: Runtime, result: AdministrationResult) -> AdministrationWritten:
    """The response of an administration write, once the index holds it."""
    await_write(runtime, result)
    row = runtime.index.administration(result.code)
    if row is None:
        raise AdministrationNotFoundError(f"administration {result.code} is not in the index after its write")
    administration = AdministrationOut.of(row, runtime.index.exchange_key(result.code))
    return AdministrationWritten(administration=administration, transaction=transaction(result))


def indexed_mra(runtime: Runtime, mra_id: int) -> IndexedMra:
    """An MRA from the index; 404 problem when unknown."""
    row = runtime.index.mra(mra_id)
    if row is None:
        raise MraNotFoundError(f"no MRA {mra_id}")
    return row


def certificate_issuer(certificate_id: bytes) -> str:
    """The issuing administration of a (validated) certificate id: its first two bytes."""
    return certificate_id[:2].decode("ascii")


def require_indexed_certificate(runtime: Runtime, certificate_id: bytes) -> None:
    """404 problem unless the index knows the certificate."""
    if runtime.index.certificate(certificate_id) is None:
        raise CertificateNotFoundError(f"no certificate 0x{certificate_id.hex()}")
