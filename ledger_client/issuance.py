"""Batch issuance, in three steps: plan the rows, send the chunks (the backend's write strategy),
reconcile the receipts.

1. **plan** (:func:`plan`): every input validated and encoded, its certificate id derived,
   duplicates within the batch reported per row; the good rows cut into chunks that fit one
   transaction.
2. **send** (:meth:`BatchIssue.send`): each chunk the way the chain's backend writes — mined
   speculatively and rolled back on a revert (in memory), sent unchecked (the durable node
   in-process, unless the foresight doubts it), or pre-flighted (nodes by URL; rows that would
   revert are dropped and reported). A chunk too large for the node is halved; any other error
   stops the batch (later rows report :class:`NotIssuedError`).
3. **reconcile** (:meth:`BatchIssue.reconcile`): every sent chunk's receipt awaited; an unchecked
   chunk that reverted is pre-flighted to find its bad rows, and the rest sent again.

A bad row never sinks the others; the result has one entry per input, in input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger_client.codec import encode_issue_batch
from ledger_client.context import LedgerContext
from ledger_client.errors import (
    AccessDeniedError,
    CertificateAlreadyIssued,
    ConflictError,
    ContractRevert,
    GasLimitExceededError,
    LedgerError,
    LedgerValueError,
)
from ledger_client.hashing import certificate_id as derive_id
from ledger_client.results import BatchItemResult
from ledger_client.signers import Signer
from ledger_client.transactions import SentTransaction

#: Batch issuance: fixed part and upper bound per certificate (measured ~28,800), the gas limit
#: used when a batch is sent without ``eth_estimateGas``.
GAS_BATCH_BASE = 60_000
GAS_BATCH_PER_CERTIFICATE = 35_000
#: After this many duplicate rows found one by one in a chunk, check every row's existence.
_SWEEP_AFTER = 1


class DuplicateCertificateError(ConflictError):
    """The same certificate number appears more than once in one batch."""


class NotIssuedError(LedgerError):
    """A batch row was not sent because another error stopped the whole batch."""


@dataclass
class Row:
    """One input of a batch and what became of it."""

    index: int
    number: str
    certificate_id: bytes
    encoded: bytes
    error: LedgerError | None = None
    tx_hash: bytes | None = None
    block_number: int | None = None
    #: The mined transaction that issued the row (its receipt carries the row's event).
    sent: SentTransaction | None = None

    def result(self) -> BatchItemResult:
        """The row's outcome as returned to the caller."""
        return BatchItemResult(
            index=self.index,
            number=self.number,
            certificate_id=self.certificate_id or None,
            tx_hash=None if self.tx_hash is None else "0x" + self.tx_hash.hex(),
            block_number=self.block_number,
            error=self.error,
        )


@dataclass(frozen=True)
class _Sent:
    """A chunk handed to the node, awaiting its receipt."""

    chunk: list[Row]
    tx_hash: bytes
    data: bytes
    unchecked: bool  # sent without a pre-flight: a revert means a bad row, not a race


def plan(certificates: Sequence[Any], issuer: str | None) -> list[Row]:
    """Validate and encode every input (objects with ``to_request()``); duplicates reported per row.

    ``issuer`` None leaves the rows' ids unknown (a single issue needs none: a revert of a chunk of
    one row is that row's, and its id comes with its event); that saves asking the chain for it.
    """
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(certificates):
        try:
            request = item.to_request()
            encoded = request.encode()
        except LedgerValueError as exc:
            number = str(getattr(item, "number", getattr(item, "certificate_number", "")))
            rows.append(Row(index, number, b"", b"", error=exc))
            continue
        number = request.number
        row = Row(index, number, b"" if issuer is None else derive_id(issuer, number), encoded)
        if number in seen:
            row.error = DuplicateCertificateError(
                f"certificate number {number!r} appears again in this batch (first at input {seen[number]})"
            )
        else:
            seen[number] = index
        rows.append(row)
    return rows


