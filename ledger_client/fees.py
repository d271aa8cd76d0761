"""Transaction fee pricing: legacy, EIP-1559 and zero-gas networks.

The mode is configured (:class:`~ledger_client.settings.FeeMode`) or detected once from the
node: a chain whose node prices gas at 0 and whose blocks carry no (or a zero) base fee is a
free-gas network (Besu ``--min-gas-price=0`` with ``zeroBaseFee``); blocks with a base fee mean
EIP-1559; otherwise legacy. Prices are refreshed at most every ``cache_seconds``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from ledger_client.settings import FeeMode

DEFAULT_PRIORITY_FEE = 10**9
"""Fallback tip (1 gwei) for nodes without ``eth_maxPriorityFeePerGas``."""


class FeeSource(Protocol):
    """What the fee policy reads from the node."""

    def base_fee(self) -> int | None:
        """Base fee of the latest block (None before London / on legacy chains)."""

    def gas_price(self) -> int:
        """``eth_gasPrice``."""

    def max_priority_fee(self) -> int | None:
        """``eth_maxPriorityFeePerGas`` (None when the node does not support it)."""


@dataclass(frozen=True)
class Fees:
    """The fee fields of one transaction."""

    mode: FeeMode
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None

    def transaction_fields(self) -> dict[str, int]:
        """The fields to merge into a transaction dict."""
        if self.mode is FeeMode.EIP1559:
            assert self.max_fee_per_gas is not None
            assert self.max_priority_fee_per_gas is not None
            return {"maxFeePerGas": self.max_fee_per_gas, "maxPriorityFeePerGas": self.max_priority_fee_per_gas}
        return {"gasPrice": self.gas_price or 0}

    def max_cost(self, gas: int) -> int:
        """Upper bound of the fee of a transaction using ``gas``."""
        per_gas = self.max_fee_per_gas if self.mode is FeeMode.EIP1559 else self.gas_price
        return gas * (per_gas or 0)


class FeePolicy:
    """Prices transactions according to a mode (configured or detected) and fixed overrides."""

    def __init__(
        self,
        source: FeeSource,
        mode: FeeMode = FeeMode.AUTO,
        *,
        gas_price: int | None = None,
        max_fee_per_gas: int | None = None,
        max_priority_fee_per_gas: int | None = None,
        cache_seconds: float = 2.0,
    ) -> None:
        self._source = source
        self._configured = mode
        self._mode: FeeMode | None = None if mode is FeeMode.AUTO else mode
        self._gas_price = gas_price
        self._max_fee = max_fee_per_gas
        self._max_priority = max_priority_fee_per_gas
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: Fees | None = None
        self._cached_at = 0.0

    @property
    def mode(self) -> FeeMode:
        """The effective mode (detected on first use when configured as AUTO)."""
        with self._lock:
            return self._detect()

    def _detect(self) -> FeeMode:
        if self._mode is None:
            base_fee = self._source.base_fee()
            gas_price = self._source.gas_price() if self._gas_price is None else self._gas_price
            if gas_price == 0 and not base_fee:
                self._mode = FeeMode.ZERO
            elif base_fee is not None:
                self._mode = FeeMode.EIP1559
            else:
                self._mode = FeeMode.LEGACY
        return self._mode

    def current(self) -> Fees:
        """Fees for a transaction sent now (cached for ``cache_seconds``)."""
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached_at < self._cache_seconds:
                return self._cached
            fees = self._price(self._detect())
            self._cached, self._cached_at = fees, now
            return fees

    def refresh(self) -> None:
        """Drop the cached prices (e.g. after an 'underpriced' rejection)."""
        with self._lock:
            self._cached = None

    def _price(self, mode: FeeMode) -> Fees:
        if mode is FeeMode.ZERO:
            return Fees(mode, gas_price=0)
        if mode is FeeMode.LEGACY:
            price = self._gas_price if self._gas_price is not None else self._source.gas_price()
            return Fees(mode, gas_price=price)
        tip = self._max_priority
        if tip is None:
            tip = self._source.max_priority_fee()
            if tip is None:
                tip = DEFAULT_PRIORITY_FEE
        max_fee = self._max_fee
        if max_fee is None:
            base_fee = self._source.base_fee() or 0
            max_fee = 2 * base_fee + tip
        return Fees(mode, max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))
