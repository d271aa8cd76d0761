"""``aeo-ledger migrate``: carry a deployment's full state to a new contract version, by replay.

aeo-ledger migrate --name v2 [--deployment local] [chain options] --keystores DIR [--keystores DIR …]
                   [--keystore K --password-file P …] [--development-keys] [--dry-run] [--force]

Every key an original sender (and, for Safe-relayed governance writes, the Safe's owners) needs is
checked before anything is sent; ``--dry-run`` stops there. The new version is deployed with the old
one's governance and by the old one's deployer (or the configured key), every write is replayed
(:mod:`ledger_client.migration`; a known earlier version's writes translated to the current ABI by
:mod:`ledger_client.translation`), the two deployments are compared, and then
``<name>.migration.json`` (the record) and ``<name>.json`` (the new manifest) are written next to
the old manifest.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger_client.cli.common import DEFAULT_DATA_DIR, add_chain_arguments, open_ledger, settings_from
from ledger_client.deployment import deploy
from ledger_client.errors import ConfigurationError, LedgerError
from ledger_client.ledger import Ledger
from ledger_client.migration import MigrationError, MigrationPlan, MigrationRecord, migrate, plan_migration
from ledger_client.settings import Settings
from ledger_client.signers import Signer, development_signers, load_signer

#: A keystores directory's password shared by all its keystores (the gateways' layout).
SHARED_PASSWORD = "password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The old deployment (chain options), the new name, and the keys of the original senders."""
    add_chain_arguments(parser)
    parser.add_argument("--name", required=True, help="the new deployment's manifest name (<name>.json)")
    parser.add_argument(
        "--deployments-dir",
        type=Path,
        default=None,
        help="with --rpc-url: where the manifests are (default: deployments); else <data-dir>/deployments",
    )
    keys = parser.add_argument_group("keys of the original senders")
    keys.add_argument(
        "--keystores",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="every <NAME>.json keystore in DIR, with <NAME>.password or a shared 'password' file "
        "(the demo's, a gateway's and network up's governance/keystores layout); repeatable",
    )
    keys.add_argument("--keystore", type=Path, action="append", default=[], help="one keystore; repeatable")
    keys.add_argument(
        "--password-file", type=Path, action="append", default=[], help="the password of each --keystore, in order"
    )
    keys.add_argument(
        "--development-keys",
        action="store_true",
        help="also the node's well-known development accounts (embedded chain, aeo-ledger node, anvil)",
    )
    parser.add_argument("--dry-run", action="store_true", help="check the keys and count the writes; send nothing")
    parser.add_argument("--force", action="store_true", help="replace an existing manifest <name>.json")


