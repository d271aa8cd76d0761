"""Open the index of a :class:`~ledger_client.ledger.Ledger`: the right log source, the right start."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ledger_client.index.core import Index
from ledger_client.index.sources import LogSource

if TYPE_CHECKING:
    from ledger_client.ledger import Ledger


def log_source(ledger: Ledger) -> LogSource:
    """The log source the ledger's chain backend offers (in-process where it runs in this process)."""
    return ledger.chain.log_source(ledger.deployment.address)


def open_index(ledger: Ledger, path: Path) -> Index:
    """The read model of ``ledger`` in ``path`` (created, or reopened and checked against the deployment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return Index(
        path,
        log_source(ledger),
        start_block=ledger.deployment.deployment_block,
        chain_id=ledger.chain.chain_id,
        start_hash=ledger.guard.expected_block_hash,
    )
