"""Recognition edges: validity and effective-date boundaries, lifecycles of certificates and MRAs,
mutual and plurilateral recognition, the union of programmes over MRAs in force, unknown inputs."""

from __future__ import annotations

from itertools import product

from ledger_client import hashing
from ledger_client.models import Programme, Role
from tests.contracts.helpers import DAY, DOC2, T0, YEAR, Deployment, Terms, code


def test_validity_boundaries(d: Deployment) -> None:
    cert = d.issue("CR", "CR-1", Terms(valid_from=T0 + 10, valid_until=T0 + 20))
    mra_id = d.propose("CR", ["CR", "PE"], accept=True)
    for now, recognised in ((T0 + 9, False), (T0 + 10, True), (T0 + 20, True), (T0 + 21, False)):
        d.set_time(now)
        want = (True, 0b11, mra_id) if recognised else (False, 0, 0)
        assert tuple(d.functions.recognition(cert, code("PE")).call()) == want, now


def test_effective_date_boundary(d: Deployment) -> None:
    cert = d.issue("CR", "CR-1", Terms(valid_until=0))
    mra_id = d.propose("CR", ["CR", "PE"], effective_from=T0 + 100, accept=True)
    d.set_time(T0 + 99)
    assert tuple(d.functions.recognition(cert, code("PE")).call()) == (False, 0, 0)
    d.set_time(T0 + 100)
    assert tuple(d.functions.recognition(cert, code("PE")).call()) == (True, 0b11, mra_id)


def test_recognition_follows_lifecycles(d: Deployment) -> None:
    cert = d.issue("CR", "CR-1", Terms(valid_until=T0 + DAY))
    pe = code("PE")
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)
    mra_id = d.propose("CR", ["CR", "PE"])
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)
    d.send(d.functions.acceptMra(mra_id), d.signer("PE"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (True, 0b11, mra_id)
    d.send(d.functions.suspend(cert, 3), d.signer("CR"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)
    d.send(d.functions.reinstate(cert, 9), d.signer("CR"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (True, 0b11, mra_id)
    d.send(d.functions.suspendMra(mra_id, 1), d.signer("PE"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)
    d.send(d.functions.resumeMra(mra_id), d.signer("CR"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (True, 0b11, mra_id)
    d.set_time(T0 + DAY + 1)
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)
    d.send(d.functions.renew(cert, T0, T0 + YEAR, DOC2), d.signer("CR"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (True, 0b11, mra_id)
    d.send(d.functions.amend(cert, 0b1000, 0b11, 0, T0, T0 + YEAR, DOC2, 4), d.signer("CR"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)
    d.send(d.functions.amend(cert, 0b1001, 0b11, 0, T0, T0 + YEAR, DOC2, 4), d.signer("CR"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (True, 0b01, mra_id)
    d.send(d.functions.terminateMra(mra_id, 2), d.signer("PE"))
    assert tuple(d.functions.recognition(cert, pe).call()) == (False, 0, 0)


def test_recognition_is_mutual_under_one_mra(d: Deployment) -> None:
    cr_cert = d.issue("CR", "CR-1")
    pe_cert = d.issue("PE", "PE-1")
    mra_id = d.propose("PE", ["PE", "CR"], accept=True)
    assert tuple(d.functions.recognition(cr_cert, code("PE")).call()) == (True, 0b11, mra_id)
    assert tuple(d.functions.recognition(pe_cert, code("CR")).call()) == (True, 0b11, mra_id)
    assert tuple(d.functions.recognition(pe_cert, code("PE")).call()) == (False, 0, 0)


def test_plurilateral_mra_joins_every_pair(d: Deployment) -> None:
    parties = ["CR", "PE", "MX", "CL"]
    mra_id = d.propose("MX", parties, accept=True)
    certs = {p: d.issue(p, f"{p}-1") for p in parties}
    for issuer, recognizer in product(parties, parties):
        want = (False, 0, 0) if issuer == recognizer else (True, 0b11, mra_id)
        assert tuple(d.functions.recognition(certs[issuer], code(recognizer)).call()) == want
    assert tuple(d.functions.recognition(certs["CR"], code("CO")).call()) == (False, 0, 0)


def test_programmes_are_the_union_over_mras_in_force(d: Deployment) -> None:
    security, customs, fiscal = int(Programme.SECURITY), int(Programme.SIMPLIFICATIONS), int(Programme.FISCAL)
    cert = d.issue("CR", "CR-1", Terms(programmes=security | customs | fiscal, roles=int(Role.IMPORTER)))
    a = d.propose("CR", ["CR", "PE"], programmes=security, roles=int(Role.IMPORTER), accept=True)
    b = d.propose("CR", ["CR", "PE"], programmes=customs | int(Programme.SANITARY), roles=0xFF, accept=True)
    d.propose("CR", ["CR", "PE"], programmes=fiscal, roles=int(Role.CARRIER), accept=True)  # roles do not overlap
    pluri = d.propose("MX", ["MX", "PE", "CR"], programmes=fiscal, roles=int(Role.IMPORTER))  # never accepted
    recognised, programmes, mra_id = d.functions.recognition(cert, code("PE")).call()
    assert (recognised, programmes) == (True, security | customs)
    assert mra_id == min(a, b)
    # Without the first grant, the second one remains and names itself.
    d.send(d.functions.suspendMra(a, 1), d.signer("PE"))
    assert tuple(d.functions.recognition(cert, code("PE")).call()) == (True, customs, b)
    d.send(d.functions.acceptMra(pluri), d.signer("PE"))
    d.send(d.functions.acceptMra(pluri), d.signer("CR"))
    recognised, programmes, mra_id = d.functions.recognition(cert, code("PE")).call()
    assert (recognised, programmes) == (True, customs | fiscal)
    assert mra_id == min(b, pluri)


def test_granting_mra_is_the_lowest_granting_id_after_terminations(d: Deployment) -> None:
    # Terminating MRA 0 reorders the live list ([3, 1, 2] after swap-and-pop); the answer must not
    # depend on that order: the index answers recognition at past times with the same rule.
    cert = d.issue("CR", "CR-1")
    ids = [d.propose("CR", ["CR", "PE"], accept=True) for _ in range(4)]
    d.send(d.functions.terminateMra(ids[0], 1), d.signer("PE"))
    d.send(d.functions.suspendMra(ids[1], 1), d.signer("PE"))
    recognised, programmes, mra_id = d.functions.recognition(cert, code("PE")).call()
    assert (recognised, programmes) == (True, 0b11)
    assert mra_id == ids[2]


def test_unknown_certificate_or_administration(d: Deployment) -> None:
    cert = d.issue("CR", "CR-1")
    d.propose("CR", ["CR", "PE"], accept=True)
    unknown = hashing.certificate_id("CR", "CR-404")
    assert tuple(d.functions.recognition(unknown, code("PE")).call()) == (False, 0, 0)
    assert tuple(d.functions.recognition(cert, code("XX")).call()) == (False, 0, 0)
    assert tuple(d.functions.recognition(cert, b"\x00\x00").call()) == (False, 0, 0)
