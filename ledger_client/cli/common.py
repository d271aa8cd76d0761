"""Options shared by the sub-commands, and the Settings they build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TypeVar

from ledger_client.cli.running import announced_url
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings
from ledger_client.signers import load_signer


def add_chain_arguments(parser: argparse.ArgumentParser, *, after_action: bool = False) -> None:
    """--data-dir / --rpc-url / --deployment: which chain and which deployment.

    A command with actions (``token list``, ``audit mra``) adds them to its own parser and, with
    ``after_action=True``, to each action's parser too, so both ``token --data-dir D list`` and
    ``token list --data-dir D`` work (an action's parser leaves unset options to the command's).
    """
    default = argparse.SUPPRESS if after_action else None
    group = parser.add_argument_group("chain")
    group.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="embedded durable chain directory (default: $AEO_LEDGER_DATA_DIR or ./aeo-data)",
    )
    group.add_argument(
        "--rpc-url", default=default, help="JSON-RPC node instead of the embedded chain (default: $AEO_LEDGER_RPC_URL)"
    )
    group.add_argument(
        "--deployment", default=default, help="deployment manifest name (default: $AEO_LEDGER_DEPLOYMENT or 'local')"
    )


#: Where the embedded durable chain and the API's files live unless told otherwise.
DEFAULT_DATA_DIR = Path("aeo-data")

S = TypeVar("S", bound=Settings)


def settings_from(args: argparse.Namespace, cls: type[S], **extra: Any) -> S:
    """Settings from the environment, overridden by the command-line options that were given."""
    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    for option, field in (("data_dir", "data_dir"), ("rpc_url", "rpc_url"), ("deployment", "deployment")):
        value = getattr(args, option, None)
        if value is not None:
            overrides[field] = value
    settings = cls(**overrides)
    settings.apply_environment()
    return settings


def open_ledger(settings: Settings) -> Ledger:
    """The ledger the settings point at (embedded durable chain or RPC node).

    When the data directory is in use by a running demo, the demo's node is reached over the
    JSON-RPC URL it announced there (:mod:`ledger_client.cli.running`), with the same manifest.
    """
    if settings.rpc_url is not None:
        return Ledger.from_settings(settings)
    from ledger_client.node.errors import DataDirLockedError  # the embedded node: the [node] extra

    data_dir = settings.data_dir or DEFAULT_DATA_DIR
    settings = settings.model_copy(update={"data_dir": data_dir})
    try:
        return Ledger.from_settings(settings)
    except DataDirLockedError as exc:
        url = announced_url(data_dir)
        if url is None:
            raise DataDirLockedError(
                f"data directory {data_dir} is in use by another process that does not serve its node "
                "(aeo-ledger serve or node?): stop it, or pass that node's --rpc-url and --deployment"
            ) from exc
    print(f"note: {data_dir} is in use by the running demo: using its node at {url}", file=sys.stderr)
    manifest = data_dir / "deployments" / f"{settings.deployment}.json"
    return Ledger.connect(url, manifest, signer=load_signer(settings), settings=settings)


__all__ = ["DEFAULT_DATA_DIR", "add_chain_arguments", "load_signer", "open_ledger", "settings_from"]