def chunks_of(rows: Sequence[Row], size: int) -> deque[list[Row]]:
    """The rows still to send, in chunks of ``size``."""
    pending = [row for row in rows if row.error is None]
    return deque(pending[start : start + size] for start in range(0, len(pending), size))


def _split(chunks: deque[list[Row]], chunk: list[Row]) -> bool:
    """Put the two halves of ``chunk`` first in line; False when it holds one row (cannot split)."""
    if len(chunk) < 2:
        return False
    half = len(chunk) // 2
    chunks.appendleft(chunk[half:])
    chunks.appendleft(chunk[:half])
    return True


def _fail(chunk: Sequence[Row], error: LedgerError) -> None:
    for row in chunk:
        row.error = error


def _landed(chunk: Sequence[Row], sent: SentTransaction) -> None:
    for row in chunk:
        row.tx_hash, row.block_number, row.sent = sent.tx_hash, sent.block_number, sent


def _encode(chunk: Sequence[Row]) -> bytes:
    return encode_issue_batch([row.encoded for row in chunk])


class BatchIssue:
    """Sends the planned rows of one batch for ``signer`` and reconciles the receipts.

    Args:
        context: the ledger context.
        signer: the issuing administration's signer.
        batch_gas: the static gas limit of a chunk of n rows (sent without an estimate).
    """

    def __init__(self, context: LedgerContext, signer: Signer, batch_gas: Callable[[int], int]) -> None:
        self._ctx = context
        self._signer = signer
        self._batch_gas = batch_gas

    def run(self, chunks: deque[list[Row]]) -> None:
        """Send every chunk, then reconcile."""
        self.reconcile(self.send(chunks))

    # ----------------------------------------------------------------- send

    def send(self, chunks: deque[list[Row]]) -> list[_Sent]:
        """Send each chunk by the backend's strategy; the chunks awaiting a receipt."""
        sent: list[_Sent] = []
        stop: LedgerError | None = None
        while chunks:
            chunk = chunks.popleft()
            if stop is not None:
                _fail(chunk, NotIssuedError(f"not sent: {stop}"))
                continue
            if self._speculated(chunk):
                continue
            try:
                handed = self._send_chunk(chunk)
            except GasLimitExceededError as exc:
                if _split(chunks, chunk):  # the node's own cap is lower than ours: halve and go on
                    continue
                stop = exc
                _fail(chunk, exc)
                continue
            except LedgerError as exc:
                stop = exc
                _fail(chunk, exc)
                continue
            if handed is not None:
                sent.append(handed)
        return sent

    def _speculated(self, chunk: list[Row]) -> bool:
        """Where the backend speculates (in memory): mine the chunk; True when it landed."""
        sender = self._ctx.sender
        if not sender.can_speculate:
            return False
        mined = sender.send_speculative(self._signer, self._ctx.address, _encode(chunk), self._batch_gas(len(chunk)))
        if mined is None:
            return False  # rolled back: pre-flight it to find the bad rows
        _landed(chunk, mined)
        return True

    def _send_chunk(self, chunk: list[Row]) -> _Sent | None:
        """Unchecked where the backend is optimistic (and the foresight has no doubt), else
        pre-flighted (rows that would revert are dropped); None when no row is left to send."""
        sender = self._ctx.sender
        data = _encode(chunk)
        unchecked = sender.optimistic or sender.has_replay(self._ctx.address, data)
        if unchecked and not self._doubted(chunk, data):
            gas = self._batch_gas(len(chunk))
        else:
            unchecked = False  # checked: a revert now is a race, not a bad row
            chunk, gas = self._preflight(chunk)
            if not chunk:
                return None
            data = _encode(chunk)
        return _Sent(chunk, sender.send(self._signer, self._ctx.address, data, gas), data, unchecked)

    def _doubted(self, chunk: list[Row], data: bytes) -> bool:
        """Whether the foresight doubts a chunk about to go out unchecked (then it is pre-flighted row
        by row instead of being sent, so that a row already issued mines no reverted batch)."""
        ctx = self._ctx
        if ctx.foresight is None or not ctx.sender.unchecked(ctx.address, data, GAS_BATCH_BASE):
            return False
        return ctx.foresight.doubt("issueBatch", self._signer.address, ([row.number for row in chunk],)) is not None

    def _preflight(self, chunk: list[Row]) -> tuple[list[Row], int]:
        """Simulate ``issueBatch(chunk)``; drop rows that would revert; return the rest and the gas.

        Errors that belong to no row (not a signer, frozen administration) are raised.
        """
        by_id = {row.certificate_id: row for row in chunk}
        duplicates_found = 0
        while chunk:
            model = GAS_BATCH_BASE + GAS_BATCH_PER_CERTIFICATE * len(chunk)
            try:
                return chunk, self._ctx.sender.preflight(self._signer, self._ctx.address, _encode(chunk), model)
            except ContractRevert as exc:
                row = self._row_of(exc, chunk, by_id)
                if row is None or isinstance(exc, AccessDeniedError):
                    raise
                row.error = exc
                duplicates_found += 1
                if isinstance(exc, CertificateAlreadyIssued) and duplicates_found >= _SWEEP_AFTER:
                    self._mark_existing(chunk)
                chunk = [r for r in chunk if r.error is None]
        return chunk, 0

    @staticmethod
    def _row_of(exc: ContractRevert, chunk: Sequence[Row], by_id: dict[bytes, Row]) -> Row | None:
        """The row a revert names by its ``id`` argument (in a chunk of one row, that row); None
        when the error names no certificate."""
        raw_id = exc.inputs.get("id")
        if not isinstance(raw_id, str):
            return None
        return chunk[0] if len(chunk) == 1 else by_id.get(bytes.fromhex(raw_id[2:]))

    def _mark_existing(self, chunk: list[Row]) -> None:
        """Mark every row of ``chunk`` whose certificate exists (its CertificateIssued log does).

        One ``eth_getLogs`` per 200 ids (topic alternatives) instead of one call per row.
        """
        ctx = self._ctx
        open_rows = {row.certificate_id: row for row in chunk if row.error is None and row.certificate_id}
        ids = list(open_rows)
        topic = ctx.codec.topic("CertificateIssued")
        for start in range(0, len(ids), 200):
            logs = ctx.chain.get_logs(ctx.address, [topic, ids[start : start + 200]], ctx.deployment.deployment_block)
            for log in logs:
                row = open_rows.get(log.topics[1])
                if row is not None:
                    row.error = CertificateAlreadyIssued({"id": "0x" + row.certificate_id.hex()})

    # ----------------------------------------------------------------- reconcile

    def reconcile(self, sent: Sequence[_Sent]) -> None:
        """Await each chunk's receipt; an unchecked chunk that reverted is retried checked."""
        for item in sent:
            try:
                confirmed = self._ctx.sender.confirm(self._signer, item.tx_hash, self._ctx.address, item.data)
            except ContractRevert as exc:
                if item.unchecked and not isinstance(exc, AccessDeniedError):
                    self._retry_checked(item.chunk)  # find the rows that made the batch revert
                else:
                    _fail(item.chunk, exc)
                continue
            except LedgerError as exc:
                _fail(item.chunk, exc)
                continue
            _landed(item.chunk, confirmed)

    def _retry_checked(self, chunk: list[Row]) -> None:
        """An unchecked chunk reverted: pre-flight it to mark the bad rows, then send the rest."""
        sender = self._ctx.sender
        try:
            good, gas = self._preflight(chunk)
            if not good:
                return
            data = _encode(good)
            tx_hash = sender.send(self._signer, self._ctx.address, data, gas)
            confirmed = sender.confirm(self._signer, tx_hash, self._ctx.address, data)
        except LedgerError as exc:
            for row in chunk:
                if row.error is None:
                    row.error = exc
            return
        _landed(good, confirmed)
