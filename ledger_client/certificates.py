"""AEO certificates: issue (single and batch) and the lifecycle transitions; reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ledger_client import validation
from ledger_client.codec import encode_certificate_input
from ledger_client.context import LedgerContext
from ledger_client.errors import (
    CertificateNotFoundError,
    InvalidCertificateNumberError,
    NotASigner,
)
from ledger_client.hashing import certificate_id as derive_id
from ledger_client.hashing import number_bytes
from ledger_client.issuance import (
    GAS_BATCH_BASE,
    GAS_BATCH_PER_CERTIFICATE,
    BatchIssue,
    DuplicateCertificateError,
    NotIssuedError,
    chunks_of,
    plan,
)
from ledger_client.models import FLAG_SME, Certificate, CertificateAction, CertificateStatus, ReasonCode, consents
from ledger_client.results import BatchItemResult, CertificateResult
from ledger_client.signers import Signer
from ledger_client.transactions import SentTransaction

__all__ = [
    "CertificateRequest",
    "Certificates",
    "DuplicateCertificateError",
    "Issuable",
    "NotIssuedError",
]

#: Gas limits used when writes are pre-flighted with eth_call (measured cost x ~2). A single
#: issue is a batch of one (:meth:`Certificates.issue`): its limit is the batch's static model.
GAS_TRANSITION = 100_000
GAS_AMEND = 120_000
#: Worst-case gas of one more certificate in a batch, whatever its number: measured 28,300 with
#: 32-byte numbers and every field non-zero (28,000 with 1-byte numbers), rounded up.
GAS_BATCH_WORST_PER_CERTIFICATE = 29_000
#: Fraction of the block gas limit one batch transaction may use.
BLOCK_FILL = 0.9


@dataclass(frozen=True)
class CertificateRequest:
    """The on-chain terms of a certificate to issue.

    ``programmes``/``roles`` are bitmasks of :class:`~ledger_client.models.Programme` /
    :class:`~ledger_client.models.Role` (or lists of them); dates are Unix seconds or aware
    datetimes, ``valid_until`` None or 0 for open-ended; ``document_hash`` is the keccak-256 of
    the canonical certificate document (see :mod:`ledger_client.documents`). ``number`` None is
    the terms alone: enough for :meth:`Certificates.amend` (the chain knows the certificate by id),
    refused by issuance. ``consent`` is the operator's consent to the exchange of its data with MRA
    partners (without it no partner recognises the certificate and no envelope is made): ``None``,
    the default, means granted when issuing and unchanged when amending.
    """

    number: str | None
    programmes: int
    roles: int
    sme: bool
    valid_from: int | datetime
    valid_until: int | datetime | None
    document_hash: bytes | str
    consent: bool | None = None

    def to_request(self) -> CertificateRequest:
        """Itself (see :class:`Issuable`)."""
        return self

    def encode(self) -> bytes:
        """Validate and ABI-encode as ``CertificateInput`` (224 bytes)."""
        number = validation.certificate_number(self.number)
        programmes = validation.programmes(self.programmes)
        roles = validation.roles(self.roles)
        flags = validation.flags_word(self.sme, self.consent is not False)
        valid_from, valid_until = validation.validity(self.valid_from, self.valid_until)
        document = validation.hash32(self.document_hash, "document hash")
        return encode_certificate_input(
            number_bytes(number),
            programmes=programmes,
            roles=roles,
            flags=flags,
            valid_from=valid_from,
            valid_until=valid_until,
            document_hash=document,
        )


class Issuable(Protocol):
    """Anything that yields a :class:`CertificateRequest` (a request or a certificate document)."""

    def to_request(self) -> CertificateRequest:
        """The on-chain terms."""


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


#: Status changes → the contract function that makes them.
_TRANSITION_FUNCTIONS = {
    CertificateAction.SUSPENDED: "suspend",
    CertificateAction.REINSTATED: "reinstate",
    CertificateAction.REVOKED: "revoke",
    CertificateAction.ANNULLED: "annul",
}


class Certificates:
    """Certificate writes (by a signer of the issuing administration) and reads."""

    def __init__(self, context: LedgerContext, *, batch_size: int = 500, max_batch_inputs: int = 100_000) -> None:
        self._ctx = context
        self.batch_size = batch_size
        self.max_batch_inputs = max_batch_inputs

    # ----------------------------------------------------------------- ids

    @staticmethod
    def certificate_id(issuer: str, number: str) -> bytes:
        """The id of certificate ``number`` of ``issuer`` (computed locally, as the contract does)."""
        return derive_id(validation.code(issuer, "issuer code"), validation.certificate_number(number))

    def _result(self, sent: SentTransaction, event: str, action: CertificateAction) -> CertificateResult:
        args = self._ctx.event(sent.receipt, event)
        sequence = int(args.get("sequence", 1))
        return CertificateResult(
            _hex(sent.tx_hash),
            sent.block_number,
            sent.gas_used,
            bytes(args["id"]),
            action,
            sequence,
            bytes(args["head"]),
        )

    # ----------------------------------------------------------------- issue

    def issue(self, certificate: Issuable, *, signer: Signer | None = None) -> CertificateResult:
        """Issue one certificate for the signer's administration: :meth:`issue_many` of one.

        The single write goes the batch's way (:mod:`ledger_client.issuance`: plan, send by the
        backend's strategy, reconcile), as ``issueBatch`` with one input, and raises what the batch
        would report for its row: the input's validation error (before anything is asked of the
        chain), the contract's named error (``CertificateAlreadyIssued``, ``NotASigner``, …),
        :class:`~ledger_client.errors.TransactionTimeoutError` with the hash of a transaction that
        may still land (the API's 202 outcome path).

        Gas: ``issueBatch`` of one costs 757 gas more than the single ``issue`` entry point on
        eth-tester (52,893 against 52,136 with a 1-byte number; 53,145 against 52,388 with 32 bytes),
        well within the 65,000 budget of a single issue (``benchmarks/gas.py``), so the batch entry
        point is used. Were it to break the budget, the single function would be sent through this
        same path instead.
        """
        (row,) = plan([certificate.to_request()], None)  # the id comes with the event: no lookup
        if row.error is not None:
            raise row.error  # an invalid input is refused before anything is asked of the chain
        chosen = self._ctx.require_signer(signer)
        self._ctx.sender.require_deployment()
        BatchIssue(self._ctx, chosen, self._batch_gas).run(chunks_of([row], 1))
        if row.error is not None:
            raise row.error
        assert row.sent is not None
        return self._result(row.sent, "CertificateIssued", CertificateAction.ISSUED)

    def max_chunk(self) -> int:
        """Most certificates one ``issueBatch`` may carry on this chain.

        The chunk's gas limit — the estimate of its worst case (any certificate numbers) times
        the gas margin, or the static model — must fit under min(90 % of the block gas limit,
        the per-transaction cap (EIP-7825: 2**24)); and no more than the ``batch_size`` setting.
        """
        sender = self._ctx.sender
        budget = min(int(self._ctx.chain.block_gas_limit() * BLOCK_FILL), sender.max_gas())
        margin = sender.gas_margin
        by_estimate = ((budget - 10_000) / margin - GAS_BATCH_BASE) // GAS_BATCH_WORST_PER_CERTIFICATE
        by_model = (budget - GAS_BATCH_BASE) // GAS_BATCH_PER_CERTIFICATE
        return max(1, min(self.batch_size, int(by_estimate), by_model))

    def _batch_gas(self, count: int) -> int:
        """The static gas limit of a batch of ``count`` (sent without an estimate)."""
        return min(GAS_BATCH_BASE + GAS_BATCH_PER_CERTIFICATE * count, self._ctx.sender.max_gas())

    def issue_many(
        self, certificates: Sequence[Issuable], *, signer: Signer | None = None, chunk_size: int | None = None
    ) -> list[BatchItemResult]:
        """Issue many certificates in as few transactions as fit the block gas limit.

        Returns one result per input, in input order. A bad row never sinks the others: rows are
        validated first, duplicates within the batch and certificates that already exist are
        reported per row (found by simulating each chunk with ``eth_call``/``eth_estimateGas``),
        and only the good rows are sent (plan, send, reconcile: :mod:`ledger_client.issuance`).
        """
        validation.batch(len(certificates), self.max_batch_inputs)
        chosen = self._ctx.require_signer(signer)
        self._ctx.sender.require_deployment()
        rows = plan(certificates, self._issuer_of(chosen))
        size = max(1, min(chunk_size or self.max_chunk(), self.max_chunk()))
        BatchIssue(self._ctx, chosen, self._batch_gas).run(chunks_of(rows, size))
        return [row.result() for row in rows]

    def _issuer_of(self, signer: Signer) -> str:
        (raw,) = self._ctx.call("administrationOf", signer.address)
        code = bytes(raw)
        if code == b"\x00\x00":
            raise NotASigner({"caller": signer.address})
        return code.decode("ascii")

    # ----------------------------------------------------------------- lifecycle

    def _transition(
        self,
        action: CertificateAction,
        certificate_id: bytes | str,
        reason: int,
        signer: Signer | None,
        *,
        reason_required: bool,
    ) -> CertificateResult:
        """Send a status change (``suspend``, ``reinstate``, ``revoke``, ``annul``) and read its event."""
        cid = validation.certificate_id(certificate_id)
        code = validation.reason_code(reason, required=reason_required)
        sent = self._ctx.transact(signer, _TRANSITION_FUNCTIONS[action], cid, code, gas_model=GAS_TRANSITION)
        return self._result(sent, f"Certificate{action.name.capitalize()}", action)

    def suspend(self, certificate_id: bytes | str, reason: int, *, signer: Signer | None = None) -> CertificateResult:
        """Suspend an Active certificate (reason required)."""
        return self._transition(CertificateAction.SUSPENDED, certificate_id, reason, signer, reason_required=True)

    def reinstate(
        self,
        certificate_id: bytes | str,
        reason: int = ReasonCode.CORRECTIVE_ACTION_COMPLETED,
        *,
        signer: Signer | None = None,
    ) -> CertificateResult:
        """Reinstate a Suspended certificate (Active again)."""
        return self._transition(CertificateAction.REINSTATED, certificate_id, reason, signer, reason_required=False)

    def revoke(self, certificate_id: bytes | str, reason: int, *, signer: Signer | None = None) -> CertificateResult:
        """Revoke an Active or Suspended certificate (terminal; reason required)."""
        return self._transition(CertificateAction.REVOKED, certificate_id, reason, signer, reason_required=True)

    def annul(self, certificate_id: bytes | str, reason: int, *, signer: Signer | None = None) -> CertificateResult:
        """Annul an Active or Suspended certificate: void from the start (terminal; reason required)."""
        return self._transition(CertificateAction.ANNULLED, certificate_id, reason, signer, reason_required=True)

    def amend(
        self,
        certificate_id: bytes | str,
        certificate: Issuable,
        reason: int = ReasonCode.CHANGE_OF_DATA,
        *,
        signer: Signer | None = None,
    ) -> CertificateResult:
        """Replace scope, SME flag, consent, dates and document of an Active or Suspended certificate.

        ``certificate`` gives the new terms: a :class:`CertificateRequest` whose ``number`` is None
        (the terms alone), or one (or a certificate document) whose number must be the certificate's.
        Its ``consent`` None keeps the certificate's current consent (read from the chain); a change
        of consent also emits ``CertificateConsentChanged``.
        """
        cid = validation.certificate_id(certificate_id)
        request = certificate.to_request()
        if request.number is not None:
            number = validation.certificate_number(request.number)
            if derive_id(cid[:2].decode("ascii"), number) != cid:
                raise InvalidCertificateNumberError(
                    f"the amended terms carry number {number!r}, which is not the number of certificate {_hex(cid)}"
                )
        valid_from, valid_until = validation.validity(request.valid_from, request.valid_until)
        consent = self.get(cid).consent if request.consent is None else request.consent
        sent = self._ctx.transact(
            signer,
            "amend",
            cid,
            validation.programmes(request.programmes),
            validation.roles(request.roles),
            validation.flags_word(request.sme, consent),
            valid_from,
            valid_until,
            validation.hash32(request.document_hash, "document hash"),
            validation.reason_code(reason, required=False),
            gas_model=GAS_AMEND,
        )
        return self._result(sent, "CertificateAmended", CertificateAction.AMENDED)

    def renew(
        self,
        certificate_id: bytes | str,
        valid_from: int | datetime,
        valid_until: int | datetime | None,
        document_hash: bytes | str,
        *,
        signer: Signer | None = None,
    ) -> CertificateResult:
        """Give an Active or Suspended certificate a new validity period and document."""
        cid = validation.certificate_id(certificate_id)
        start, end = validation.validity(valid_from, valid_until)
        document = validation.hash32(document_hash, "document hash")
        sent = self._ctx.transact(signer, "renew", cid, start, end, document, gas_model=GAS_AMEND)
        return self._result(sent, "CertificateRenewed", CertificateAction.RENEWED)

    # ----------------------------------------------------------------- reads

    def get(self, certificate_id: bytes | str, *, block: int | str = "latest") -> Certificate:
        """A certificate's on-chain state; :class:`CertificateNotFoundError` when unknown."""
        cid = validation.certificate_id(certificate_id)
        ((status, programmes, roles, flags, valid_from, valid_until, count, head),) = self._ctx.call(
            "certificate", cid, block=block
        )
        if status == CertificateStatus.NONE:
            raise CertificateNotFoundError(f"no certificate {_hex(cid)} on the ledger (issuer {cid[:2].decode()})")
        return _certificate(cid, status, programmes, roles, flags, valid_from, valid_until, count, head)

    def exists(self, certificate_id: bytes | str) -> bool:
        """Whether the certificate was ever issued."""
        count, _head = self.history_head(certificate_id)
        return count > 0

    def history_head(self, certificate_id: bytes | str, *, block: int | str = "latest") -> tuple[int, bytes]:
        """``(event count, 16-byte history head)`` on-chain."""
        cid = validation.certificate_id(certificate_id)
        count, head = self._ctx.call("historyHead", cid, block=block)
        return int(count), bytes(head)


def _certificate(cid: bytes, *values: Any) -> Certificate:
    status, programmes, roles, flags, valid_from, valid_until, count, head = values
    return Certificate(
        id=cid,
        issuer=cid[:2].decode("ascii"),
        status=CertificateStatus(status),
        programmes=int(programmes),
        roles=int(roles),
        sme=bool(int(flags) & FLAG_SME),
        valid_from=int(valid_from),
        valid_until=int(valid_until),
        event_count=int(count),
        head=bytes(head),
        consent=consents(int(flags)),
    )
