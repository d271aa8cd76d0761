"""``aeo-ledger network``: the realistic topology on one machine.

One durable embedded node serving JSON-RPC and one gateway per demo administration (each
``aeo-ledger serve`` in gateway mode, :mod:`api.gateway`), each with its own state directory,
keystore and tokens, seeded as the demo is, through the node, with each administration's own key
and governance by its own designated key. Layout in :mod:`ledger_client.network.layout`.
"""

from ledger_client.network.layout import Layout, NetworkError, Ports
from ledger_client.network.processes import ProcessInfo, is_running, start_process, stop_process

__all__ = ["Layout", "NetworkError", "Ports", "ProcessInfo", "is_running", "start_process", "stop_process"]
