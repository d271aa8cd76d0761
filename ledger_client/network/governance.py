"""The network's consortium governance: a Safe multisig of the administrations, or a designated key.

By default the first ``network up`` creates one governance key per demo administration
(``DIR/governance/keystores/<CODE>.json`` + ``.password``; no gateway holds any of them), deploys Safe
1.4.1 from its npm artifacts with those five keys as owners and a threshold of :data:`THRESHOLD`
(``DIR/governance/safe.json``), and deploys the ledger with that Safe as its governance. The
administrations are then registered through the Safe (each a proposal signed by three owners and
executed by the deployer). ``--governance-key`` keeps the development mode: one designated key
(``DIR/governance/keystores/governance.json``). A network keeps the mode it was deployed with (the
ledger's governance address is fixed at deployment).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from ledger_client.demo import CODES, PROFILES
from ledger_client.demo.keys import fund
from ledger_client.governance import Action, SafeDeployment, carry_out, deploy_safe
from ledger_client.ledger import Ledger, connect_chain, transaction_sender
from ledger_client.network.layout import Layout
from ledger_client.settings import Settings
from ledger_client.signers import Signer

#: Owners' signatures a governance transaction of the network's Safe needs (of one per administration).
THRESHOLD = 3
#: Each owner's key is funded so that any owner can also execute a proposal (it pays the gas).
OWNER_FUNDING_WEI = 10 * 10**18
Log = Callable[[str], None]


def designated_key(layout: Layout) -> Signer:
    """The development mode's governance key, created on the first run."""
    from api.signers import GOVERNANCE, SignerRegistry  # the gateways' keystore format; loaded when used

    registry = SignerRegistry(layout.governance_keystores)
    if not registry.has_signer(GOVERNANCE):
        layout.governance_keystores.mkdir(parents=True, exist_ok=True)
        registry.save(GOVERNANCE, Signer.from_key(secrets.token_bytes(32)), secrets.token_urlsafe(24))
    return registry.governance()


def owner_keys(layout: Layout) -> dict[str, Signer]:
    """One governance key per administration (the Safe's owners), created on the first run."""
    from api.signers import SignerRegistry

    registry = SignerRegistry(layout.governance_keystores)
    layout.governance_keystores.mkdir(parents=True, exist_ok=True)
    for code in CODES:
        if not registry.has_signer(code):
            registry.save(code, Signer.from_key(secrets.token_bytes(32)), secrets.token_urlsafe(24))
    return {code: registry.signer_for(code) for code in CODES}


def deploy_network_safe(rpc_url: str, layout: Layout, deployer: Signer, settings: Settings, log: Log) -> SafeDeployment:
    """Deploy the network's Safe (or read it from ``DIR/governance/safe.json`` when it was deployed already)."""
    if layout.safe_file.exists():
        return SafeDeployment.load(layout.safe_file)
    owners = owner_keys(layout)
    chain = connect_chain(rpc_url, settings)
    try:
        safe = deploy_safe(
            transaction_sender(chain, settings), deployer, [s.address for s in owners.values()], THRESHOLD
        )
    finally:
        chain.close()
    safe.save(layout.safe_file)
    log(f"governance: Safe {safe.safe}, {THRESHOLD} of {len(owners)} owners ({', '.join(owners)}'s governance keys)")
    return safe


def fund_owners(ledger: Ledger, funder: Signer, layout: Layout) -> None:
    """Each owner's key can pay for an ``execute``."""
    for signer in owner_keys(layout).values():
        fund(ledger, funder, signer.address, OWNER_FUNDING_WEI)


def register_through_safe(ledger: Ledger, layout: Layout, signers: Mapping[str, Signer], log: Log) -> list[str]:
    """Register every demo administration not yet registered, each by a Safe transaction of :data:`THRESHOLD`
    owners executed by ``ledger``'s signer; return the codes registered now."""
    executor = ledger.signer
    assert executor is not None
    owners = list(owner_keys(layout).values())[:THRESHOLD]
    registered = set(ledger.administrations.codes())
    done = []
    for code in CODES:
        if code in registered:
            continue
        action = Action.of("register", code=code, name=PROFILES[code].name, signer=signers[code].address)
        proposal = carry_out(ledger, action, owners, executor)
        log(f"governance: {proposal.description} (Safe nonce {proposal.transaction.nonce})")
        done.append(code)
    return done
