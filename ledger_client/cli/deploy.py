"""``aeo-ledger deploy``: deploy the contracts on a JSON-RPC node and write the manifest."""

from __future__ import annotations

import argparse

from ledger_client.cli.common import settings_from
from ledger_client.errors import ConfigurationError
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings
from ledger_client.signers import load_signer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Deployment options; the deployer's key comes from Settings (keystore + password file)."""
    parser.add_argument(
        "--rpc-url", required=True, help="JSON-RPC URL of the node (Besu, geth, anvil, aeo-ledger node)"
    )
    parser.add_argument("--name", default=None, help="manifest name: deployments/<name>.json (default: 'local')")
    parser.add_argument("--governance", default=None, help="consortium governance address (default: the deployer)")
    parser.add_argument("--deployments-dir", default=None, help="where manifests are written (default: deployments)")
    parser.add_argument(
        "--force", action="store_true", help="replace an existing manifest of that name (default: refuse)"
    )


def run(args: argparse.Namespace) -> int:
    """Deploy and print the manifest path and contract address."""
    settings = settings_from(args, Settings, deployments_dir=args.deployments_dir)
    signer = load_signer(settings)
    if signer is None:
        raise ConfigurationError(
            "deploying needs a funded key: set AEO_LEDGER_KEYSTORE and AEO_LEDGER_KEYSTORE_PASSWORD_FILE "
            "(or AEO_LEDGER_PRIVATE_KEY for development)"
        )
    with Ledger.deploy(
        args.rpc_url, signer=signer, governance=args.governance, name=args.name, settings=settings, overwrite=args.force
    ) as ledger:
        deployment = ledger.deployment
        where = f"chain {deployment.chain_id}, block {deployment.deployment_block}"
        print(f"AeoLedger deployed at {deployment.address} ({where})")
        print(f"governance: {deployment.governance}")
        print(f"manifest:   {settings.manifest_path(deployment.name)}")
    return 0
