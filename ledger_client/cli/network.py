"""``aeo-ledger network up|down|status``: one node and one gateway per administration on this machine.

``up`` starts, in the background, the durable embedded node (JSON-RPC on 127.0.0.1:8545) and one
gateway per demo administration (CL, CO, CR, MX, PE on 127.0.0.1:8001-8005), each
``aeo-ledger serve`` for its administration alone with its own state directory, keystore and
tokens; the first run deploys the ledger and seeds it as the demo does. Pid files and logs are in
the network directory. ``up`` again reuses the directory and seeds nothing twice; ``down`` stops
every process (SIGTERM, then a bounded wait); ``status`` shows each gateway, its block and its lag.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger_client.demo import CODES, DEFAULT_CERTIFICATES
from ledger_client.governance import SafeDeployment
from ledger_client.network.layout import DEFAULT_DIR, NETWORK_BLOCK_PERIOD_MS, Layout, NetworkError, Ports
from ledger_client.node.cli import add_block_period_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """up / down / status, each with --dir."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = sub.add_parser("up", help="start the node and the gateways in the background (seeding once)")
    defaults = Ports.default(CODES)
    up.add_argument("--rpc-port", type=int, default=defaults.rpc, help=f"node's JSON-RPC port (default {defaults.rpc})")
    up.add_argument(
        "--gateway-ports",
        default=None,
        help=f"comma-separated ports of the {', '.join(CODES)} gateways "
        f"(default {','.join(str(p) for p in defaults.gateways.values())})",
    )
    up.add_argument(
        "--certificates", type=int, default=DEFAULT_CERTIFICATES, help="certificates seeded on the first run"
    )
    up.add_argument(
        "--governance-key",
        action="store_true",
        help="development mode: a new network's governance is one designated key, not a 3-of-5 Safe of the "
        "administrations' governance keys (an existing network keeps what it was deployed with)",
    )
    add_block_period_argument(up, NETWORK_BLOCK_PERIOD_MS)
    down = sub.add_parser("down", help="stop the gateways and the node (SIGTERM, then a bounded wait)")
    down.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for each process (default 20)")
    status = sub.add_parser("status", help="each gateway: running, ready, its block and lag")
    for action in (up, down, status):
        action.add_argument(
            "--dir", type=Path, default=DEFAULT_DIR, help=f"network directory (default ./{DEFAULT_DIR})"
        )


def _ports(args: argparse.Namespace) -> Ports:
    defaults = Ports.default(CODES)
    if args.gateway_ports is None:
        return Ports(args.rpc_port, defaults.gateways)
    try:
        values = [int(part) for part in args.gateway_ports.split(",")]
    except ValueError as exc:
        raise NetworkError(f"--gateway-ports takes {len(CODES)} comma-separated numbers: {exc}") from exc
    if len(values) != len(CODES):
        raise NetworkError(f"--gateway-ports needs {len(CODES)} ports ({', '.join(CODES)}), got {len(values)}")
    return Ports(args.rpc_port, dict(zip(CODES, values, strict=True)))


def run(args: argparse.Namespace) -> int:
    """Act on the network in --dir."""
    from ledger_client.network import control

    layout = Layout(args.dir)
    if args.action == "up":
        result = control.up(
            layout,
            _ports(args),
            certificates=args.certificates,
            log=print,
            designated_governance_key=args.governance_key,
            block_period_ms=args.block_period_ms,
        )
        state = "freshly seeded" if result.seeded_now else "data kept from an earlier run"
        print(f"\naeo-ledger network up ({state}) in {layout.root}")
        print(f"  node    {result.rpc_url}   (JSON-RPC; log {layout.log_file('node')})")
        for gateway in result.gateways:
            print(f"  {gateway.code:<7} {gateway.url}   tokens: {gateway.tokens_file}")
        print(f"  governance {result.governance}   (keys in {layout.governance_keystores}, in no gateway)")
        if layout.safe_file.exists() and SafeDeployment.load(layout.safe_file).safe == result.governance:
            print(
                f"  a Safe: aeo-ledger governance prepare|sign|execute --rpc-url {result.rpc_url} "
                f"--deployment local, with AEO_LEDGER_DEPLOYMENTS_DIR={layout.deployments_dir}"
            )
        print("\nEach gateway serves its own administration only (console at its URL, API under /v1).")
        print(f"Stop with: aeo-ledger network down --dir {layout.root}", flush=True)
        return 0
    if args.action == "down":
        control.down(layout, timeout=args.timeout, log=print)
        return 0
    lines = control.status(layout)
    print(f"{'name':<7} {'url':<24} {'pid':>7}  {'state':<16} {'chain':>7} {'index':>7} {'lag':>5}")
    for line in lines:
        cells = [line.pid, line.chain_block, line.index_block, line.lag_blocks]
        pid, chain, index, lag = ("-" if value is None else str(value) for value in cells)
        print(f"{line.name:<7} {line.url:<24} {pid:>7}  {line.state:<16} {chain:>7} {index:>7} {lag:>5}")
    return 0 if all(line.state in ("running", "ready") for line in lines) else 1
