"""What ``network up`` writes before the gateways start: deployment, keys, seeding, tokens.

Everything goes through the node over JSON-RPC. The ledger is deployed by development account 0
with the consortium's governance (:mod:`ledger_client.network.governance`: a 3-of-5 Safe of the
administrations' governance keys, or a designated key in development mode; never given to a
gateway). Each administration's key is created in its own gateway's keystores and, with a Safe,
each administration is registered through it; the demo seeding (:func:`ledger_client.demo.seed_demo`)
then runs once, in ``DIR/seed`` (registering, with a designated key, what is not registered yet),
with each administration's own key for its certificates, MRAs and
acknowledgements (the keys are lent to the seeding for that run and removed from ``DIR/seed``
afterwards), writing the demo's year of history by setting the node's clock over JSON-RPC
(``evm_setTime``; the node's new chain was rewound before it started). Each certificate's
document goes to its issuer's gateway. Every step skips what is
already there, so ``network up`` on an existing directory seeds nothing twice.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_client.demo import CODES, DEFAULT_CERTIFICATES, ensure_signer, keystore_files, seed_demo
from ledger_client.demo.keys import fund
from ledger_client.demo.summary import DemoSeed
from ledger_client.deployment import Deployment
from ledger_client.governance import SafeDeployment
from ledger_client.importer.store import documents_directory
from ledger_client.ledger import Ledger
from ledger_client.network import governance as network_governance
from ledger_client.network.layout import DEPLOYMENT, Layout
from ledger_client.settings import Settings
from ledger_client.signers import Signer, development_signers

if TYPE_CHECKING:  # the gateways' stores are the API's: loaded when `network up` provisions them
    from api.tokens import TokenStore

#: Governance pays for the administrations' funding (100 ether each) from this.
GOVERNANCE_FUNDING_WEI = 1_000 * 10**18
Log = Callable[[str], None]


def _quiet(_line: str) -> None:
    """A log that drops its lines."""


def deployer() -> Signer:
    """Development account 0 of the node (the default mnemonic): pays for the deployment."""
    return development_signers(1)[0]


def governance_ledger(layout: Layout, rpc_url: str, *, designated_key: bool = False, log: Log = _quiet) -> Ledger:
    """The ledger over the node, deployed now unless ``DIR/deployments`` has it.

    With a Safe as governance (the default) the ledger acts as the deployer, which executes the Safe's
    transactions and funds the administrations; with ``designated_key`` (development mode) it acts as
    that key. An existing network keeps the governance it was deployed with.
    """
    settings = Settings(rpc_url=rpc_url, deployment=DEPLOYMENT, deployments_dir=layout.deployments_dir)
    manifest = settings.manifest_path()
    if manifest.exists():
        safe = SafeDeployment.load(layout.safe_file).safe if layout.safe_file.exists() else None
        governed_by_safe = safe is not None and Deployment.load(manifest).governance == safe
        if governed_by_safe == designated_key:
            log(f"governance: keeping this network's {'Safe' if governed_by_safe else 'designated key'}")
        signer = deployer() if governed_by_safe else network_governance.designated_key(layout)
        return Ledger.connect(rpc_url, DEPLOYMENT, signer=signer, settings=settings)
    layout.deployments_dir.mkdir(parents=True, exist_ok=True)
    if designated_key:
        governance = network_governance.designated_key(layout)
        with Ledger.deploy(rpc_url, signer=deployer(), governance=governance.address, settings=settings) as deployed:
            fund(deployed, deployer(), governance.address, GOVERNANCE_FUNDING_WEI)
        log(f"governance: the designated key {governance.address} (development mode)")
        return Ledger.connect(rpc_url, DEPLOYMENT, signer=governance, settings=settings)
    safe_deployment = network_governance.deploy_network_safe(rpc_url, layout, deployer(), settings, log)
    ledger = Ledger.deploy(rpc_url, signer=deployer(), governance=safe_deployment.safe, settings=settings)
    network_governance.fund_owners(ledger, deployer(), layout)
    return ledger


def seed_network(ledger: Ledger, layout: Layout, *, certificates: int = DEFAULT_CERTIFICATES, log: Log) -> DemoSeed:
    """Seed the demo network once, each administration with the key of its own gateway."""
    signers = {code: ensure_signer(layout.gateway_dir(code), code, _seed_of(layout)) for code in CODES}
    if ledger.signer is not None and ledger.administrations.governance() != ledger.signer.address:
        network_governance.register_through_safe(ledger, layout, signers, log)
    lent = layout.seed_dir / "keystores"
    for code in CODES:
        own, borrowed = keystore_files(layout.gateway_dir(code), code), keystore_files(layout.seed_dir, code)
        borrowed.keystore.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(own.keystore, borrowed.keystore)
        shutil.copy2(own.password, borrowed.password)
    try:
        seed = seed_demo(ledger, layout.seed_dir, certificates=certificates, log=log, settable_clock=True)
    finally:
        shutil.rmtree(lent, ignore_errors=True)
    _hand_out_documents(layout)
    return seed


def _seed_of(layout: Layout) -> int:
    from ledger_client.demo import DEFAULT_SEED, read_marker

    marker = read_marker(layout.seed_dir)
    return DEFAULT_SEED if marker is None else marker.seed


def _hand_out_documents(layout: Layout) -> None:
    """Each seeded certificate's document moved to its issuer's gateway (the issuer is the id's first 2 bytes)."""
    source = documents_directory(layout.seed_dir)
    if not source.is_dir():
        return
    for path in source.glob("*.json"):
        issuer = bytes.fromhex(path.stem[:4]).decode("ascii", errors="replace")
        if issuer not in CODES:
            continue
        target = documents_directory(layout.gateway_dir(issuer)) / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)


def prepare_gateway(layout: Layout, code: str) -> dict[str, str]:
    """``code``'s gateway state: the deployment manifest and its tokens (created once); returns the tokens."""
    from api.tokens import TokenStore

    state = layout.gateway_dir(code)
    manifest = state / "deployments" / f"{DEPLOYMENT}.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(layout.deployments_dir / f"{DEPLOYMENT}.json", manifest)
    store = TokenStore(state / "tokens.sqlite", administration=code)
    try:
        return gateway_tokens(store, layout.tokens_file(code), code)
    finally:
        store.close()


def gateway_tokens(store: TokenStore, path: Path, code: str) -> dict[str, str]:
    """The gateway's tokens (label -> secret): ``<CODE> writer``, ``<CODE> reader``, ``auditor``; created once."""
    if path.exists():
        saved: dict[str, str] = json.loads(path.read_text())
        known = {record.label for record in store.list() if record.active}
        if all(label in known for label in saved):
            return saved
    wanted: list[tuple[str, str, str | None]] = [
        (f"{code} writer", "writer", code),
        (f"{code} reader", "reader", code),
        ("auditor", "auditor", None),
    ]
    tokens = {label: store.create(role, admin, label)[1] for label, role, admin in wanted}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(tokens, handle, indent=1)
    return tokens
