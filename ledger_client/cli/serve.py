"""``aeo-ledger serve``: the HTTP API (default 127.0.0.1:8000, embedded durable chain in ./aeo-data)."""

from __future__ import annotations

import argparse
import contextlib

from ledger_client.cli.common import add_chain_arguments, settings_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to listen, and which chain."""
    add_chain_arguments(parser)
    parser.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8000)")
    parser.add_argument(
        "--administration",
        default=None,
        help="gateway mode: serve this administration only, with its own key (default: $AEO_LEDGER_ADMINISTRATION)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from api.config import ApiSettings
    from api.server import serve

    settings = settings_from(args, ApiSettings, host=args.host, port=args.port, administration=args.administration)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C / SIGINT is the normal way to stop
        serve(settings)
    return 0
