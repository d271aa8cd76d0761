"""The demo network's administrations and MRAs, created only where the chain lacks them.

MRAs (all in force from the moment the last party accepts):

- the Pacific Alliance plurilateral MRA among CL, CO, MX and PE: AEO security, every role but
  free-zone operators;
- Costa Rica - Mexico: AEO security, for importers, exporters, manufacturers, carriers,
  logistics operators, customs brokers and warehouses;
- Costa Rica - Peru: AEO security and simplifications, every role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eth_utils.crypto import keccak

from ledger_client.canonical import canonical_json
from ledger_client.demo.catalogue import CODES, PROFILES
from ledger_client.errors import LedgerError
from ledger_client.ledger import Ledger
from ledger_client.models import ROLE_MASK, MraStatus, Programme, Role
from ledger_client.signers import Signer


class DemoError(LedgerError):
    """The data directory or chain holds something the demo cannot build on."""


@dataclass(frozen=True)
class MraPlan:
    """An MRA of the demo network."""

    name: str
    title: str
    parties: tuple[str, ...]
    programmes: int
    roles: int

    def document(self) -> bytes:
        """Canonical JSON of the agreement's summary (its keccak is the on-chain document hash)."""
        summary = {
            "title": self.title,
            "parties": list(self.parties),
            "programmes": [p.name for p in Programme if int(p) & self.programmes],
            "roles": [r.name for r in Role if int(r) & self.roles],
        }
        return canonical_json(summary)

    def document_hash(self) -> bytes:
        """keccak-256 of :meth:`document`."""
        return bytes(keccak(self.document()))


MRA_PLANS: tuple[MraPlan, ...] = (
    MraPlan(
        "Pacific Alliance",
        "Acuerdo de Reconocimiento Mutuo de los Programas OEA de la Alianza del Pacífico",
        ("CL", "CO", "MX", "PE"),
        int(Programme.SECURITY),
        ROLE_MASK & ~int(Role.FREE_ZONE_OPERATOR),
    ),
    MraPlan(
        "CR-MX",
        "Acuerdo de Reconocimiento Mutuo entre los Programas OEA de Costa Rica y México",
        ("CR", "MX"),
        int(Programme.SECURITY),
        int(
            Role.IMPORTER
            | Role.EXPORTER
            | Role.MANUFACTURER
            | Role.CARRIER
            | Role.LOGISTICS
            | Role.CUSTOMS_BROKER
            | Role.WAREHOUSE
        ),
    ),
    MraPlan(
        "CR-PE",
        "Acuerdo de Reconocimiento Mutuo entre los Programas OEA de Costa Rica y Perú",
        ("CR", "PE"),
        int(Programme.SECURITY | Programme.SIMPLIFICATIONS),
        ROLE_MASK,
    ),
)


def partners_of(code: str) -> tuple[str, ...]:
    """Administrations joined to ``code`` by a demo MRA, in code order."""
    return tuple(sorted({p for plan in MRA_PLANS if code in plan.parties for p in plan.parties} - {code}))


def register_administrations(ledger: Ledger, signers: Mapping[str, Signer]) -> list[str]:
    """Register each demo administration that is not yet registered; return the codes registered now."""
    registered = set(ledger.administrations.codes())
    added = []
    for code in CODES:
        signer = signers[code]
        if code in registered:
            current = ledger.administrations.get(code)
            if signer.address not in current.signers:
                raise DemoError(
                    f"administration {code} is registered with signers {', '.join(current.signers)}, not the "
                    f"demo key {signer.address} of keystores/{code}.json: this chain was not seeded by this demo"
                )
            continue
        ledger.administrations.register(code, PROFILES[code].name, signer.address)
        added.append(code)
    return added


def propose_mra(ledger: Ledger, plan: MraPlan, signers: Mapping[str, Signer]) -> int:
    """The id of ``plan``'s MRA, proposed by its first party (in force from now) unless the chain has it."""
    digest = plan.document_hash()
    proposer = plan.parties[0]
    existing = [
        mra
        for mra in ledger.mras.of(proposer)
        if set(mra.parties) == set(plan.parties) and mra.document_hash == digest and mra.status != MraStatus.TERMINATED
    ]
    if existing:
        return existing[0].id
    proposed = ledger.with_signer(signers[proposer]).mras.propose(
        plan.parties, plan.programmes, plan.roles, ledger.now(), digest
    )
    return proposed.mra_id


def accept_mra(ledger: Ledger, mra_id: int, party: str, signers: Mapping[str, Signer]) -> bool:
    """``party`` accepts MRA ``mra_id`` unless it did already; True if it did now."""
    if ledger.mras.has_accepted(mra_id, party):
        return False
    ledger.with_signer(signers[party]).mras.accept(mra_id)
    return True
