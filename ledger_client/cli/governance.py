"""``aeo-ledger governance``: the consortium's Safe multisig (prepare, sign offline, execute).

aeo-ledger governance deploy-safe --rpc-url URL --owners 0xA,0xB,… --threshold 3 [--out safe.json]
aeo-ledger governance prepare register --code CR --name "Costa Rica" --signer 0x… --out p.json [chain options]
aeo-ledger governance prepare freeze|unfreeze --code CR --out p.json [--nonce N]
aeo-ledger governance prepare recover --code CR --signer 0xNEW --out p.json
aeo-ledger governance sign p.json --keystore owner.json [--password-file owner.password]   # offline
aeo-ledger governance show p.json
aeo-ledger governance execute p.json [chain options] [--keystore K --password-file P]   # any funded key
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from ledger_client.cli.common import add_chain_arguments, open_ledger, settings_from
from ledger_client.errors import ConfigurationError
from ledger_client.governance import (
    Action,
    deploy_safe,
    execute,
    prepare,
    read_proposal,
    write_proposal,
)
from ledger_client.governance.actions import FUNCTIONS
from ledger_client.ledger import connect_chain, transaction_sender
from ledger_client.settings import Settings
from ledger_client.signers import Signer, load_signer


def _key_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--keystore", type=Path, default=None, help=f"{what}'s keystore (default: $AEO_LEDGER_KEYSTORE)"
    )
    parser.add_argument(
        "--password-file",
        type=Path,
        default=None,
        help="its password file (default: $AEO_LEDGER_KEYSTORE_PASSWORD_FILE; asked for when absent on a terminal)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The governance actions."""
    actions = parser.add_subparsers(dest="governance_action", required=True, metavar="ACTION")

    deploy = actions.add_parser("deploy-safe", help="deploy Safe 1.4.1 (singleton, factory) and the consortium's Safe")
    deploy.add_argument("--rpc-url", required=True, help="JSON-RPC URL of the node")
    deploy.add_argument("--owners", required=True, help="comma-separated owner addresses (one per administration)")
    deploy.add_argument("--threshold", type=int, required=True, help="signatures a governance transaction needs")
    deploy.add_argument("--out", type=Path, default=None, help="write the Safe's addresses and owners to this JSON")
    _key_arguments(deploy, "the deployer (pays the gas)")

    prep = actions.add_parser("prepare", help="write a proposal file (action, calldata, Safe nonce, safeTxHash)")
    prep.add_argument("action", choices=sorted(FUNCTIONS), help="the governance write")
    prep.add_argument("--code", required=True, help="the administration's ISO 3166-1 alpha-2 code")
    prep.add_argument("--name", default=None, help="register: the administration's name")
    prep.add_argument("--signer", default=None, help="register: its first signer; recover: its new only signer")
    prep.add_argument("--nonce", type=int, default=None, help="Safe nonce (default: the next; later ones queue)")
    prep.add_argument("--out", type=Path, required=True, help="the proposal file to write (refused if it exists)")
    add_chain_arguments(prep)

    sign = actions.add_parser("sign", help="add an owner's signature to a proposal file (offline)")
    sign.add_argument("file", type=Path, help="the proposal file (rewritten with the signature)")
    _key_arguments(sign, "the owner")

    show = actions.add_parser("show", help="what a proposal does and who signed it")
    show.add_argument("file", type=Path, help="the proposal file")

    run_ = actions.add_parser("execute", help="submit a proposal once the Safe's threshold of owners signed")
    run_.add_argument("file", type=Path, help="the proposal file (the execution is recorded in it)")
    add_chain_arguments(run_)
    _key_arguments(run_, "the executor (any funded account: it pays the gas)")


