"""A web3.py provider that talks to a :class:`DurableChain` in-process (no HTTP)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from ledger_client.node.dispatcher import Dispatcher
from ledger_client.node.durable import DurableChain

if TYPE_CHECKING:
    from ledger_client.backends.durable import DurableNodeLogSource


class DurableChainProvider(JSONBaseProvider):
    """Serves web3.py requests through the same dispatcher as the HTTP server.

    Requests are JSON-encoded and decoded exactly as over HTTP, so both transports
    behave identically.
    """

    def __init__(self, chain: DurableChain, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chain = chain
        self.dispatcher = Dispatcher(chain)

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """Dispatch one request."""
        answer = self.dispatcher.handle_bytes(self.encode_rpc_request(method, params))
        assert answer is not None
        return self.decode_rpc_response(answer)

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        """Dispatch a batch of requests."""
        answer = self.dispatcher.handle_bytes(self.encode_batch_rpc_request(requests))
        assert answer is not None
        decoded: Any = self.decode_rpc_response(answer)
        if isinstance(decoded, list):
            return sorted(decoded, key=lambda response: int(response.get("id") or 0))
        return cast(RPCResponse, decoded)

    def log_source(self, address: str) -> DurableNodeLogSource:
        """The node's log index read in-process (see :func:`ledger_client.backends.log_source_for`)."""
        from ledger_client.backends.durable import DurableNodeLogSource

        return DurableNodeLogSource(self.chain, address)

    def is_connected(self, show_traceback: bool = False) -> bool:
        """True while the chain is open."""
        return not self.chain.closed
