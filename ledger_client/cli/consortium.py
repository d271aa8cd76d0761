"""``aeo-ledger consortium``: the Hyperledger Besu QBFT network kit.

aeo-ledger consortium init --validators CL,CO,CR,MX,PE --out DIR [--chain-id 2026 --block-period 2 ...]
aeo-ledger consortium new-key --out DIR          a new node key (rotation, a new validator)
aeo-ledger consortium node-key --keystore K --password-file P --out FILE   Besu's raw key from a keystore
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger_client.consortium.errors import KitExistsError
from ledger_client.consortium.keys import NodeKey, read_encrypted, write_encrypted, write_raw_key
from ledger_client.consortium.kit import init_kit
from ledger_client.consortium.options import (
    DEFAULT_BESU_IMAGE,
    DEFAULT_GATEWAY_IMAGE,
    EIP170_CONTRACT_SIZE_LIMIT,
    KitOptions,
    parse_validators,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """init / new-key / node-key."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = sub.add_parser("init", help="generate the network: keys, genesis, Besu configs, compose file, runbook")
    init.add_argument("--validators", required=True, help="ISO alpha-2 codes, comma-separated (at least 4)")
    init.add_argument("--out", required=True, type=Path, help="directory to write (must be empty unless --force)")
    init.add_argument("--force", action="store_true", help="replace an earlier kit in --out (one holding network.json)")
    init.add_argument("--chain-id", type=int, default=2026, help="chain id of the network (default 2026)")
    init.add_argument("--block-period", type=int, default=2, help="seconds between blocks (default 2)")
    init.add_argument("--request-timeout", type=int, default=4, help="QBFT round timeout in seconds (default 4)")
    init.add_argument("--epoch-length", type=int, default=30_000, help="blocks between vote resets")
    init.add_argument(
        "--contract-size-limit",
        type=int,
        default=EIP170_CONTRACT_SIZE_LIMIT,
        help=f"largest contract code in bytes (default {EIP170_CONTRACT_SIZE_LIMIT}, EIP-170)",
    )
    init.add_argument("--p2p-base-port", type=int, default=30303, help="node i listens on base + i")
    init.add_argument("--rpc-base-port", type=int, default=8545, help="node i's JSON-RPC on base + i")
    init.add_argument("--gateway-base-port", type=int, default=8001, help="gateway i on 127.0.0.1:base + i")
    init.add_argument("--subnet", default="172.16.239.0/24", help="private compose network of the validators")
    init.add_argument("--deployment", default="consortium", help="deployment manifest name the gateways use")
    init.add_argument(
        "--besu-image", default=DEFAULT_BESU_IMAGE, help=f"Besu container image (default {DEFAULT_BESU_IMAGE})"
    )
    init.add_argument(
        "--gateway-image",
        default=DEFAULT_GATEWAY_IMAGE,
        help=f"gateway container image (default {DEFAULT_GATEWAY_IMAGE})",
    )

    new_key = sub.add_parser("new-key", help="a new node key: raw key file + encrypted keystore + password")
    new_key.add_argument("--out", required=True, type=Path, help="directory for key, node.json, node.password")
    new_key.add_argument("--host", default="127.0.0.1", help="host of the printed enode URL")
    new_key.add_argument("--port", type=int, default=30303, help="p2p port of the printed enode URL")

    node_key = sub.add_parser("node-key", help="write Besu's raw key file from an encrypted node keystore")
    node_key.add_argument("--keystore", required=True, type=Path, help="the node's encrypted keystore (node.json)")
    node_key.add_argument("--password-file", required=True, type=Path, help="file holding the keystore's password")
    node_key.add_argument("--out", required=True, type=Path, help="the raw key file (mode 0600)")


def _init(args: argparse.Namespace) -> int:
    options = KitOptions(
        validators=parse_validators(args.validators),
        out=args.out,
        chain_id=args.chain_id,
        block_period_seconds=args.block_period,
        request_timeout_seconds=args.request_timeout,
        epoch_length=args.epoch_length,
        contract_size_limit=args.contract_size_limit,
        p2p_base_port=args.p2p_base_port,
        rpc_base_port=args.rpc_base_port,
        gateway_base_port=args.gateway_base_port,
        subnet=args.subnet,
        besu_image=args.besu_image,
        gateway_image=args.gateway_image,
        deployment=args.deployment,
        force=args.force,
    )
    result = init_kit(options)
    plan = result.plan
    print(f"QBFT network for {', '.join(options.validators)} written to {result.directory} ({len(result.files)} files)")
    print(f"chain id {options.chain_id}; tolerates {plan.max_down()} of {len(plan.nodes)} validators down")
    for node in plan.nodes:
        endpoints = f"rpc 127.0.0.1:{node.rpc_port}  gateway 127.0.0.1:{node.gateway_port}"
        print(f"  {node.code}  validator {node.key.address}  {endpoints}")
    print(f"governance {plan.governance.address}")
    print(f"next: {result.directory / 'RUNBOOK.md'}")
    return 0


def _new_key(args: argparse.Namespace) -> int:
    out: Path = args.out
    targets = [out / "key", out / "node.json", out / "node.password"]
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise KitExistsError(f"{', '.join(existing)} already exist; a node key is never overwritten")
    key = NodeKey.generate()
    write_raw_key(key.private_key, targets[0])
    write_encrypted(key.signer(), targets[1], targets[2])
    print(f"validator address {key.address}")
    print(f"enode {key.enode(args.host, args.port)}")
    print(f"written: {', '.join(str(path) for path in targets)}")
    return 0


def _node_key(args: argparse.Namespace) -> int:
    key = NodeKey(read_encrypted(args.keystore, args.password_file))
    write_raw_key(key.private_key, args.out)
    print(f"node key of {key.address} written to {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch the action."""
    actions = {"init": _init, "new-key": _new_key, "node-key": _node_key}
    return actions[args.action](args)