def _password(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigurationError(f"cannot read password file {path}: {exc.strerror}") from exc


def _directory_keys(directory: Path) -> list[Signer]:
    if not directory.is_dir():
        raise ConfigurationError(f"--keystores {directory} is not a directory")
    found = []
    for keystore in sorted(directory.glob("*.json")):
        own, shared = keystore.with_suffix(".password"), directory / SHARED_PASSWORD
        if not own.exists() and not shared.exists():
            raise ConfigurationError(f"keystore {keystore} has no password file {own.name} nor {SHARED_PASSWORD}")
        found.append(Signer.from_keystore(keystore, _password(own if own.exists() else shared)))
    if not found:
        raise ConfigurationError(f"--keystores {directory} holds no <NAME>.json keystore")
    return found


def load_keys(args: argparse.Namespace, settings: Settings) -> dict[str, Signer]:
    """Every key the options name, by address: keystore directories, keystore files, the configured key."""
    if len(args.keystore) != len(args.password_file):
        raise ConfigurationError(
            f"{len(args.keystore)} --keystore but {len(args.password_file)} --password-file: give one per keystore"
        )
    signers: list[Signer] = []
    for directory in args.keystores:
        signers += _directory_keys(directory)
    signers += [Signer.from_keystore(k, _password(p)) for k, p in zip(args.keystore, args.password_file, strict=True)]
    if args.development_keys:
        signers += development_signers()
    configured = load_signer(settings)
    if configured is not None:
        signers.append(configured)
    return {signer.address: signer for signer in signers}


def manifests_dir(settings: Settings) -> Path:
    """Where the old deployment's manifest is (and the new one's and the record go)."""
    if settings.rpc_url is not None:
        return settings.deployments_dir
    return (settings.data_dir or DEFAULT_DATA_DIR) / "deployments"


def new_version_deployer(old: Ledger, keys: dict[str, Signer], settings: Settings) -> Signer:
    """Who deploys the new version: the configured key, else the old deployment's deployer."""
    configured = load_signer(settings)
    if configured is not None:
        return configured
    fields = old.chain.transaction(bytes.fromhex(old.deployment.transaction_hash.removeprefix("0x")))
    original = None if fields is None else keys.get(fields.sender)
    if original is None:
        who = "unknown to the node" if fields is None else fields.sender
        raise ConfigurationError(
            f"deploying the new version needs a funded key: the old deployment's deployer ({who}) is not among "
            "the keys given; add it, or set AEO_LEDGER_KEYSTORE (or AEO_LEDGER_PRIVATE_KEY for development)"
        )
    return original


def _print_plan(plan: MigrationPlan) -> None:
    relayed = f", {plan.relayed} through the governance Safe" if plan.relayed else ""
    print(
        f"{len(plan.steps)} writes up to block {plan.block}{relayed}, from {len(plan.senders)} senders: "
        "every key is present"
    )
    if not plan.version.startswith("current"):
        print(f"old version {plan.version}: every write translated to the current version")


def _print_record(record: MigrationRecord, manifest: Path, record_path: Path) -> None:
    print(f"verified against block {record.old_block} of the old deployment:")
    print(f"  certificates:     {len(record.certificates)} (history heads compared: {len(record.heads)})")
    print(f"  MRAs:             {len(record.mras)} (terms, status and history heads compared)")
    print(f"  acknowledgements: {record.acknowledgements}")
    print("  administrations, exchange keys and every recognition answer compared")
    print(f"record:   {record_path}")
    print(f"manifest: {manifest}")


def run(args: argparse.Namespace) -> int:
    """Check, deploy, replay, verify, then write the record and the new manifest."""
    settings = settings_from(args, Settings, deployments_dir=args.deployments_dir)
    directory = manifests_dir(settings)
    old_manifest = directory / f"{settings.deployment}.json"
    if not old_manifest.exists():
        raise ConfigurationError(f"no deployment manifest {old_manifest}: which deployment to migrate (--deployment)?")
    if args.name == settings.deployment:
        raise ConfigurationError(f"--name {args.name} is the old deployment's name: the new one needs another")
    manifest = directory / f"{args.name}.json"
    if manifest.exists() and not args.force:
        raise ConfigurationError(f"deployment manifest {manifest} already exists: choose another --name, or --force")
    keys = load_keys(args, settings)
    with open_ledger(settings) as old:
        plan = plan_migration(old, keys)
        deployer = new_version_deployer(old, keys, settings)
        governance = old.administrations.governance()
        print(f"old deployment {settings.deployment!r} at {old.deployment.address}, governance {governance}")
        _print_plan(plan)
        if args.dry_run:
            print(f"dry run: nothing sent (the new version would be deployed by {deployer.address})")
            return 0
        deployment = deploy(old.context.sender, deployer, governance, name=args.name, contract=old.deployment.contract)
        print(f"new deployment {args.name!r} at {deployment.address} (block {deployment.deployment_block})")
        new = Ledger.attach(old.chain, deployment, signer=deployer, settings=old.settings)
        try:
            record = migrate(old, new, keys, plan=plan)
        except LedgerError as exc:
            raise MigrationError(
                f"the migration to {deployment.address} stopped, no manifest or record written for "
                f"{args.name!r} (that deployment is abandoned; migrate again): {exc}"
            ) from exc
        record_path = record.save(directory / f"{args.name}.migration.json")
        deployment.save(manifest)
    _print_record(record, manifest, record_path)
    return 0
