"""``aeo-ledger node``: run the durable node and serve JSON-RPC over HTTP."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ledger_client.node.config import (
    DEFAULT_BLOCK_PERIOD_MS,
    DEFAULT_CHAIN_ID,
    DEFAULT_MAX_DRIFT_S,
    DEFAULT_MNEMONIC,
    MIN_BLOCK_PERIOD_MS,
    BlockMode,
    NodeConfig,
)
from ledger_client.node.errors import NodeError

if TYPE_CHECKING:  # py-evm and the server load when the node runs, not when the CLI builds its parser
    from ledger_client.node.durable import DurableChain


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The node's options, added to ``parser`` (also used by ``aeo-ledger node``)."""
    parser.add_argument("--data-dir", required=True, help="journal and snapshot directory (created if missing)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8545, help="JSON-RPC port (default: 8545; 0 picks a free port)")
    parser.add_argument(
        "--chain-id", type=int, default=DEFAULT_CHAIN_ID, help=f"chain id of a new chain (default: {DEFAULT_CHAIN_ID})"
    )
    parser.add_argument(
        "--mnemonic",
        default=DEFAULT_MNEMONIC,
        help="BIP-39 mnemonic of the funded development accounts (default: the 'test test … junk' one)",
    )
    parser.add_argument("--accounts", type=int, default=10, help="development accounts funded at genesis (default: 10)")
    parser.add_argument(
        "--block-mode",
        choices=[mode.value for mode in BlockMode] + ["per_tx"],
        default=BlockMode.REALTIME.value,
        help="realtime: block time stays within --max-drift of the wall clock, transactions share blocks "
        "under load (default); instant: one block per transaction at once (tests; per_tx is its old "
        "name); interval: a block every --block-interval seconds",
    )
    parser.add_argument(
        "--block-interval", type=float, default=1.0, help="seconds between blocks in interval mode (default: 1.0)"
    )
    parser.add_argument(
        "--max-drift",
        type=int,
        default=DEFAULT_MAX_DRIFT_S,
        help=f"realtime mode: seconds a block may run ahead of the wall clock (default: {DEFAULT_MAX_DRIFT_S})",
    )
    add_block_period_argument(parser, DEFAULT_BLOCK_PERIOD_MS)
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default: INFO)")


def add_block_period_argument(parser: argparse.ArgumentParser, default: int) -> None:
    """``--block-period-ms`` (also an option of ``network up``, with its own default)."""
    parser.add_argument(
        "--block-period-ms",
        type=int,
        default=default,
        metavar="N",
        help=f"realtime mode: at least N ms between blocks, {MIN_BLOCK_PERIOD_MS}..{DEFAULT_BLOCK_PERIOD_MS}; below "
        f"{DEFAULT_BLOCK_PERIOD_MS} a block is sealed as soon as a transaction arrives N ms after the last one "
        "and blocks may share a second (development networks only; production QBFT has a period of at least "
        f"1 s) (default: {default})",
    )


def build_parser() -> argparse.ArgumentParser:
    """Arguments of ``aeo-ledger node``."""
    parser = argparse.ArgumentParser(prog="aeo-ledger node", description="Run the embedded durable EVM node.")
    add_arguments(parser)
    return parser


def banner(chain: DurableChain, url: str) -> str:
    """Anvil-style start-up text: accounts, keys, chain facts."""
    lines = ["", "Available Accounts", "=================="]
    lines += [f"({a.index}) {a.address} (10000 ETH)" for a in chain.accounts]
    lines += ["", "Private Keys", "=================="]
    lines += [f"({a.index}) {a.private_key}" for a in chain.accounts]
    report = chain.startup
    lines += [
        "",
        f"Mnemonic:          {chain.config.mnemonic}",
        f"Derivation path:   {chain.config.hd_path}/<index>",
        f"Chain ID:          {chain.config.chain_id}",
        f"Block mode:        {chain.config.block_mode.value}"
        + (
            f", block period {chain.config.block_period_ms} ms" if chain.config.block_mode is BlockMode.REALTIME else ""
        ),
        f"Head block:        {chain.head_number()}",
        f"Started in:        {report.seconds:.2f} s "
        f"({report.snapshot_segments} snapshot segments, "
        f"{report.replayed_records} journal records replayed)",
        "",
        f"Listening on {url}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the node with parsed arguments until interrupted; returns the exit code."""
    from ledger_client.node.durable import DurableChain
    from ledger_client.node.server import bind_socket, serve

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = NodeConfig(
            chain_id=args.chain_id,
            mnemonic=args.mnemonic,
            num_accounts=args.accounts,
            block_mode=BlockMode(args.block_mode),
            block_interval_s=args.block_interval,
            max_drift_s=args.max_drift,
            block_period_ms=args.block_period_ms,
        )
        chain = DurableChain(args.data_dir, config)
    except NodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind_socket(args.host, args.port)
        host, port = sock.getsockname()[:2]
        print(banner(chain, f"http://{host}:{port}"), flush=True)
        serve(chain, sock)
    finally:
        chain.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
