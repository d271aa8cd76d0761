"""The Safe contracts' published artifacts, read from the pinned npm package (never compiled here).

``@safe-global/safe-contracts`` 1.4.1 (``package.json`` / ``package-lock.json``) ships Hardhat build
artifacts with the ABI and creation bytecode of every contract. The package directory is found in
``$AEO_LEDGER_SAFE_CONTRACTS`` when set, else in the ``node_modules`` of the repository (``npm ci``,
run by ``scripts/bootstrap.sh``). Each creation bytecode is checked against its pinned keccak, so a
different build of the package is refused instead of deployed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from ledger_client.governance.errors import SafeArtifactsError

PACKAGE = "@safe-global/safe-contracts"
VERSION = "1.4.1"
ENVIRONMENT = "AEO_LEDGER_SAFE_CONTRACTS"

#: Contract name -> (artifact path in the package, keccak of its creation bytecode).
PINNED: dict[str, tuple[str, str]] = {
    "SafeL2": (
        "build/artifacts/contracts/SafeL2.sol/SafeL2.json",
        "0x3555bd3ee95b1c6605c602740d71efaf200068e0395ccd701ac82ab8e42307bd",
    ),
    "SafeProxyFactory": (
        "build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
        "0x596f87ec561ad5ea1c13253af5c91247a713253499b74a5d594537cae42eaaa9",
    ),
}


@dataclass(frozen=True)
class SafeArtifact:
    """One Safe contract: its ABI and creation bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes

    def has_function(self, signature: str) -> bool:
        """Whether the ABI declares ``name(type,…)``."""
        return signature in {
            f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            for item in self.abi
            if item.get("type") == "function"
        }


def package_dir() -> Path:
    """The installed package's directory (``$AEO_LEDGER_SAFE_CONTRACTS`` or ``node_modules``)."""
    configured = os.environ.get(ENVIRONMENT)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "node_modules" / PACKAGE


@cache
def load_safe_artifact(name: str) -> SafeArtifact:
    """The pinned artifact ``name`` (``SafeL2`` or ``SafeProxyFactory``); :class:`SafeArtifactsError` otherwise."""
    if name not in PINNED:
        raise SafeArtifactsError(f"unknown Safe contract {name!r}; known: {', '.join(PINNED)}")
    root = package_dir()
    try:
        version = json.loads((root / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise SafeArtifactsError(
            f"the Safe contracts ({PACKAGE} {VERSION}) are not installed in {root}: run 'npm ci' at the "
            f"repository root (scripts/bootstrap.sh does), or point ${ENVIRONMENT} at the package"
        ) from exc
    if version != VERSION:
        raise SafeArtifactsError(f"{root} holds {PACKAGE} {version}; the ledger's governance pins {VERSION}")
    relative, expected = PINNED[name]
    try:
        data = json.loads((root / relative).read_text())
        bytecode = bytes.fromhex(str(data["bytecode"]).removeprefix("0x"))
        abi = list(data["abi"])
    except (OSError, ValueError, KeyError) as exc:
        raise SafeArtifactsError(f"cannot read the artifact {relative} of {root}: {exc}") from exc
    digest = "0x" + keccak(bytecode).hex()
    if digest != expected:
        raise SafeArtifactsError(
            f"the {name} bytecode of {root} hashes to {digest}, not the pinned {expected} of {PACKAGE} {VERSION}"
        )
    return SafeArtifact(name, abi, bytecode)
