"""aeo-ledger: AEO certificates and MRAs on a shared EVM ledger.

aeo-ledger demo                      seeded durable chain + API on 127.0.0.1:8000
aeo-ledger node --data-dir DIR       the embedded durable node over JSON-RPC
aeo-ledger deploy --rpc-url URL      deploy the contracts, write deployments/<name>.json
aeo-ledger migrate --name v2 --keystores DIR   carry a deployment's state to a new version (replay)
aeo-ledger serve                     the HTTP API
aeo-ledger token create|revoke|list  API tokens
aeo-ledger backup --to FILE | restore --from FILE --data-dir DIR   a gateway's state
aeo-ledger import --admin CR FILE    bulk import of a national AEO registry
aeo-ledger audit certificate|mra|index   prove histories against the chain
aeo-ledger consortium init --validators CL,CO,CR,MX,PE --out DIR   Besu QBFT network kit
aeo-ledger governance prepare|sign|show|execute   the consortium's Safe multisig
aeo-ledger credential present|verify FILE   an AEO credential: choose disclosures; verify against the ledger
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ledger_client.errors import LedgerError

#: Sub-command name -> (module path, one-line help). Modules expose ``add_arguments`` and ``run``.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("ledger_client.cli.demo", "run the demo: seeded durable chain and the API"),
    "node": ("ledger_client.cli.node", "run the embedded durable node (JSON-RPC over HTTP)"),
    "deploy": ("ledger_client.cli.deploy", "deploy the contracts on a JSON-RPC node"),
    "migrate": ("ledger_client.cli.migrate", "carry a deployment's full state to a new contract version, by replay"),
    "serve": ("ledger_client.cli.serve", "serve the HTTP API"),
    "token": ("ledger_client.cli.token", "create, revoke and list API tokens"),
    "backup": ("ledger_client.cli.backup", "back up a gateway's state while it runs (not the index)"),
    "restore": ("ledger_client.cli.restore", "restore a gateway backup into an empty directory"),
    "import": ("ledger_client.cli.importer", "import a national AEO registry (CSV or JSON)"),
    "audit": ("ledger_client.cli.audit", "verify histories and the index against the chain"),
    "network": ("ledger_client.cli.network", "run a node and one gateway per administration on this machine"),
    "consortium": ("ledger_client.cli.consortium", "generate a Hyperledger Besu QBFT network for the administrations"),
    "governance": ("ledger_client.cli.governance", "the consortium's Safe multisig: prepare, sign, execute"),
    "credential": ("ledger_client.cli.credential", "present an AEO credential with chosen disclosures; verify one"),
}


#: Top-level modules of the optional extras -> the extra that installs them (``pip install aeo-ledger``
#: alone is the client: a command that needs the node or the API says which extra to add).
EXTRA_MODULES: dict[str, str] = {
    **dict.fromkeys(("eth", "eth_tester", "trie", "starlette", "anyio"), "node"),
    **dict.fromkeys(
        (
            "fastapi",
            "uvicorn",
            "jinja2",
            "babel",
            "pygal",
            "multipart",
            "python_multipart",
            "standardwebhooks",
            "swagger_ui_bundle",
            "prometheus_client",
            "pythonjsonlogger",
        ),
        "api",
    ),
}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``exc`` could not find (None: not an extra's module)."""
    return EXTRA_MODULES.get((exc.name or "").partition(".")[0])


def build_parser() -> argparse.ArgumentParser:
    """The ``aeo-ledger`` parser with every sub-command."""
    import importlib

    parser = argparse.ArgumentParser(prog="aeo-ledger", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_path, help_text) in COMMANDS.items():
        module = importlib.import_module(module_path)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        run: Callable[[argparse.Namespace], int] = module.run
        command.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aeo-ledger`` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except LedgerError as exc:
        print(f"aeo-ledger {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        extra = missing_extra(exc)
        if extra is None:
            raise
        print(
            f"aeo-ledger {args.command}: needs the [{extra}] extra (no module {exc.name!r}): "
            f"pip install 'aeo-ledger[{extra}]'",
            file=sys.stderr,
        )
        return 2
    return code
