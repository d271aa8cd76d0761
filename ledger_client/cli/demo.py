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
from ledger_client.cli.running import announced

if TYPE_CHECKING:
    from api.tokens import TokenStore
    from ledger_client.demo import DemoSeed
    from ledger_client.index import Index
    from ledger_client.node import DurableChain
    from ledger_client.node.server import RunningServer

DEMO_TOKENS = "demo-tokens.json"
#: The demo serves its node's JSON-RPC here (loopback only) while the API runs.
DEFAULT_RPC_PORT = 8545
RPC_HOST = "127.0.0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Data directory, address, size."""
    add_chain_arguments(parser)
    parser.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8000)")
    parser.add_argument("--certificates", type=int, default=None, help="certificates to seed (default 200)")
    parser.add_argument("--no-serve", action="store_true", help="seed and print the tokens, then exit")
    parser.add_argument(
        "--rpc-port",
        type=int,
        default=DEFAULT_RPC_PORT,
        help=f"port of the node's JSON-RPC on 127.0.0.1 (default {DEFAULT_RPC_PORT}; a free one if taken; 0: any)",
    )


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


def current_counts(index: Index, codes: list[str]) -> dict[str, int]:
    """The certificates' figures now (from the index), not those recorded when the demo was seeded:
    a restarted demo has seen imports, API writes and expiries since."""
    counts = {"certificates": 0, "suspended": 0, "revoked": 0, "annulled": 0, "sme": 0}
    for code in codes:
        kpis = index.kpis(code)
        counts["certificates"] += kpis.certificates
        counts["sme"] += kpis.sme
        for status in ("suspended", "revoked", "annulled"):
            counts[status] += kpis.by_status.get(status.upper(), 0)
    return counts


def describe(
    seed: DemoSeed,
    tokens: dict[str, str],
    url: str,
    counts: dict[str, int] | None = None,
    rpc: tuple[str, Path] | None = None,
) -> str:
    """What a person needs to start using the demo.

    ``counts``: the current figures (default: the seed's); ``rpc``: the node's JSON-RPC URL and the
    data directory, when the demo serves its node.
    """
    counts = seed.counts if counts is None else counts
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
        f"Console: {url}/   (sign in with one of the tokens above)",
        f"API:  {url}/v1   docs: {url}/docs",
        f'Try:  curl -H "Authorization: Bearer {reader}" "{url}/v1/certificates?limit=5"',
    ]
    if rpc is not None:
        node_url, data_dir = rpc
        lines += [
            f"Node: {node_url} (JSON-RPC of the chain in {data_dir}, manifests in {data_dir / 'deployments'})",
            f"      while the demo runs: aeo-ledger import --data-dir {data_dir} --admin CR FILE.csv, "
            f"aeo-ledger audit --data-dir {data_dir} …",
        ]
    lines.append("")
    return "\n".join(lines)


def serve_node(node: DurableChain, port: int) -> RunningServer:
    """The demo's node over JSON-RPC on loopback: on ``port``, or on a free port when it is taken."""
    from ledger_client.node.server import start_in_thread

    try:
        return start_in_thread(node, RPC_HOST, port)
    except OSError as exc:
        if port == 0:
            raise
        print(f"note: port {port} is taken ({exc.strerror}); the node's JSON-RPC goes to a free port")
        return start_in_thread(node, RPC_HOST, 0)


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
        codes = [a.code for a in seed.administrations]
        tokens = demo_tokens(runtime.tokens, data_dir, codes)
        url = f"http://{settings.host}:{settings.port}"
        counts = current_counts(runtime.index, codes)
        if args.no_serve:
            print(describe(seed, tokens, url, counts), flush=True)
            return 0
        node = serve_node(runtime.ledger.chain.node, args.rpc_port)
        try:
            with announced(data_dir, node.url):
                print(describe(seed, tokens, url, counts, rpc=(node.url, data_dir)), flush=True)
                with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C / SIGINT is the normal way to stop
                    serve(runtime=runtime)
        finally:
            node.stop()
    finally:
        runtime.close()
    return 0
