"""``aeo-ledger credential``: present an AEO credential with chosen disclosures; verify one.

    aeo-ledger credential present op.sd-jwt --disclose legal_name [--out shown.sd-jwt]
    aeo-ledger credential verify shown.sd-jwt --gateway http://127.0.0.1:8001
    aeo-ledger credential verify shown.sd-jwt --index verifier.sqlite [--rpc-url URL --deployment NAME]

``present`` runs offline (the holder's tool). ``verify`` asks a gateway's public endpoint, or, with
``--index``, follows the chain itself into that index file and verifies locally: trusting no gateway.
A file ``-`` is standard input. Exit status: 0 VALID, 1 INVALID, 3 genuine but NOT_ACTIVE.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ledger_client.cli.common import add_chain_arguments, open_ledger, settings_from
from ledger_client.credentials import Disclosable, present, verify_credential
from ledger_client.errors import ChainUnavailableError, LedgerValueError
from ledger_client.index.attach import open_index
from ledger_client.settings import Settings

EXIT = {"VALID": 0, "INVALID": 1, "NOT_ACTIVE": 3}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``present`` and ``verify``."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    shown = sub.add_parser("present", help="the credential with only the chosen disclosures (offline)")
    shown.add_argument("file", help="the credential file (- for standard input)")
    shown.add_argument(
        "--disclose",
        action="append",
        default=[],
        choices=[d.value for d in Disclosable],
        help="a claim to disclose (repeat; none: only the certificate's terms)",
    )
    shown.add_argument("--out", type=Path, help="write it there (default: standard output)")
    check = sub.add_parser("verify", help="verify a credential against the ledger")
    check.add_argument("file", help="the credential file (- for standard input)")
    where = check.add_mutually_exclusive_group(required=True)
    where.add_argument("--gateway", help="ask this gateway's POST /v1/credentials/verify (no token needed)")
    where.add_argument("--index", type=Path, help="follow the chain into this index file and verify locally")
    check.add_argument("--json", action="store_true", help="print the whole verification as JSON")
    add_chain_arguments(check)


def _read(name: str) -> str:
    try:
        return sys.stdin.read() if name == "-" else Path(name).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerValueError(f"cannot read the credential {name}: {exc}") from exc


def _ask_gateway(url: str, text: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/credentials/verify",
        data=json.dumps({"credential": text.strip()}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            found: dict[str, Any] = json.loads(answer.read())
            return found
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise ChainUnavailableError(f"the gateway answered {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        raise ChainUnavailableError(f"cannot reach the gateway {url}: {exc}") from exc


def _verify_locally(args: argparse.Namespace, text: str) -> dict[str, Any]:
    with open_ledger(settings_from(args, Settings)) as ledger:
        index = open_index(ledger, args.index)
        try:
            index.sync()
            found = verify_credential(
                text, index, chain_id=ledger.deployment.chain_id, ledger_address=ledger.deployment.address
            )
        finally:
            index.close()
    return found.to_dict()


def _print(found: dict[str, Any]) -> None:
    print(f"{found['verdict']}: credential of certificate {found.get('certificate_number') or '?'}")
    for problem in found["problems"]:
        print(f"  problem: {problem}")
    if found.get("status"):
        latest = "latest" if found["reflects_latest_event"] else f"latest is #{found['latest_event']}"
        print(f"  status now: {found['status']} (credential of event #{found['event']}, {latest})")
        print(f"  issuer: {found['issuer_name']} ({found['issuer']}){' FROZEN' if found['issuer_frozen'] else ''}")
        print(f"  programmes: {', '.join(found['programmes'])}; roles: {', '.join(found['roles'])}")
        print(f"  valid from {found['valid_from']} until {found['valid_until'] or 'open-ended'}")
    signer = found.get("signer")
    if signer:
        removed = f", removed {signer['removed_at']}" if signer["removed_at"] else ""
        print(
            f"  signer {signer['address']}: at issuance {'yes' if signer['signer_at_issuance'] else 'no'},"
            f" now {'yes' if signer['signer_now'] else 'no'}{removed}"
        )
    if found["genuine"]:
        recognised = ", ".join(f"{r['administration']} (MRA {r['mra_id']})" for r in found["recognised_by"])
        print(f"  recognised now by: {recognised or 'no administration'}")
        for name, value in found["disclosed"].items():
            print(f"  disclosed {name}: {json.dumps(value, ensure_ascii=False)}")


def run(args: argparse.Namespace) -> int:
    """Present or verify."""
    text = _read(args.file)
    if args.action == "present":
        shown = present(text, args.disclose)
        if args.out is None:
            print(shown)
        else:
            args.out.write_text(shown + "\n", encoding="ascii")
        return 0
    found = _ask_gateway(args.gateway, text) if args.gateway else _verify_locally(args, text)
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        _print(found)
    return EXIT.get(str(found["verdict"]), 1)
