"""The embedded durable node: eth-tester-style py-evm chain + journal + JSON-RPC.

In-process::

    chain = DurableChain("data")                      # realtime blocks; block_mode="instant" for tests
    w3 = Web3(DurableChainProvider(chain))

Over HTTP: ``python -m ledger_client.node --data-dir data --port 8545``.
"""

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
