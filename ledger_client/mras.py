"""Mutual Recognition Agreements: propose, accept, suspend, resume, terminate; reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ledger_client import validation
from ledger_client.context import LedgerContext
from ledger_client.errors import MraNotFoundError
from ledger_client.models import Mra, MraStatus, ReasonCode
from ledger_client.results import MraResult
from ledger_client.signers import Signer
from ledger_client.transactions import SentTransaction

#: Gas limits used when writes are pre-flighted with eth_call (measured cost x ~2).
GAS_PROPOSE_BASE = 250_000
GAS_PROPOSE_PER_PARTY = 160_000
GAS_ACCEPT = 250_000  # the last acceptance lists the MRA for every pair of parties
GAS_ACCEPT_PER_PAIR = 50_000
GAS_TRANSITION = 250_000


def _result(sent: SentTransaction, mra_id: int, status: MraStatus) -> MraResult:
    return MraResult("0x" + sent.tx_hash.hex(), sent.block_number, sent.gas_used, mra_id, status)


class Mras:
    """MRA writes (by signers of the party administrations) and reads."""

    def __init__(self, context: LedgerContext) -> None:
        self._ctx = context

    def propose(
        self,
        parties: Sequence[str],
        programmes: int,
        roles: int,
        effective_from: int | datetime,
        document_hash: bytes | str,
        *,
        signer: Signer | None = None,
    ) -> MraResult:
        """Propose an MRA among ``parties`` (the signer's administration must be one of them)."""
        chosen = self._ctx.require_signer(signer)
        (raw,) = self._ctx.call("administrationOf", chosen.address)
        proposer = None if bytes(raw) == b"\x00\x00" else bytes(raw).decode("ascii")
        checked = validation.parties(parties, proposer, self._ctx.known_codes(refresh=True))
        sent = self._ctx.transact(
            chosen,
            "proposeMra",
            [c.encode() for c in checked],
            validation.programmes(programmes),
            validation.roles(roles),
            validation.timestamp(effective_from, "effective_from"),
            validation.hash32(document_hash, "agreement document hash"),
            gas_model=GAS_PROPOSE_BASE + GAS_PROPOSE_PER_PARTY * len(checked),
        )
        mra_id = int(self._ctx.event(sent.receipt, "MraProposed")["mraId"])
        return _result(sent, mra_id, MraStatus.PROPOSED)

    def _gas(self, mra_id: int) -> int:
        parties = len(self.get(mra_id).parties)
        return GAS_ACCEPT + GAS_ACCEPT_PER_PAIR * parties * (parties - 1) // 2

    def accept(self, mra_id: int, *, signer: Signer | None = None) -> MraResult:
        """Accept a proposed MRA as one of its parties (Active once every party accepted)."""
        checked = validation.mra_id(mra_id)
        sent = self._ctx.transact(signer, "acceptMra", checked, gas_model=self._gas(checked))
        status = MraStatus(int(self._ctx.event(sent.receipt, "MraAccepted")["status"]))
        return _result(sent, checked, status)

    def suspend(self, mra_id: int, reason: int, *, signer: Signer | None = None) -> MraResult:
        """Suspend an Active MRA (reason required)."""
        checked = validation.mra_id(mra_id)
        code = validation.reason_code(reason, required=True)
        sent = self._ctx.transact(signer, "suspendMra", checked, code, gas_model=self._gas(checked))
        return _result(sent, checked, MraStatus.SUSPENDED)

    def resume(self, mra_id: int, *, signer: Signer | None = None) -> MraResult:
        """Resume a Suspended MRA."""
        checked = validation.mra_id(mra_id)
        sent = self._ctx.transact(signer, "resumeMra", checked, gas_model=self._gas(checked))
        return _result(sent, checked, MraStatus.ACTIVE)

    def terminate(self, mra_id: int, reason: int = ReasonCode.OTHER, *, signer: Signer | None = None) -> MraResult:
        """Terminate an MRA (final; reason required)."""
        checked = validation.mra_id(mra_id)
        code = validation.reason_code(reason, required=True)
        sent = self._ctx.transact(signer, "terminateMra", checked, code, gas_model=self._gas(checked))
        return _result(sent, checked, MraStatus.TERMINATED)

    def get(self, mra_id: int, *, block: int | str = "latest") -> Mra:
        """An MRA's on-chain state; :class:`MraNotFoundError` when unknown."""
        checked = validation.mra_id(mra_id)
        ((status, proposer, programmes, roles, effective, accepted, count, document, head, terms, parties),) = (
            self._ctx.call("mra", checked, block=block)
        )
        if status == MraStatus.NONE:
            (total,) = self._ctx.call("mraCount")
            raise MraNotFoundError(f"no MRA {checked}; MRA ids run from 1 to {total}")
        return Mra(
            id=checked,
            status=MraStatus(status),
            proposer=bytes(proposer).decode("ascii"),
            parties=tuple(bytes(p).decode("ascii") for p in parties),
            programmes=int(programmes),
            roles=int(roles),
            effective_from=int(effective),
            accepted_count=int(accepted),
            event_count=int(count),
            document_hash=bytes(document),
            head=bytes(head),
            terms_hash=bytes(terms),
        )

    def of(self, code: str) -> list[Mra]:
        """Every MRA ``code`` is party to, in proposal order."""
        checked = self._ctx.registered(code)
        (ids,) = self._ctx.call("mrasOf", checked.encode())
        return [self.get(int(i)) for i in ids]

    def count(self) -> int:
        """Number of MRAs ever proposed."""
        (total,) = self._ctx.call("mraCount")
        return int(total)

    def live_between(self, a: str, b: str) -> list[int]:
        """Ids of the live MRAs (all accepted, not terminated) joining ``a`` and ``b``."""
        (ids,) = self._ctx.call("liveMrasBetween", self._ctx.registered(a).encode(), self._ctx.registered(b).encode())
        return [int(i) for i in ids]

    def in_force(self, mra_id: int) -> bool:
        """Whether the MRA is in force now (Active and effective)."""
        (value,) = self._ctx.call("mraInForce", validation.mra_id(mra_id))
        return bool(value)

    def has_accepted(self, mra_id: int, code: str) -> bool:
        """Whether ``code`` has accepted the MRA."""
        (value,) = self._ctx.call("hasAccepted", validation.mra_id(mra_id), self._ctx.registered(code).encode())
        return bool(value)
