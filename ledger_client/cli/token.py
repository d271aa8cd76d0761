"""``aeo-ledger token``: API tokens, stored hashed in the API's state directory.

aeo-ledger token create --admin CR --role writer [--label "CR customs IT"]
aeo-ledger token create --role governance
aeo-ledger token create --admin PE --role agency --label "SENASA"
aeo-ledger token revoke 7
aeo-ledger token list
"""

from __future__ import annotations

import argparse

from ledger_client.cli.common import add_chain_arguments, settings_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """create / revoke / list."""
    add_chain_arguments(parser)
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="create a token; its secret is printed once")
    create.add_argument(
        "--role",
        required=True,
        choices=["writer", "reader", "auditor", "governance", "agency"],
        help="writer: writes and reads for its administration; reader: reads; auditor: reads everything and "
        "verifies; governance: registers and freezes administrations; agency: another government agency of the "
        "administration (e.g. its sanitary authority): reads like a reader, never writes, its reads are logged",
    )
    create.add_argument("--admin", default=None, help="ISO alpha-2 code of the administration (not for governance)")
    create.add_argument("--label", default="", help="who or what uses it")
    revoke = sub.add_parser("revoke", help="revoke a token by id (effective on the next request)")
    revoke.add_argument("token_id", type=int, help="the token's id, as shown by 'token list'")
    listing = sub.add_parser("list", help="list tokens (never their secrets)")
    for action in (create, revoke, listing):
        add_chain_arguments(action, after_action=True)


def run(args: argparse.Namespace) -> int:
    """Act on the token store the API server reads."""
    from api.config import ApiSettings
    from api.server import effective_settings
    from api.tokens import TokenStore

    settings = effective_settings(settings_from(args, ApiSettings))
    path = settings.tokens_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    store = TokenStore(path, administration=settings.administration)
    try:
        if args.action == "create":
            record, secret = store.create(args.role, args.admin, args.label)
            scope = record.administration or "consortium"
            print(f"token {record.id} ({record.role.value}, {scope}) — shown once, store it now:")
            print(secret)
        elif args.action == "revoke":
            record = store.revoke(args.token_id)
            print(f"token {record.id} revoked")
        else:
            for record in store.list():
                state = "active" if record.active else "revoked"
                scope = record.administration or "-"
                print(f"{record.id:>4}  {record.role.value:<10} {scope:<3} {state:<8} {record.label}")
    finally:
        store.close()
    return 0
