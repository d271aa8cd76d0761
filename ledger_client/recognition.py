"""Recognition now (the on-chain view) and partners' acknowledgements of certificate events.

Recognition at a past time is answered by the index (:mod:`ledger_client.index`).
"""

from __future__ import annotations

from ledger_client import validation
from ledger_client.context import LedgerContext
from ledger_client.models import Recognition
from ledger_client.results import AcknowledgementResult
from ledger_client.signers import Signer

#: Gas limit used when the write is pre-flighted with eth_call (measured cost x ~2).
GAS_ACKNOWLEDGE = 150_000


class Recognitions:
    """Recognition queries and acknowledgements."""

    def __init__(self, context: LedgerContext) -> None:
        self._ctx = context

    def now(self, certificate_id: bytes | str, recognizer: str) -> Recognition:
        """Whether ``recognizer`` recognises the certificate now, under which MRA, which programmes."""
        cid = validation.certificate_id(certificate_id)
        code = self._ctx.registered(recognizer, "recognizer")
        recognised, programmes, mra_id = self._ctx.call("recognition", cid, code.encode())
        return Recognition(cid, code, bool(recognised), int(programmes), int(mra_id))

    def acknowledge(
        self, certificate_id: bytes | str, sequence: int, *, signer: Signer | None = None
    ) -> AcknowledgementResult:
        """Record that the signer's administration applied event ``sequence`` of the certificate."""
        cid = validation.certificate_id(certificate_id)
        number = validation.sequence(sequence)
        sent = self._ctx.transact(signer, "acknowledge", cid, number, gas_model=GAS_ACKNOWLEDGE)
        partner = bytes(self._ctx.event(sent.receipt, "CertificateEventAcknowledged")["partner"]).decode("ascii")
        return AcknowledgementResult("0x" + sent.tx_hash.hex(), sent.block_number, sent.gas_used, cid, partner, number)

    def is_acknowledged(self, certificate_id: bytes | str, partner: str, sequence: int) -> bool:
        """Whether ``partner`` acknowledged event ``sequence`` of the certificate."""
        cid = validation.certificate_id(certificate_id)
        code = self._ctx.registered(partner, "partner")
        (value,) = self._ctx.call("isAcknowledged", cid, code.encode(), validation.sequence(sequence))
        return bool(value)