def _signer(args: argparse.Namespace, what: str) -> Signer:
    if args.keystore is not None:
        password_file = args.password_file
        if password_file is not None:
            settings = Settings(keystore=args.keystore, keystore_password_file=password_file)
            return Signer.from_keystore(args.keystore, settings.signer_password())
        if not sys.stdin.isatty():
            raise ConfigurationError(f"--keystore {args.keystore} needs --password-file (no terminal to ask on)")
        return Signer.from_keystore(args.keystore, getpass.getpass(f"password of {args.keystore}: "))
    signer = load_signer(Settings())
    if signer is None:
        raise ConfigurationError(f"{what} needs a key: --keystore K --password-file P (or $AEO_LEDGER_KEYSTORE)")
    return signer


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action."""
    action: str = args.governance_action
    if action == "deploy-safe":
        return _deploy_safe(args)
    if action == "prepare":
        return _prepare(args)
    if action == "sign":
        return _sign(args)
    if action == "show":
        return _show(args)
    return _execute(args)


def _deploy_safe(args: argparse.Namespace) -> int:
    settings = settings_from(args, Settings)
    deployer = _signer(args, "deploying the Safe")
    owners = [o.strip() for o in str(args.owners).split(",") if o.strip()]
    chain = connect_chain(args.rpc_url, settings)
    try:
        deployed = deploy_safe(transaction_sender(chain, settings), deployer, owners, args.threshold)
    finally:
        chain.close()
    if args.out is not None:
        deployed.save(args.out)
    print(
        f"Safe {deployed.version} deployed at {deployed.safe} ({deployed.threshold} of {len(deployed.owners)} owners)"
    )
    print(f"singleton {deployed.singleton}, proxy factory {deployed.factory}")
    print(f"next: aeo-ledger deploy --rpc-url {args.rpc_url} --governance {deployed.safe}")
    return 0


def _prepare(args: argparse.Namespace) -> int:
    if args.out.exists():
        raise ConfigurationError(f"{args.out} exists: choose another --out, or remove it first")
    wanted = Action.of(args.action, code=args.code, name=args.name, signer=args.signer)
    with open_ledger(settings_from(args, Settings)) as ledger:
        proposal = prepare(ledger, wanted, nonce=args.nonce)
    write_proposal(proposal, args.out, overwrite=False)
    print(f"{args.out}: {proposal.description}")
    print(
        f"Safe {proposal.transaction.safe}, nonce {proposal.transaction.nonce}, "
        f"safeTxHash 0x{proposal.safe_tx_hash.hex()}"
    )
    print(
        f"needs {proposal.threshold} of {len(proposal.owners)} owners' signatures: "
        f"aeo-ledger governance sign {args.out} --keystore …"
    )
    return 0


def _sign(args: argparse.Namespace) -> int:
    proposal = read_proposal(args.file)
    owner = _signer(args, "signing")
    signed = proposal.signed_by(owner)
    write_proposal(signed, args.file)
    print(
        f"{args.file}: signed by {owner.address} ({len(signed.signatures)} of {signed.threshold}): {signed.description}"
    )
    return 0


def _show(args: argparse.Namespace) -> int:
    proposal = read_proposal(args.file)
    t = proposal.transaction
    print(f"{proposal.description}")
    print(f"chain {t.chain_id}, Safe {t.safe}, nonce {t.nonce}, safeTxHash 0x{proposal.safe_tx_hash.hex()}")
    print(
        f"signatures: {len(proposal.signatures)} of {proposal.threshold} "
        f"({', '.join(sorted(proposal.signatures)) or 'none'})"
    )
    if proposal.executed is not None:
        print(f"executed in {proposal.executed.tx_hash} (block {proposal.executed.block_number})")
    return 0


def _execute(args: argparse.Namespace) -> int:
    proposal = read_proposal(args.file)
    executor = _signer(args, "executing")
    with open_ledger(settings_from(args, Settings)) as ledger:
        done = execute(ledger, proposal, executor)
    write_proposal(done, args.file)
    assert done.executed is not None
    print(f"executed: {done.description} (transaction {done.executed.tx_hash}, block {done.executed.block_number})")
    return 0
