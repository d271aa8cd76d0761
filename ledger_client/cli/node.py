"""``aeo-ledger node``: the embedded durable node served over JSON-RPC."""

from ledger_client.node.cli import add_arguments, run

__all__ = ["add_arguments", "run"]
