"""Helpers of the real-node tests: the ledger deployed on an anvil node, CR registered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.models import PROGRAMME_MASK, ROLE_MASK
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.support.anvil import DEV_KEYS, AnvilNode

DOC = b"\x11" * 32


@dataclass
class Deployed:
    """The ledger on an anvil node: governance's client and CR's (development accounts 0 and 1)."""

    node: AnvilNode
    governance: Ledger
    cr: Ledger
    cr_signer: Signer

    def close(self) -> None:
        self.governance.close()


def deploy_ledger(node: AnvilNode, directory: Path, **settings: object) -> Deployed:
    """Deploy the ledger on ``node`` (manifest in ``directory``) and register CR."""
    config = Settings(deployments_dir=directory, **settings)  # type: ignore[arg-type]
    governance_signer, cr_signer = Signer.from_key(DEV_KEYS[0]), Signer.from_key(DEV_KEYS[1])
    governance = Ledger.deploy(node.url, signer=governance_signer, name="anvil", settings=config)
    governance.administrations.register("CR", "Costa Rica", cr_signer.address)
    return Deployed(node, governance, governance.with_signer(cr_signer), cr_signer)


def worst_case_request(serial: int, prefix: str = "W") -> CertificateRequest:
    """A certificate whose calldata is as costly as any: a 32-character number, every field set."""
    return CertificateRequest(
        number=f"{prefix}{serial}".rjust(32, "~"),
        programmes=PROGRAMME_MASK,
        roles=ROLE_MASK,
        sme=True,
        valid_from=0xFFFFFFF0,
        valid_until=0xFFFFFFFF,
        document_hash=b"\xff" * 32,
    )
