"""Sending contract transactions: pre-flight, gas, fees, nonce, local signing, receipt.

Every write goes the same way:

1. pre-flight — ``eth_estimateGas`` (RPC nodes) or ``eth_call`` (embedded chain, where py-evm's
   estimator re-executes the call ~20 times); a revert raises the decoded named exception and
   nothing is sent;
2. the signer's nonce is reserved, the transaction signed locally and handed to the node with
   ``eth_sendRawTransaction`` (a nonce refusal resyncs the counter and retries once);
3. the receipt is awaited with a timeout; a reverted receipt is replayed with ``eth_call`` to
   name the custom error.

Before anything is signed the sender asks its guard (:mod:`ledger_client.guard`) whether the chain
still holds the deployment: a reset node gets nothing. Every signed transaction is kept by the
signer's :class:`~ledger_client.nonces.NonceManager`, which re-sends it if a reorg drops it; while
a receipt is awaited the sender checks for that every few seconds, so a write dropped by a reorg
lands again instead of hanging. A transaction whose receipt does not arrive in time raises
:class:`TransactionTimeoutError` carrying its hash: it may still land, and its outcome is read
by hash later (:mod:`ledger_client.outcomes`), never assumed failed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from eth_utils.crypto import keccak

from ledger_client.backends import WriteStrategy
from ledger_client.chain import Chain, Receipt
from ledger_client.errors import (
    ChainUnavailableError,
    GasLimitExceededError,
    TransactionFailedError,
    TransactionRejectedError,
    TransactionTimeoutError,
)
from ledger_client.fees import FeePolicy, Fees
from ledger_client.nonces import NonceManager, NonceRegistry, Restoration
from ledger_client.settings import GasStrategy
from ledger_client.signers import Signer

#: Gas limit used in ``simulate`` mode when the caller gives no model.
DEFAULT_GAS_LIMIT = 500_000
#: Seconds between checks, while a receipt is awaited, that a reorg did not drop the signer's transactions.
RESTORE_EVERY_SECONDS = 2.0
#: EIP-7825 (Osaka): no transaction may carry more than 2**24 gas (anvil ``--enable-tx-gas-limit``,
#: Hardhat, Besu and geth after Fusaka enforce it).
TX_GAS_CAP = 2**24
_NONCE_HINTS = ("nonce", "already known", "replacement transaction")
#: How nodes say a transaction's gas limit can never fit (anvil, geth, Besu, Hardhat wordings).
_GAS_LIMIT_HINTS = ("gas limit", "gas_limit", "gas cap", "gaslimit", "intrinsic gas")


@dataclass(frozen=True)
class SentTransaction:
    """A mined, successful transaction."""

    tx_hash: bytes
    block_number: int
    gas_used: int
    receipt: Receipt


class _Reverted(Exception):
    """Internal: a speculative transaction reverted and was rolled back."""


class TransactionJournal(Protocol):
    """Where a request records the transactions it signs, to re-send them when it is retried."""

    def replay(self, position: int, recipient: str | None, data: bytes) -> bytes | None:
        """The signed transaction recorded at ``position`` for this call, if any."""

    def record(self, position: int, recipient: str | None, data: bytes, raw: bytes) -> None:
        """Record a signed transaction durably, before it is sent."""


@dataclass
class _JournalCursor:
    journal: TransactionJournal
    position: int = 0

    def advance(self) -> int:
        position = self.position
        self.position += 1
        return position


_JOURNAL: ContextVar[_JournalCursor | None] = ContextVar("aeo_ledger_transaction_journal", default=None)


@contextmanager
def journaled(journal: TransactionJournal) -> Iterator[None]:
    """Send the transactions of the enclosed code through ``journal`` (see :meth:`TransactionSender.send`).

    The API wraps each request that carries an Idempotency-Key in it, so that a retry after a
    crash re-sends what the first run signed: every write lands once.
    """
    token = _JOURNAL.set(_JournalCursor(journal))
    try:
        yield
    finally:
        _JOURNAL.reset(token)


@dataclass
class SendCounters:
    """Outcomes of the transactions awaited since start (monotonic; the gateway's ``/metrics``).
    Senders run in many threads: count with :meth:`add`."""

    confirmed: int = 0
    reverted: int = 0  # executed and reverted (mined with status 0, or rolled back on the in-memory chain)
    timed_out: int = 0  # sent, but no receipt within the timeout
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: str) -> None:
        """Count one ``confirmed``, ``reverted`` or ``timed_out`` transaction."""
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)


def rebroadcast(chain: Chain, raw: bytes) -> None:
    """Hand a signed transaction to the node again; one it already holds counts as handed.

    Raises :class:`TransactionRejectedError` when the node refuses it and does not hold it.
    """
    try:
        chain.send_raw(raw)
    except TransactionRejectedError:
        if not chain.knows_transaction(bytes(keccak(raw))):
            raise


class DeploymentCheck(Protocol):
    """What the sender asks before signing: does the chain still hold the deployment?"""

    def check(self, *, max_age: float | None = None) -> None:
        """Raise :class:`~ledger_client.errors.ChainResetError` when it does not."""


class TransactionSender:
    """Builds, signs, sends and awaits transactions for any number of local signers."""

    def __init__(
        self,
        chain: Chain,
        fees: FeePolicy,
        nonces: NonceRegistry,
        *,
        gas_strategy: GasStrategy = GasStrategy.AUTO,
        gas_margin: float = 1.2,
        tx_gas_cap: int = TX_GAS_CAP,
    ) -> None:
        self.chain = chain
        self.fees = fees
        self.nonces = nonces
        self.tx_gas_cap = tx_gas_cap
        if gas_strategy is GasStrategy.AUTO:
            gas_strategy = GasStrategy.SIMULATE if chain.embedded else GasStrategy.ESTIMATE
        self.gas_strategy = gas_strategy
        self.gas_margin = gas_margin
        self.counters = SendCounters()
        #: Checks that the chain still holds the deployment (set by the ledger once deployed).
        self.guard: DeploymentCheck | None = None

    def require_deployment(self) -> None:
        """Raise :class:`~ledger_client.errors.ChainResetError` when the chain lost the deployment."""
        if self.guard is not None:
            self.guard.check()

    def restore(self, address: str) -> Restoration:
        """Re-send the signer's transactions the node lost (a reorg); see :class:`NonceManager`."""
        self.require_deployment()
        return self.nonces.for_address(address).restore()

    def max_gas(self) -> int:
        """The most gas one transaction may carry: min(latest block gas limit, per-transaction cap)."""
        return min(self.chain.block_gas_limit(), self.tx_gas_cap)

    def preflight(self, signer: Signer, to: str, data: bytes, gas_model: int | None = None) -> int:
        """Check that the call would succeed now and return the gas limit to use.

        Raises the decoded :class:`~ledger_client.errors.ContractRevert` when it would revert, and
        :class:`GasLimitExceededError` when it needs more gas than one transaction may carry.
        """
        limit = self.max_gas()
        if self.gas_strategy is GasStrategy.ESTIMATE:
            estimate = self.chain.estimate_gas(to, data, signer.address)
            if estimate > limit:
                raise GasLimitExceededError(
                    f"the transaction needs {estimate:,} gas; one transaction may carry at most {limit:,} here"
                )
            return min(int(estimate * self.gas_margin) + 10_000, limit)
        self.chain.call(to, data, signer.address)
        return min(gas_model or DEFAULT_GAS_LIMIT, limit)

    def send(self, signer: Signer, to: str | None, data: bytes, gas: int) -> bytes:
        """Sign with the next nonce and hand the transaction to the node; return its hash.

        Inside :func:`journaled`, the signed transaction is recorded before it is sent, and a
        transaction recorded by an earlier run of the same request is re-sent instead of a new one.
        """
        if to is not None:
            self.require_deployment()
        cursor = _JOURNAL.get()
        position = cursor.advance() if cursor is not None else -1
        if cursor is not None:
            replayed = self._replay(cursor.journal.replay(position, to, data))
            if replayed is not None:
                return replayed
        manager = self.nonces.for_address(signer.address)
        for attempt in range(2):
            try:
                with self._signed(manager, signer, to, data, gas) as (raw, tx_hash):
                    if cursor is not None:
                        cursor.journal.record(position, to, data, raw)
                    handed = self._hand_over(raw, tx_hash)
                    if isinstance(handed, bytes):
                        return handed
            except TransactionRejectedError as exc:
                if self._retry_after(exc, gas, first=attempt == 0):
                    continue
                raise
            # outside reserve(): the nonce stays consumed, the node may hold the transaction
            raise TransactionTimeoutError(
                f"transaction 0x{tx_hash.hex()} was handed to the node, which did not answer ({handed}); it "
                "may land: it is kept and re-sent once the node answers, read its outcome by its hash",
                tx_hash=tx_hash,
            ) from handed
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _signed(
        self, manager: NonceManager, signer: Signer, to: str | None, data: bytes, gas: int
    ) -> Iterator[tuple[bytes, bytes]]:
        """Within ``manager``'s next nonce (released if the block raises before the transaction is
        out): the transaction signed at the current fees and kept as that nonce's, ``(raw, hash)``."""
        fees = self.fees.current()
        with manager.reserve() as nonce:
            raw = self._sign(signer, nonce, to, data, gas=gas, fees=fees)
            tx_hash = bytes(keccak(raw))
            manager.keep(nonce, tx_hash, raw)
            yield raw, tx_hash

    def _sign(self, signer: Signer, nonce: int, to: str | None, data: bytes, *, gas: int, fees: Fees) -> bytes:
        """The signed raw transaction (to None: a contract creation)."""
        transaction: dict[str, object] = {
            "chainId": self.chain.chain_id,
            "nonce": nonce,
            "gas": gas,
            "value": 0,
            "data": data,
            **fees.transaction_fields(),
        }
        if to is not None:
            transaction["to"] = to
        return signer.sign_transaction(transaction)

    def _hand_over(self, raw: bytes, tx_hash: bytes) -> bytes | ChainUnavailableError:
        """``eth_sendRawTransaction``: the hash, or the error of a node that did not answer and may
        hold the transaction anyway; raises when the node answers that it does not have it."""
        try:
            return self.chain.send_raw(raw)
        except ChainUnavailableError as exc:
            received = self._maybe_received(tx_hash)
            if received is False:
                raise  # the node answers that it does not have it: nothing was sent
            if received is True:
                return tx_hash
            return exc  # keep the nonce: the node may hold the transaction

    def _retry_after(self, exc: TransactionRejectedError, gas: int, *, first: bool) -> bool:
        """Whether a refused transaction is worth one more attempt (a stale nonce or fee); a gas
        limit the node finds too large is :class:`GasLimitExceededError` (permanent)."""
        message = str(exc).lower()
        if any(hint in message for hint in _GAS_LIMIT_HINTS):
            raise GasLimitExceededError(
                f"the node refused a transaction with a gas limit of {gas:,} as too large for one "
                f"transaction ({exc}); this is permanent, split the work"
            ) from exc
        if first and any(hint in message for hint in _NONCE_HINTS):
            return True  # the counter was resynced by reserve(); try once more
        if first and "underpriced" in message:
            self.fees.refresh()
            return True
        return False

    def _maybe_received(self, tx_hash: bytes) -> bool | None:
        """After a failed ``eth_sendRawTransaction``: does the node hold the transaction anyway?

        True or False when the node answers; None when it cannot say (it stopped answering).
        """
        try:
            return self.chain.knows_transaction(tx_hash)
        except ChainUnavailableError:
            return None

    def has_replay(self, to: str | None, data: bytes) -> bool:
        """Whether the next :meth:`send` re-sends a transaction an earlier run of this request signed
        (then no pre-flight: the outcome is that transaction's, whatever the chain's state now)."""
        cursor = _JOURNAL.get()
        return cursor is not None and cursor.journal.replay(cursor.position, to, data) is not None

    def _replay(self, raw: bytes | None) -> bytes | None:
        """Re-send a transaction an earlier run signed; None when it can no longer land (send anew)."""
        if raw is None:
            return None
        tx_hash = bytes(keccak(raw))
        if self.chain.receipt(tx_hash) is not None or self.chain.knows_transaction(tx_hash):
            return tx_hash  # it landed (or waits in the pool): confirm it, send nothing
        try:
            return self.chain.send_raw(raw)
        except TransactionRejectedError:
            return None  # its nonce went to another transaction meanwhile: this call was never sent

    def confirm(
        self, signer: Signer, tx_hash: bytes, to: str | None, data: bytes, timeout: float | None = None
    ) -> SentTransaction:
        """Await the receipt; a revert raises the decoded error.

        Every :data:`RESTORE_EVERY_SECONDS` without a receipt the signer's nonces are compared with
        the node's (a reorg may have dropped the transaction: it is then re-sent, same hash). After
        ``timeout`` (default: the chain's receipt timeout) :class:`TransactionTimeoutError` carries
        the hash: the transaction may still land.
        """
        limit = self.chain.receipt_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            remaining = deadline - time.monotonic()
            try:
                receipt = self.chain.wait_for_receipt(tx_hash, max(0.0, min(remaining, RESTORE_EVERY_SECONDS)))
                break
            except TransactionTimeoutError:
                if time.monotonic() >= deadline:
                    self.counters.add("timed_out")
                    raise TransactionTimeoutError(
                        f"transaction 0x{tx_hash.hex()} was sent but not mined within {limit:g} s; it may still "
                        "land (it is kept and re-sent if a reorg drops it): read its outcome by its hash",
                        tx_hash=tx_hash,
                    ) from None
                try:
                    self.restore(signer.address)
                except ChainUnavailableError as exc:
                    raise self._unconfirmed(tx_hash, exc) from exc
            except ChainUnavailableError as exc:
                raise self._unconfirmed(tx_hash, exc) from exc
        if receipt.status != 1:
            self.counters.add("reverted")
            if to is None:
                raise TransactionRejectedError(f"contract creation 0x{tx_hash.hex()} failed")
            raise self.chain.failure_of(receipt, to, data, signer.address)
        self.counters.add("confirmed")
        return SentTransaction(tx_hash, receipt.block_number, receipt.gas_used, receipt)

    @staticmethod
    def _unconfirmed(tx_hash: bytes, cause: ChainUnavailableError) -> TransactionTimeoutError:
        return TransactionTimeoutError(
            f"transaction 0x{tx_hash.hex()} was sent, then the chain stopped answering ({cause}); it may still "
            "land: read its outcome by its hash",
            tx_hash=tx_hash,
        )

    @property
    def optimistic(self) -> bool:
        """Whether to send without a pre-flight: the backend's :attr:`WriteStrategy.OPTIMISTIC` (the
        durable embedded chain), or where the settings say so (:attr:`GasStrategy.OPTIMISTIC`).

        py-evm interprets every opcode, so a pre-flight doubles the cost of a write. On the
        embedded durable chain (a development or single-site chain whose gas costs nothing) a
        write is sent directly; if it reverts, the failed transaction stays on the chain as on any
        node and the error is decoded by replaying it. Nodes reached by URL keep the pre-flight
        unless configured otherwise (a revert there may burn gas that has a price).
        """
        return self.chain.write_strategy is WriteStrategy.OPTIMISTIC or self.gas_strategy is GasStrategy.OPTIMISTIC

    @property
    def can_speculate(self) -> bool:
        """Whether to mine without a pre-flight and roll back on a revert (the backend's
        :attr:`WriteStrategy.SPECULATE`: the in-memory chain), outside :func:`journaled`
        requests, whose transactions must be recorded first."""
        return self.chain.write_strategy is WriteStrategy.SPECULATE and _JOURNAL.get() is None

    def send_speculative(self, signer: Signer, to: str, data: bytes, gas: int) -> SentTransaction | None:
        """In-memory chain only: mine the transaction without a pre-flight; roll it back if it reverts.

        Saves the pre-flight execution on the happy path (py-evm interprets every opcode, so a
        simulation costs as much as the transaction). Returns None when the transaction reverted;
        the chain is then exactly as before and the signer's nonce is resynced.
        """
        self.require_deployment()
        manager = self.nonces.for_address(signer.address)
        for attempt in range(2):
            try:
                with self._signed(manager, signer, to, data, gas) as (raw, tx_hash):
                    mined = self.chain.speculate(raw)
                    if mined is None:
                        raise _Reverted
                    receipt = mined
            except _Reverted:
                self.counters.add("reverted")
                return None
            except TransactionRejectedError as exc:
                if attempt == 0 and any(hint in str(exc).lower() for hint in _NONCE_HINTS):
                    continue
                raise
            self.counters.add("confirmed")
            return SentTransaction(tx_hash, receipt.block_number, receipt.gas_used, receipt)
        raise AssertionError("unreachable")  # pragma: no cover

    def unchecked(self, to: str, data: bytes, gas_model: int | None) -> bool:
        """Whether :meth:`transact` would send this call without any check, so that a revert would
        stay on the chain (optimistic chain, gas model given, not a journaled re-send)."""
        return not self.can_speculate and self.optimistic and gas_model is not None and not self.has_replay(to, data)

    def transact(
        self, signer: Signer, to: str, data: bytes, *, gas_model: int | None = None, timeout: float | None = None
    ) -> SentTransaction:
        """Pre-flight, send and confirm one contract call.

        On the in-memory chain the pre-flight is skipped: the transaction is mined speculatively
        and rolled back if it reverts, then replayed with ``eth_call`` to name the error.
        """
        self.require_deployment()
        if self.can_speculate:
            gas = min(gas_model or DEFAULT_GAS_LIMIT, self.max_gas())
            sent = self.send_speculative(signer, to, data, gas)
            if sent is not None:
                return sent
            self.chain.call(to, data, signer.address)  # raises the decoded revert
            raise TransactionFailedError(f"the transaction ran out of gas (limit {gas}) and was rolled back")
        if (self.optimistic and gas_model is not None) or self.has_replay(to, data):
            gas = min(gas_model or DEFAULT_GAS_LIMIT, self.max_gas())
        else:
            gas = self.preflight(signer, to, data, gas_model)
        tx_hash = self.send(signer, to, data, gas)
        return self.confirm(signer, tx_hash, to, data, timeout)
