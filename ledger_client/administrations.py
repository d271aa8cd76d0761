"""Customs administrations: registration, freezing, key recovery and signer rotation."""

from __future__ import annotations

import builtins

from eth_utils.address import to_checksum_address

from ledger_client import validation
from ledger_client.context import LedgerContext
from ledger_client.errors import AdministrationNotFoundError
from ledger_client.models import Administration, ExchangeKey
from ledger_client.results import AdministrationResult, ExchangeKeyResult
from ledger_client.signers import Signer
from ledger_client.transactions import SentTransaction

#: Gas limits used when writes are pre-flighted with eth_call (measured cost x ~2).
GAS_REGISTER = 300_000
GAS_FREEZE = 150_000  # loops over at most 8 signers
GAS_RECOVER = 350_000
GAS_SIGNER = 150_000
GAS_EXCHANGE_KEY = 250_000  # a 256-byte URL writes 9 fresh slots


def _result(sent: SentTransaction, code: str) -> AdministrationResult:
    return AdministrationResult("0x" + sent.tx_hash.hex(), sent.block_number, sent.gas_used, code)


class Administrations:
    """Operations on administrations (governance writes need the governance signer)."""

    def __init__(self, context: LedgerContext) -> None:
        self._ctx = context

    def register(
        self, code: str, name: str, signer_address: str, *, signer: Signer | None = None
    ) -> AdministrationResult:
        """Register administration ``code`` with its first signer. Governance only."""
        checked = validation.code(code)
        validation.administration_name(name)
        first = validation.address(signer_address, "signer")
        sent = self._ctx.transact(
            signer, "registerAdministration", checked.encode(), name, first, gas_model=GAS_REGISTER
        )
        self._ctx.forget_codes()
        return _result(sent, checked)

    def freeze(self, code: str, *, signer: Signer | None = None) -> AdministrationResult:
        """Freeze an administration whose keys are compromised. Governance only."""
        checked = self._ctx.registered(code)
        return _result(
            self._ctx.transact(signer, "freezeAdministration", checked.encode(), gas_model=GAS_FREEZE), checked
        )

    def unfreeze(self, code: str, *, signer: Signer | None = None) -> AdministrationResult:
        """Unfreeze an administration. Governance only."""
        checked = self._ctx.registered(code)
        return _result(
            self._ctx.transact(signer, "unfreezeAdministration", checked.encode(), gas_model=GAS_FREEZE), checked
        )

    def recover(self, code: str, new_signer: str, *, signer: Signer | None = None) -> AdministrationResult:
        """Replace all signers of a frozen administration with ``new_signer``. Governance only."""
        checked = self._ctx.registered(code)
        account = validation.address(new_signer, "new signer")
        sent = self._ctx.transact(signer, "recoverAdministration", checked.encode(), account, gas_model=GAS_RECOVER)
        return _result(sent, checked)

    def add_signer(self, account: str, *, signer: Signer | None = None) -> AdministrationResult:
        """Add ``account`` as a signer of the calling signer's administration."""
        new = validation.address(account, "signer")
        sent = self._ctx.transact(signer, "addSigner", new, gas_model=GAS_SIGNER)
        return _result(sent, str(self._ctx.event(sent.receipt, "SignerAdded")["code"].decode("ascii")))

    def remove_signer(self, account: str, *, signer: Signer | None = None) -> AdministrationResult:
        """Remove ``account`` from the calling signer's administration (it may remove itself)."""
        old = validation.address(account, "signer")
        sent = self._ctx.transact(signer, "removeSigner", old, gas_model=GAS_SIGNER)
        return _result(sent, str(self._ctx.event(sent.receipt, "SignerRemoved")["code"].decode("ascii")))

    def publish_exchange_key(
        self, public_key: bytes | str, gateway_url: str, *, signer: Signer | None = None
    ) -> ExchangeKeyResult:
        """Publish (or rotate) the calling signer's administration's X25519 exchange key and gateway
        URL; partners seal envelopes to the key and fetch them from the URL. Any signer of the
        administration, not while it is frozen."""
        key = validation.exchange_public_key(public_key)
        url = validation.gateway_url(gateway_url)
        sent = self._ctx.transact(signer, "publishExchangeKey", key, url, gas_model=GAS_EXCHANGE_KEY)
        event = self._ctx.event(sent.receipt, "ExchangeKeyPublished")
        code = bytes(event["code"]).decode("ascii")
        return ExchangeKeyResult(
            "0x" + sent.tx_hash.hex(), sent.block_number, sent.gas_used, code, int(event["version"])
        )

    def exchange_key(self, code: str) -> ExchangeKey | None:
        """``code``'s current exchange key and gateway URL, read from the chain (``None``: none published,
        as in a deployment of an earlier version without exchange keys)."""
        checked = validation.code(code)
        if "exchangeKey" not in self._ctx.codec.functions:
            return None
        public_key, url, version = self._ctx.call("exchangeKey", checked.encode())
        if version == 0:
            return None
        return ExchangeKey(checked, bytes(public_key), str(url), int(version))

    def get(self, code: str) -> Administration:
        """An administration's record; :class:`AdministrationNotFoundError` when unregistered."""
        checked = validation.code(code)
        registered, frozen, name, signers = self._ctx.call("administration", checked.encode())
        if not registered:
            known = ", ".join(self._ctx.known_codes(refresh=True)) or "none registered yet"
            raise AdministrationNotFoundError(f"unknown administration {checked!r}; known: {known}")
        return Administration(checked, str(name), bool(frozen), tuple(to_checksum_address(s) for s in signers))

    def list(self) -> builtins.list[Administration]:
        """Every registered administration, in registration order."""
        return [self.get(code) for code in self._ctx.known_codes(refresh=True)]

    def codes(self) -> tuple[str, ...]:
        """Every registered code, in registration order."""
        return self._ctx.known_codes(refresh=True)

    def of(self, account: str) -> str | None:
        """The administration ``account`` signs for, or None."""
        (raw,) = self._ctx.call("administrationOf", validation.address(account, "account"))
        value = bytes(raw)
        return None if value == b"\x00\x00" else value.decode("ascii")

    def governance(self) -> str:
        """The consortium governance address."""
        (address,) = self._ctx.call("governance")
        return to_checksum_address(address)
