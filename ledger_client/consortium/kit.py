"""Writing the kit: :func:`init_kit` renders a :class:`NetworkPlan` into a directory.

Layout of the directory::

    RUNBOOK.md                      how to start, extend and operate the network
    network.json                    public facts: chain id, validators, enodes, ports, signers
    genesis.json                    QBFT genesis (validators in extraData, Cancun, zero base fee)
    static-nodes.json               every validator's enode
    docker-compose.yml              validators + one gateway per administration
    gateway.Dockerfile              the gateway image (built from an aeo-ledger checkout)
    nodes/<CODE>/config.toml        Besu configuration of the node
    nodes/<CODE>/key                the node key, raw, as Besu reads it (mode 0600)
    secrets/nodes/<CODE>.json       the same node key encrypted (keystore) + <CODE>.password
    governance/governance.json      the deployer account (keystore) + governance.password (development: governance)
    governance/owners/<CODE>.json   the administration's governance key, an owner of the Safe (+ <CODE>.password)
    gateways/<CODE>/keystores/      the administration's signer keystore <CODE>.json + <CODE>.password
    deployments/                    where ``aeo-ledger deploy`` writes the manifest the gateways read
    data/<CODE>/                    the node's database (Besu's --data-path, mounted at /data)

The directory is written beside its final place and renamed into it, so a failed run leaves
nothing half-written; an existing non-empty directory is replaced only with ``force``, and only
when it is a kit (holds ``network.json``).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger_client.consortium.besu_config import node_config_toml, static_nodes_json
from ledger_client.consortium.compose import compose_yaml
from ledger_client.consortium.errors import KitExistsError
from ledger_client.consortium.genesis import genesis_json
from ledger_client.consortium.keys import write_encrypted, write_raw_key
from ledger_client.consortium.options import KitOptions
from ledger_client.consortium.plan import NetworkPlan
from ledger_client.consortium.runbook import gateway_dockerfile, render_runbook
from ledger_client.errors import ConfigurationError

#: The file that marks a directory as a kit (``--force`` replaces only such a directory).
MANIFEST = "network.json"


@dataclass(frozen=True)
class KitResult:
    """What was written."""

    directory: Path
    plan: NetworkPlan
    files: tuple[Path, ...]


def _render(plan: NetworkPlan, root: Path) -> None:
    texts: dict[str, str] = {
        "RUNBOOK.md": render_runbook(plan),
        MANIFEST: plan.manifest_json(),
        "genesis.json": genesis_json(plan),
        "static-nodes.json": static_nodes_json(plan),
        "docker-compose.yml": compose_yaml(plan),
        "gateway.Dockerfile": gateway_dockerfile(),
    }
    for node in plan.nodes:
        texts[f"nodes/{node.code}/config.toml"] = node_config_toml(plan, node)
    for relative, text in texts.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    for node in plan.nodes:
        write_raw_key(node.key.private_key, root / "nodes" / node.code / "key")
        write_encrypted(
            node.key.signer(),
            root / "secrets" / "nodes" / f"{node.code}.json",
            root / "secrets" / "nodes" / f"{node.code}.password",
        )
        keystores = root / "gateways" / node.code / "keystores"
        write_encrypted(node.signer, keystores / f"{node.code}.json", keystores / f"{node.code}.password")
    write_encrypted(
        plan.governance, root / "governance" / "governance.json", root / "governance" / "governance.password"
    )
    for node, owner in zip(plan.nodes, plan.owners, strict=True):
        owners = root / "governance" / "owners"
        write_encrypted(owner, owners / f"{node.code}.json", owners / f"{node.code}.password")
    (root / "deployments").mkdir()
    for node in plan.nodes:
        (root / "data" / node.code).mkdir(parents=True)
    for private in (
        root / "secrets",
        root / "governance",
        root / "governance" / "owners",
        *(root / "gateways" / n.code / "keystores" for n in plan.nodes),
    ):
        private.chmod(0o700)


def _check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise KitExistsError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise KitExistsError(f"{out} is not empty; choose another --out or pass --force to replace it")
        if not (out / MANIFEST).is_file():
            raise KitExistsError(
                f"{out} is not empty and holds no {MANIFEST}: --force replaces only a kit written by "
                "consortium init, never another directory"
            )


def init_kit(options: KitOptions) -> KitResult:
    """Generate the network described by ``options`` into ``options.out``."""
    out = options.out
    _check_target(out, options.force)
    plan = NetworkPlan.create(options)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _render(plan, staging)
        staging.chmod(0o755)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(retired / out.name)
            staging.rename(out)
            shutil.rmtree(retired)
        else:
            staging.rename(out)
    except OSError as exc:
        raise ConfigurationError(f"cannot write the kit to {out}: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    files = tuple(sorted(path.relative_to(out) for path in out.rglob("*") if path.is_file()))
    return KitResult(directory=out, plan=plan, files=files)
