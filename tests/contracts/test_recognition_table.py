"""Recognition truth table: ``recognition(certificateId, recognizer)`` for every combination.

Certificate status x expiry (not yet valid / valid / expired / open-ended) x MRA state (none,
proposed, active-not-yet-effective, in force, suspended, terminated) x scope overlap (programmes
overlap or not, roles overlap or not) x membership (recognizer party to the MRA, recognizer not
party, recognizer = issuer). One module-scoped world holds every combination at once: 64
certificates of CR, and one partner administration per MRA state. Time comes from the harness clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product

import pytest

from ledger_client import hashing
from ledger_client.models import CertificateStatus, Programme, Role
from tests.contracts.helpers import (
    BIG_GAS,
    DAY,
    T0,
    YEAR,
    Deployment,
    Terms,
    code,
)

STATUSES = ["active", "suspended", "revoked", "annulled"]
EXPIRIES = ["not-yet-valid", "valid", "expired", "open-ended"]
MRA_STATES = ["none", "proposed", "active-not-yet-effective", "in-force", "suspended", "terminated"]
PROGRAMME_OVERLAP = [True, False]
ROLE_OVERLAP = [True, False]
MEMBERSHIPS = ["party", "not-party", "issuer"]

#: Scope of every MRA of the world.
MRA_PROGRAMMES = int(Programme.SECURITY | Programme.SIMPLIFICATIONS)
MRA_ROLES = int(Role.IMPORTER | Role.EXPORTER)
#: Certificate scopes that overlap the MRA's, or not.
CERT_PROGRAMMES = {True: int(Programme.SECURITY | Programme.FISCAL), False: int(Programme.FISCAL | Programme.SANITARY)}
CERT_ROLES = {True: int(Role.EXPORTER | Role.CARRIER), False: int(Role.CARRIER | Role.CUSTOMS_BROKER)}
#: The recognised programmes when everything lines up: the overlap of the two scopes.
OVERLAP = int(Programme.SECURITY)

#: The partner administration joined to CR by an MRA in each state.
PARTNER = {
    "none": "PE",
    "proposed": "MX",
    "active-not-yet-effective": "CL",
    "in-force": "CO",
    "suspended": "AR",
    "terminated": "BR",
}
#: Party to an MRA in force with every partner, but to none with CR.
OUTSIDER = "UY"

VALIDITY = {
    "not-yet-valid": (T0 + DAY, T0 + YEAR),
    "valid": (T0 - DAY, T0 + YEAR),
    "expired": (T0 - YEAR, T0 - 1),
    "open-ended": (T0 - DAY, 0),
}


@dataclass
class World:
    """Every combination at once."""

    d: Deployment
    certificates: dict[tuple[str, str, bool, bool], bytes] = field(default_factory=dict)
    mra_of_state: dict[str, int] = field(default_factory=dict)
    _answers: dict[tuple[bytes, str], tuple[bool, int, int]] = field(default_factory=dict)

    def recognition(self, cert_id: bytes, recognizer: str) -> tuple[bool, int, int]:
        key = (cert_id, recognizer)
        if key not in self._answers:
            recognised, programmes, mra_id = self.d.functions.recognition(cert_id, code(recognizer)).call()
            self._answers[key] = (recognised, programmes, mra_id)
        return self._answers[key]


def number(status: str, expiry: str, programmes: bool, roles: bool) -> str:
    return f"CR-{status[:3]}-{expiry[:5]}-{int(programmes)}{int(roles)}"


@pytest.fixture(scope="module")
def world(deployment: Deployment) -> Iterator[World]:
    d = deployment
    snapshot = d.snapshot()
    signers, spare = dict(d.signers), list(d.spare)
    w = World(d)
    for admin in ("AR", "BR", OUTSIDER):
        d.register(admin)
    cr = d.signer("CR")

    combos = list(product(STATUSES, EXPIRIES, PROGRAMME_OVERLAP, ROLE_OVERLAP))
    inputs = []
    for status, expiry, p, r in combos:
        valid_from, valid_until = VALIDITY[expiry]
        terms = Terms(
            programmes=CERT_PROGRAMMES[p], roles=CERT_ROLES[r], valid_from=valid_from, valid_until=valid_until
        )
        inputs.append(terms.input(number(status, expiry, p, r)))
        w.certificates[status, expiry, p, r] = hashing.certificate_id("CR", number(status, expiry, p, r))
    d.send(d.functions.issueBatch(inputs), cr, gas=BIG_GAS)
    for (status, *_), cert_id in w.certificates.items():
        if status != "active":
            verb = {"suspended": "suspend", "revoked": "revoke", "annulled": "annul"}[status]
            d.send(getattr(d.functions, verb)(cert_id, 1), cr)

    def mra(partner: str, effective_from: int = T0 - DAY, *, accept: bool = True) -> int:
        return d.propose("CR", ["CR", partner], MRA_PROGRAMMES, MRA_ROLES, effective_from, accept=accept)

    w.mra_of_state["proposed"] = mra("MX", accept=False)
    w.mra_of_state["active-not-yet-effective"] = mra("CL", T0 + DAY)
    w.mra_of_state["in-force"] = mra("CO")
    w.mra_of_state["suspended"] = mra("AR")
    d.send(d.functions.suspendMra(w.mra_of_state["suspended"], 1), d.signer("AR"))
    w.mra_of_state["terminated"] = mra("BR")
    d.send(d.functions.terminateMra(w.mra_of_state["terminated"], 1), d.signer("BR"))
    d.propose(OUTSIDER, [OUTSIDER, *PARTNER.values()], 0xFF, 0xFFFF, 0, accept=True)

    for state, mra_id in w.mra_of_state.items():
        status = d.functions.mra(mra_id).call()[0]
        assert status == {"proposed": 1, "suspended": 3, "terminated": 4}.get(state, 2)
    assert d.functions.mraInForce(w.mra_of_state["in-force"]).call() is True
    assert d.functions.mraInForce(w.mra_of_state["active-not-yet-effective"]).call() is False
    yield w
    d.revert(snapshot)
    d.signers, d.spare = signers, spare


def expected(
    status: str, expiry: str, mra_state: str, programmes: bool, roles: bool, membership: str, mra_id: int
) -> tuple[bool, int, int]:
    """The rule of design.md / IRecognition, written as the table's oracle."""
    recognised = (
        status == "active"
        and expiry in ("valid", "open-ended")
        and mra_state == "in-force"
        and programmes
        and roles
        and membership == "party"
    )
    return (True, OVERLAP, mra_id) if recognised else (False, 0, 0)


@pytest.mark.parametrize("membership", MEMBERSHIPS)
@pytest.mark.parametrize("mra_state", MRA_STATES)
def test_truth_table(world: World, mra_state: str, membership: str) -> None:
    recognizer = {"party": PARTNER[mra_state], "not-party": OUTSIDER, "issuer": "CR"}[membership]
    mismatches = []
    for (status, expiry, p, r), cert_id in world.certificates.items():
        want = expected(status, expiry, mra_state, p, r, membership, world.mra_of_state.get(mra_state, 0))
        got = world.recognition(cert_id, recognizer)
        if got != want:
            mismatches.append(f"{status}/{expiry}/programmes-overlap={p}/roles-overlap={r}: got {got}, want {want}")
    assert mismatches == []


def test_truth_table_is_complete(world: World) -> None:
    assert len(world.certificates) == len(STATUSES) * len(EXPIRIES) * 4
    assert set(world.mra_of_state) | {"none"} == set(MRA_STATES)
    # The certificates really are in their statuses.
    for (status, *_), cert_id in world.certificates.items():
        assert world.d.functions.certificate(cert_id).call()[0] == CertificateStatus[status.upper()]
