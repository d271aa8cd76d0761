"""``aeo-ledger demo``: a durable embedded chain, seeded with a realistic network, served by the API.

First run: deploys the ledger in the data directory (default ./aeo-data), seeds CL, CO, CR, MX
and PE, the Pacific Alliance MRA and the CR-MX and CR-PE MRAs, ~200 certificates, and creates
API tokens (a writer per administration, an auditor, governance). Later runs keep the data, seed
nothing and print the same tokens. The demo keeps its tokens' secrets in
``<data_dir>/demo-tokens.json`` (mode 0600) so it can print them again: a demo convenience a
production server never has (``aeo-ledger token create`` shows a secret once).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_client.cli.common import add_chain_arguments, settings_from

if TYPE_CHECKING:
    from api.tokens import TokenStore
    from ledger_client.demo import DemoSeed

DEMO_TOKENS = "demo-tokens.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Data directory, address, size."""
    add_chain_arguments(parser)
    parser.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8000)")
    parser.add_argument("--certificates", type=int, default=None, help="certificates to seed (default 200)")
    parser.add_argument("--no-serve", action="store_true", help="seed and print the tokens, then exit")


def demo_tokens(store: TokenStore, data_dir: Path, codes: list[str]) -> dict[str, str]:
    """The demo's tokens (label -> secret), created on the first run and read back afterwards."""
    path = data_dir / DEMO_TOKENS
    if path.exists():
        saved: dict[str, str] = json.loads(path.read_text())
        known = {record.label for record in store.list() if record.active}
        if all(label in known for label in saved):
            return saved
    wanted: list[tuple[str, str, str | None]] = [(f"{code} writer", "writer", code) for code in codes]
    wanted += [("auditor", "auditor", None), ("governance", "governance", None)]
    tokens: dict[str, str] = {}
    for label, role, code in wanted:
        _, secret = store.create(role, code, label)
        tokens[label] = secret
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(tokens, handle, indent=1)
    return tokens


def describe(seed: DemoSeed, tokens: dict[str, str], url: str) -> str:
    """What a person needs to start using the demo."""
    counts = seed.counts
    lines = [
        "",
        "aeo-ledger demo " + ("(data kept from an earlier run)" if seed.already_seeded else "(freshly seeded)"),
        f"  administrations: {', '.join(a.code for a in seed.administrations)}",
        "  MRAs: " + "; ".join(f"#{m.mra_id} {m.name} ({'-'.join(m.parties)})" for m in seed.mras),
        f"  certificates: {counts.get('certificates', 0)} (suspended {counts.get('suspended', 0)}, "
        f"revoked {counts.get('revoked', 0)}, annulled {counts.get('annulled', 0)}, SME {counts.get('sme', 0)})",
        "",
        "API tokens (Authorization: Bearer …):",
    ]
    lines += [f"  {label:<12} {secret}" for label, secret in tokens.items()]
    reader = tokens.get("auditor") or next(iter(tokens.values()))
    lines += [
        "",
        f"API:  {url}/v1   docs: {url}/docs",
        f'Try:  curl -H "Authorization: Bearer {reader}" "{url}/v1/certificates?limit=5"',
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Seed once, print the tokens, serve until interrupted."""
    from api.config import ApiSettings
    from api.runtime import Runtime
    from api.server import effective_settings, serve
    from ledger_client.demo import DEFAULT_CERTIFICATES, seed_demo
    from ledger_client.demo.history import rewind_new_chain

    settings = effective_settings(settings_from(args, ApiSettings, host=args.host, port=args.port))
    if settings.rpc_url is not None:
        print("aeo-ledger demo runs on the embedded durable chain; drop --rpc-url (or AEO_LEDGER_RPC_URL)")
        return 2
    data_dir = settings.state_directory()
    data_dir.mkdir(parents=True, exist_ok=True)
    rewind_new_chain(data_dir)  # a new chain starts a year back, so that the demo has a past
    runtime = Runtime.open(settings)
    try:
        seed = seed_demo(runtime.ledger, data_dir, certificates=args.certificates or DEFAULT_CERTIFICATES, log=print)
        runtime.index.sync()
        tokens = demo_tokens(runtime.tokens, data_dir, [a.code for a in seed.administrations])
        print(describe(seed, tokens, f"http://{settings.host}:{settings.port}"), flush=True)
        if not args.no_serve:
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C / SIGINT is the normal way to stop
                serve(runtime=runtime)
    finally:
        runtime.close()
    return 0
