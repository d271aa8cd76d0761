"""Foresight: what is already known about the chain's state, consulted before a write goes out
unchecked.

Where the sender sends without a pre-flight (the durable embedded chain, see
:attr:`~ledger_client.transactions.TransactionSender.optimistic`), a write the contract refuses is
mined as a reverted transaction. A :class:`Foresight` (the API installs
:class:`~ledger_client.index.foresight.IndexForesight`, backed by its index) is asked first about
every write, whatever the module; when it names a reason to doubt, the write is pre-flighted with
``eth_call``: the contract's own rules then decide, a foreseen refusal raises the named error
before anything is signed, and a stale doubt (the index behind the chain) costs one call and
nothing else. A reverted transaction is left only by a genuine race.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Foresight(Protocol):
    """Predicts, from known state, whether a contract write would revert."""

    def doubt(self, function: str, sender: str, args: Sequence[Any]) -> str | None:
        """Why ``function(*args)`` sent by ``sender`` would revert, or None when nothing known says so.

        ``args`` are the contract function's arguments as the domain modules encode them (codes
        as ``bytes2``, ids as ``bytes32``), except ``issue`` and ``issueBatch``, which give the
        certificate numbers (``str``; one, or a list) instead of the encoded inputs.
        """
