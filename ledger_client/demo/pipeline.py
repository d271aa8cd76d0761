"""Many transactions in flight: send a group, then await the receipts (not one receipt at a time).

On a chain whose block time follows the clock (the embedded node's realtime blocks, a QBFT network)
a client that awaits each receipt before the next write gets about one write per block; a
:class:`Pipeline` sends the whole group, which then shares blocks, and awaits the receipts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger_client.ledger import Ledger
from ledger_client.signers import Signer


@dataclass(frozen=True)
class _Sent:
    signer: Signer
    tx_hash: bytes
    data: bytes


class Pipeline:
    """Contract calls of ``ledger`` sent without waiting; :meth:`settle` awaits them all."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._sent: list[_Sent] = []

    def send(self, signer: Signer, function: str, *args: Any, gas: int) -> None:
        """Sign and send ``function(*args)`` (no pre-flight: the demo's plan is valid by construction)."""
        context = self._ledger.context
        data = context.codec.encode(function, *args)
        gas = min(gas, context.chain.block_gas_limit())
        self._sent.append(_Sent(signer, context.sender.send(signer, context.address, data, gas), data))

    def settle(self) -> int:
        """Await every receipt sent since the last call; a revert raises its decoded error. Returns how many."""
        sent, self._sent = self._sent, []
        context = self._ledger.context
        for item in sent:
            context.sender.confirm(item.signer, item.tx_hash, context.address, item.data)
        return len(sent)
