"""Chain backends: the seam under the client (see :mod:`ledger_client.backends.base`).

Importing this package needs neither eth-tester nor py-evm: the in-process backends
(:mod:`.memory`, :mod:`.durable`) import them, and are imported only by what builds them.
"""

from __future__ import annotations

from typing import Any

from web3 import Web3

from ledger_client.backends import logs
from ledger_client.backends.base import ChainBackend
from ledger_client.backends.logs import *  # noqa: F403 - re-exported as logs.__all__ names them
from ledger_client.backends.logs import LogSource, RpcLogSource
from ledger_client.backends.rpc import RpcBackend
from ledger_client.backends.types import BlockInfo, LogEntry, Receipt, SentFields, WriteStrategy


def log_source_for(w3: Web3, address: str, **kwargs: Any) -> LogSource:
    """The best log source for a web3 instance: the in-process one its provider offers (the
    in-memory chain's, the durable node's), py-evm read directly behind a plain eth-tester
    provider, ``eth_getLogs`` otherwise. ``kwargs`` go to the source (``lock``, ``max_range``, ``senders``)."""
    provider = w3.provider
    offered = getattr(provider, "log_source", None)
    if callable(offered) and not kwargs:
        source: LogSource = offered(address)
        return source
    tester = getattr(provider, "ethereum_tester", None)
    if tester is not None:
        from ledger_client.backends.memory_logs import EthTesterLogSource

        return EthTesterLogSource(tester, address, **kwargs)
    return RpcLogSource(w3, address, **kwargs)


__all__ = [
    "BlockInfo",
    "ChainBackend",
    "LogEntry",
    "Receipt",
    "RpcBackend",
    "SentFields",
    "WriteStrategy",
    "log_source_for",
]
__all__ += logs.__all__
