"""The embedded durable node: eth-tester-style py-evm chain + journal + JSON-RPC.

In-process::

    chain = DurableChain("data")                      # realtime blocks; block_mode="instant" for tests
    w3 = Web3(DurableChainProvider(chain))

Over HTTP: ``python -m ledger_client.node --data-dir data --port 8545``.

The names below load their module on first use (PEP 562): ``ledger_client.node.config`` and
``ledger_client.node.errors`` import without py-evm (the ``[node]`` extra), so the CLI builds its
parser and a JSON-RPC client runs on the bare package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger_client.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from ledger_client.node.accounts import DevAccount
    from ledger_client.node.cli import main
    from ledger_client.node.config import BlockMode, NodeConfig
    from ledger_client.node.dispatcher import Dispatcher
    from ledger_client.node.durable import DurableChain, StartupReport
    from ledger_client.node.errors import (
        BlockNotFoundError,
        DataDirLockedError,
        ExecutionRevertedError,
        JournalCorruptedError,
        NodeClosedError,
        NodeConfigError,
        NodeError,
        NodeFailedError,
        ReplayDivergedError,
        SnapshotCorruptedError,
        TransactionRejectedError,
    )
    from ledger_client.node.provider import DurableChainProvider
    from ledger_client.node.server import RunningServer, create_app, serve, start_in_thread

_EXPORTS = {
    "BlockMode": "ledger_client.node.config",
    "BlockNotFoundError": "ledger_client.node.errors",
    "DataDirLockedError": "ledger_client.node.errors",
    "DevAccount": "ledger_client.node.accounts",
    "Dispatcher": "ledger_client.node.dispatcher",
    "DurableChain": "ledger_client.node.durable",
    "DurableChainProvider": "ledger_client.node.provider",
    "ExecutionRevertedError": "ledger_client.node.errors",
    "JournalCorruptedError": "ledger_client.node.errors",
    "NodeClosedError": "ledger_client.node.errors",
    "NodeConfig": "ledger_client.node.config",
    "NodeConfigError": "ledger_client.node.errors",
    "NodeError": "ledger_client.node.errors",
    "NodeFailedError": "ledger_client.node.errors",
    "ReplayDivergedError": "ledger_client.node.errors",
    "RunningServer": "ledger_client.node.server",
    "SnapshotCorruptedError": "ledger_client.node.errors",
    "StartupReport": "ledger_client.node.durable",
    "TransactionRejectedError": "ledger_client.node.errors",
    "create_app": "ledger_client.node.server",
    "main": "ledger_client.node.cli",
    "serve": "ledger_client.node.server",
    "start_in_thread": "ledger_client.node.server",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "BlockMode",
    "BlockNotFoundError",
    "DataDirLockedError",
    "DevAccount",
    "Dispatcher",
    "DurableChain",
    "DurableChainProvider",
    "ExecutionRevertedError",
    "JournalCorruptedError",
    "NodeClosedError",
    "NodeConfig",
    "NodeConfigError",
    "NodeError",
    "NodeFailedError",
    "ReplayDivergedError",
    "RunningServer",
    "SnapshotCorruptedError",
    "StartupReport",
    "TransactionRejectedError",
    "create_app",
    "main",
    "serve",
    "start_in_thread",
]
