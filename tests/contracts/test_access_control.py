"""The access-control matrix: each mutating function x each kind of caller -> allowed, or the named error.

Callers: governance; a signer of the administration that owns the target ("own": the issuer of the
certificate, the party of the MRA, the administration whose signers change); a signer of another
administration (MX, party to nothing here); a signer removed from the owning administration; a
signer of the owning administration after governance froze it; a stranger. Every denial is checked
with its exact arguments, on ``eth_call`` and on a mined transaction. (``setTime`` exists only on the
test harness and is not part of the ledger.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.contracts.helpers import DOC2, T0, Deployment, Terms, code

ACTORS = ("governance", "own", "other", "removed", "frozen", "stranger")
OK = "allowed"


@dataclass
class Scene:
    """The objects every function of the matrix acts on."""

    d: Deployment
    cert: bytes  # Active certificate of CR
    suspended: bytes  # Suspended certificate of CR
    proposed: int  # MRA CR-PE proposed by CR, pending PE
    active: int  # MRA CR-PE in force
    suspended_mra: int  # MRA CR-PE suspended
    extra_signer: str  # second signer of CR
    removed: dict[str, str]  # administration -> a signer it removed

    def actor(self, actor: str, owner: str) -> str:
        d = self.d
        return {
            "governance": d.governance,
            "own": d.signer(owner),
            "other": d.signer("MX"),
            "removed": self.removed[owner],
            "frozen": d.signer(owner),
            "stranger": d.stranger,
        }[actor]


@pytest.fixture(scope="module")
def scene(deployment: Deployment) -> Iterator[Scene]:
    d = deployment
    snapshot = d.snapshot()
    signers, spare = dict(d.signers), list(d.spare)
    cert = d.issue("CR", "CR-1")
    suspended = d.issue("CR", "CR-2")
    d.send(d.functions.suspend(suspended, 1), d.signer("CR"))
    proposed = d.propose("CR", ["CR", "PE"])
    active = d.propose("CR", ["CR", "PE"], accept=True)
    suspended_mra = d.propose("CR", ["CR", "PE"], accept=True)
    d.send(d.functions.suspendMra(suspended_mra, 1), d.signer("CR"))
    extra = d.new_account()
    d.send(d.functions.addSigner(extra), d.signer("CR"))
    removed = {}
    for admin in ("CR", "PE"):
        account = d.new_account()
        d.send(d.functions.addSigner(account), d.signer(admin))
        d.send(d.functions.removeSigner(account), d.signer(admin))
        removed[admin] = account
    d.send(d.functions.freezeAdministration(code("CL")), d.governance)  # target of unfreeze / recover
    yield Scene(d, cert, suspended, proposed, active, suspended_mra, extra, removed)
    d.revert(snapshot)
    d.signers, d.spare = signers, spare


@dataclass(frozen=True)
class Case:
    """One mutating function: who owns its target, how to call it, and the event it emits when allowed."""

    owner: str
    build: Callable[[Scene], Any]
    event: str


F = Any  # the contract functions namespace


def _f(s: Scene) -> F:
    return s.d.functions


CASES: dict[str, Case] = {
    "registerAdministration": Case(
        "CR",
        lambda s: _f(s).registerAdministration(code("AR"), "Argentina", s.d.spare[0]),
        "AdministrationRegistered",
    ),
    "freezeAdministration": Case("CR", lambda s: _f(s).freezeAdministration(code("CO")), "AdministrationFrozen"),
    "unfreezeAdministration": Case("CR", lambda s: _f(s).unfreezeAdministration(code("CL")), "AdministrationUnfrozen"),
    "recoverAdministration": Case(
        "CR", lambda s: _f(s).recoverAdministration(code("CL"), s.d.spare[0]), "SignerRemoved"
    ),
    "addSigner": Case("CR", lambda s: _f(s).addSigner(s.d.spare[0]), "SignerAdded"),
    "removeSigner": Case("CR", lambda s: _f(s).removeSigner(s.extra_signer), "SignerRemoved"),
    "publishExchangeKey": Case(
        "CR", lambda s: _f(s).publishExchangeKey(b"\x09" * 32, "https://gw.example"), "ExchangeKeyPublished"
    ),
    "issue": Case("CR", lambda s: _f(s).issue(Terms().input("CR-NEW")), "CertificateIssued"),
    "issueBatch": Case(
        "CR", lambda s: _f(s).issueBatch([Terms().input("CR-N1"), Terms().input("CR-N2")]), "CertificateIssued"
    ),
    "suspend": Case("CR", lambda s: _f(s).suspend(s.cert, 1), "CertificateSuspended"),
    "reinstate": Case("CR", lambda s: _f(s).reinstate(s.suspended, 9), "CertificateReinstated"),
    "revoke": Case("CR", lambda s: _f(s).revoke(s.cert, 1), "CertificateRevoked"),
    "annul": Case("CR", lambda s: _f(s).annul(s.cert, 6), "CertificateAnnulled"),
    "amend": Case("CR", lambda s: _f(s).amend(s.cert, 1, 1, 0, T0, 0, DOC2, 4), "CertificateAmended"),
    "renew": Case("CR", lambda s: _f(s).renew(s.cert, T0, 0, DOC2), "CertificateRenewed"),
    "proposeMra": Case("CR", lambda s: _f(s).proposeMra([code("CR"), code("PE")], 1, 1, 0, DOC2), "MraProposed"),
    "acceptMra": Case("PE", lambda s: _f(s).acceptMra(s.proposed), "MraAccepted"),
    "suspendMra": Case("PE", lambda s: _f(s).suspendMra(s.active, 1), "MraSuspended"),
    "resumeMra": Case("PE", lambda s: _f(s).resumeMra(s.suspended_mra), "MraResumed"),
    "terminateMra": Case("PE", lambda s: _f(s).terminateMra(s.active, 1), "MraTerminated"),
    "acknowledge": Case("PE", lambda s: _f(s).acknowledge(s.cert, 1), "CertificateEventAcknowledged"),
}

GOV = "NotGovernance"
SIG = "NotASigner"
FRZ = "AdministrationIsFrozen"

# fmt: off
MATRIX: dict[str, tuple[str, str, str, str, str, str]] = {
    # function                 governance  own  other                removed  frozen  stranger
    "registerAdministration": (OK,         GOV, GOV,                 GOV,     GOV,    GOV),
    "freezeAdministration":   (OK,         GOV, GOV,                 GOV,     GOV,    GOV),
    "unfreezeAdministration": (OK,         GOV, GOV,                 GOV,     GOV,    GOV),
    "recoverAdministration":  (OK,         GOV, GOV,                 GOV,     GOV,    GOV),
    "addSigner":              (SIG,        OK,  OK,                  SIG,     FRZ,    SIG),
    "removeSigner":           (SIG,        OK,  "SignerNotFound",    SIG,     FRZ,    SIG),
    "publishExchangeKey":     (SIG,        OK,  OK,                  SIG,     FRZ,    SIG),
    "issue":                  (SIG,        OK,  OK,                  SIG,     FRZ,    SIG),
    "issueBatch":             (SIG,        OK,  OK,                  SIG,     FRZ,    SIG),
    "suspend":                (SIG,        OK,  "NotIssuer",         SIG,     FRZ,    SIG),
    "reinstate":              (SIG,        OK,  "NotIssuer",         SIG,     FRZ,    SIG),
    "revoke":                 (SIG,        OK,  "NotIssuer",         SIG,     FRZ,    SIG),
    "annul":                  (SIG,        OK,  "NotIssuer",         SIG,     FRZ,    SIG),
    "amend":                  (SIG,        OK,  "NotIssuer",         SIG,     FRZ,    SIG),
    "renew":                  (SIG,        OK,  "NotIssuer",         SIG,     FRZ,    SIG),
    "proposeMra":             (SIG,        OK,  "ProposerNotParty",  SIG,     FRZ,    SIG),
    "acceptMra":              (SIG,        OK,  "NotMraParty",       SIG,     FRZ,    SIG),
    "suspendMra":             (SIG,        OK,  "NotMraParty",       SIG,     FRZ,    SIG),
    "resumeMra":              (SIG,        OK,  "NotMraParty",       SIG,     FRZ,    SIG),
    "terminateMra":           (SIG,        OK,  "NotMraParty",       SIG,     FRZ,    SIG),
    "acknowledge":            (SIG,        OK,  "NotAPartner",       SIG,     FRZ,    SIG),
}
# fmt: on


def error_args(error: str, function: str, scene: Scene, caller: str) -> tuple[Any, ...]:
    """The arguments the named error must carry in this cell."""
    owner = CASES[function].owner
    caller_code = scene.d.functions.administrationOf(caller).call()
    mra = {"acceptMra": scene.proposed, "resumeMra": scene.suspended_mra}.get(function, scene.active)
    cert = scene.suspended if function == "reinstate" else scene.cert
    return {
        "NotGovernance": lambda: (caller,),
        "NotASigner": lambda: (caller,),
        "AdministrationIsFrozen": lambda: (owner,),
        "SignerNotFound": lambda: (scene.extra_signer, caller_code),
        "NotIssuer": lambda: (cert, "CR", caller_code),
        "ProposerNotParty": lambda: (caller_code,),
        "NotMraParty": lambda: (mra, caller_code),
        "NotAPartner": lambda: (scene.cert, "CR", caller_code),
    }[error]()


CELLS = [(function, actor, row[i]) for function, row in MATRIX.items() for i, actor in enumerate(ACTORS)]


def test_matrix_covers_every_mutating_function(deployment: Deployment) -> None:
    mutating = {
        e["name"]
        for e in deployment.ledger.abi
        if e["type"] == "function" and e["stateMutability"] not in ("view", "pure")
    }
    assert mutating - {"setTime"} == set(MATRIX) == set(CASES)


@pytest.mark.parametrize(("function", "actor", "expected"), CELLS, ids=[f"{f}-{a}" for f, a, _ in CELLS])
def test_access(scene: Scene, function: str, actor: str, expected: str) -> None:
    d = scene.d
    case = CASES[function]
    if actor == "frozen":
        d.send(d.functions.freezeAdministration(code(case.owner)), d.governance)
    caller = scene.actor(actor, case.owner)
    fn = case.build(scene)
    if expected == OK:
        receipt = d.send(fn, caller, gas=5_000_000)
        assert case.event in [name for name, _ in d.events(receipt)]
    else:
        d.expect_revert(fn, caller, expected, *error_args(expected, function, scene, caller), send=True)
