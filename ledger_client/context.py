"""What every domain module shares: the chain, the contract, the sender and the signer."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ledger_client.chain import Chain, Receipt
from ledger_client.codec import LedgerCodec
from ledger_client.deployment import Deployment
from ledger_client.errors import ConfigurationError, LedgerError, ReadOnlyDeploymentError
from ledger_client.foresight import Foresight
from ledger_client.guard import DeploymentGuard
from ledger_client.signers import Signer
from ledger_client.transactions import SentTransaction, TransactionSender
from ledger_client.validation import code as validate_code
from ledger_client.validation import known_code


class LedgerContext:
    """The deployed ledger as seen by one client.

    Args:
        chain: the chain connection.
        sender: the transaction sender (fees, nonces, gas).
        codec: the contract codec.
        deployment: the deployment manifest.
        signer: the default signer of writes (None for a read-only client).
        foresight: known state consulted before a write goes out unchecked (see :mod:`ledger_client.foresight`).
        guard: checks that the chain still holds the deployment (shared by every client of it).
        read_only: why every write is refused (a deployment of an earlier contract version, read
            with that version's codec: see :func:`ledger_client.deployment.earlier_version`); None: writable.
    """

    def __init__(
        self,
        chain: Chain,
        sender: TransactionSender,
        codec: LedgerCodec,
        deployment: Deployment,
        signer: Signer | None,
        *,
        foresight: Foresight | None = None,
        guard: DeploymentGuard | None = None,
        read_only: str | None = None,
    ) -> None:
        self.chain = chain
        self.foresight = foresight
        self.sender = sender
        self.codec = codec
        self.deployment = deployment
        self.address = deployment.address
        self.signer = signer
        self.guard = guard
        self.read_only = read_only
        self._codes: tuple[str, ...] | None = None
        self._codes_lock = threading.Lock()

    def require_signer(self, signer: Signer | None) -> Signer:
        """``signer`` or the default signer; a clear error for a read-only client or deployment."""
        self.require_writable()
        chosen = signer or self.signer
        if chosen is None:
            raise ConfigurationError(
                "this write needs a signer: configure AEO_LEDGER_KEYSTORE (or a development key) or pass signer="
            )
        return chosen

    def require_writable(self) -> None:
        """Raise :class:`ReadOnlyDeploymentError` when the deployment runs an earlier version."""
        if self.read_only is not None:
            raise ReadOnlyDeploymentError(self.read_only)

    def call(self, function: str, *args: Any, block: int | str = "latest") -> tuple[Any, ...]:
        """Call a view function and decode its outputs."""
        output = self.chain.call(self.address, self.codec.encode(function, *args), block=block)
        return self.codec.decode(function, output)

    def transact(
        self,
        signer: Signer | None,
        function: str,
        *args: Any,
        gas_model: int | None = None,
        data: bytes | None = None,
        foreseen: Sequence[Any] | None = None,
    ) -> SentTransaction:
        """Pre-flight, sign, send and confirm ``function(*args)`` (``data``: already encoded;
        ``foreseen``: the arguments shown to the :class:`Foresight` instead of ``args``)."""
        chosen = self.require_signer(signer)
        encoded = self.codec.encode(function, *args) if data is None else data
        self.check_foreseeable(chosen, function, args if foreseen is None else foreseen, encoded, gas_model)
        return self.sender.transact(chosen, self.address, encoded, gas_model=gas_model)

    def check_foreseeable(
        self, signer: Signer, function: str, args: Sequence[Any], data: bytes, gas_model: int | None
    ) -> bool:
        """Before a write goes out without a pre-flight: when the foresight doubts it, pre-flight it.

        Raises the contract's named error when the chain refuses the call; returns whether a
        pre-flight ran (then the call passed it). One mechanism for every write of every module.
        """
        if self.foresight is None or not self.sender.unchecked(self.address, data, gas_model):
            return False
        if self.foresight.doubt(function, signer.address, args) is None:
            return False
        self.sender.preflight(signer, self.address, data, gas_model)
        return True

    def event(self, receipt: Receipt, name: str) -> dict[str, Any]:
        """The arguments of the first ``name`` event this contract emitted in ``receipt``."""
        topic = self.codec.topic(name)
        for log in receipt.logs:
            if log.topics and log.topics[0] == topic and log.address.lower() == self.address.lower():
                decoded = self.codec.decode_log(log.topics, log.data)
                assert decoded is not None
                return decoded[1]
        raise LedgerError(f"transaction 0x{receipt.transaction_hash.hex()} emitted no {name} event")

    # ----------------------------------------------------------------- administration codes

    def known_codes(self, *, refresh: bool = False) -> tuple[str, ...]:
        """All registered administration codes (cached; refreshed on a miss)."""
        with self._codes_lock:
            if self._codes is None or refresh:
                (raw,) = self.call("administrationCodes")
                self._codes = tuple(bytes(c).decode("ascii") for c in raw)
            return self._codes

    def forget_codes(self) -> None:
        """Drop the cached codes (after a registration)."""
        with self._codes_lock:
            self._codes = None

    def registered(self, value: object, field: str = "administration") -> str:
        """A registered administration code, with an actionable error otherwise."""
        checked = validate_code(value, f"{field} code")
        codes = self.known_codes()
        if checked not in codes:
            codes = self.known_codes(refresh=True)
        return known_code(checked, codes, field)

    def registered_all(self, values: Sequence[str], field: str = "party") -> list[str]:
        """Every code registered (refreshing the cache once on a miss)."""
        return [self.registered(v, field) for v in values]
