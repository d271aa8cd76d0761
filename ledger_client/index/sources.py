"""Where the index and the auditor read blocks and logs: the :class:`LogSource` protocol.

The sources themselves belong to the chain backends (:mod:`ledger_client.backends.logs`):
:class:`RpcLogSource` (``eth_getLogs``), the in-memory chain's ``EthTesterLogSource`` and the
durable node's ``DurableNodeLogSource`` (both read in-process; importing them needs py-evm, so
they load on first use). Here: :func:`source_for` and :class:`FilteredLogSource` (fault injection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from web3 import Web3

from ledger_client.backends import log_source_for, logs
from ledger_client.backends.logs import *  # noqa: F403 - re-exported as logs.__all__ names them
from ledger_client.backends.logs import BlockHeader, BlockLogs, LogSource, TopicFilter
from ledger_client.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from ledger_client.backends.durable import DurableNodeLogSource
    from ledger_client.backends.memory_logs import EthTesterLogSource

__all__ = [
    "DurableNodeLogSource",
    "EthTesterLogSource",
    "FilteredLogSource",
    "source_for",
]
__all__ += logs.__all__

_IN_PROCESS = {
    "EthTesterLogSource": "ledger_client.backends.memory_logs",
    "DurableNodeLogSource": "ledger_client.backends.durable",
}


#: The in-process sources, imported on first use (they need py-evm).
__getattr__ = lazy_exports(__name__, _IN_PROCESS)


class FilteredLogSource:
    """Wraps a source and passes every block's logs through a function (tests, fault injection).

    The function receives the blocks read and returns the blocks to hand on: a test can drop,
    alter or reorder logs to show that the auditor detects it.
    """

    def __init__(self, inner: LogSource, transform: Callable[[list[BlockLogs]], list[BlockLogs]]) -> None:
        self._inner = inner
        self._transform = transform

    @property
    def address(self) -> str:
        """The wrapped source's address."""
        return self._inner.address

    def head(self) -> int:
        """The wrapped source's head."""
        return self._inner.head()

    def header(self, number: int) -> BlockHeader | None:
        """The wrapped source's header."""
        return self._inner.header(number)

    def read(self, from_block: int, to_block: int, topics: TopicFilter = ()) -> list[BlockLogs]:
        """The wrapped source's blocks, transformed."""
        return self._transform(self._inner.read(from_block, to_block, topics))


def source_for(w3: Web3, address: str, **kwargs: Any) -> LogSource:
    """The best source for a web3 instance (see :func:`ledger_client.backends.log_source_for`)."""
    return log_source_for(w3, address, **kwargs)
