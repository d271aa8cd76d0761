"""MraRegistry: propose, accept, suspend, resume, terminate; getters; limits; events, heads and errors."""

from __future__ import annotations

from typing import Any

import pytest

from ledger_client import hashing
from ledger_client.models import MraAction, MraStatus
from tests.contracts.helpers import (
    BIG_GAS,
    DAY,
    MRA_DOC,
    T0,
    ZERO32,
    Deployment,
    MraBook,
    alpha2,
    code,
    expected_events,
    mra_record,
)

PROGRAMMES = 0b0011
ROLES = 0b0000_0111


def propose(d: Deployment, book: MraBook, proposer: str, parties: list[str], effective_from: int = 0) -> int:
    """Propose through the chain and the model, checking events and record."""
    fn = d.functions.proposeMra([code(p) for p in parties], PROGRAMMES, ROLES, effective_from, MRA_DOC)
    assert fn.call({"from": d.signer(proposer)}) == len(book.mras) + 1
    receipt = d.send(fn, d.signer(proposer), gas=BIG_GAS)
    assert d.events(receipt) == expected_events(
        d, book.propose(proposer, parties, PROGRAMMES, ROLES, effective_from, MRA_DOC)
    )
    mra_id = len(book.mras)
    assert mra_record(d, mra_id) == book.mras[mra_id].record()
    return mra_id


def act(d: Deployment, book: MraBook, verb: str, party: str, mra_id: int, *args: int) -> None:
    """acceptMra / suspendMra / resumeMra / terminateMra through the chain and the model."""
    receipt = d.send(getattr(d.functions, f"{verb}Mra")(mra_id, *args), d.signer(party), gas=BIG_GAS)
    assert d.events(receipt) == expected_events(d, getattr(book, verb)(party, mra_id, *args))
    assert mra_record(d, mra_id) == book.mras[mra_id].record()


def live(d: Deployment, a: str, b: str) -> set[int]:
    ids = d.functions.liveMrasBetween(code(a), code(b)).call()
    assert ids == d.functions.liveMrasBetween(code(b), code(a)).call()
    assert len(ids) == len(set(ids))
    return set(ids)


@pytest.fixture
def book() -> MraBook:
    return MraBook(["CR", "PE", "MX", "CL", "CO"])


# --- propose ------------------------------------------------------------------------------------


def test_propose_bilateral(d: Deployment, book: MraBook) -> None:
    assert d.functions.mraCount().call() == 0
    mra_id = propose(d, book, "CR", ["CR", "PE"], T0 + DAY)
    assert mra_id == 1
    assert d.functions.mraCount().call() == 1
    record = mra_record(d, mra_id)
    assert record[0] == MraStatus.PROPOSED
    assert record[1] == code("CR")
    assert record[9] == hashing.mra_terms_hash(PROGRAMMES, ROLES, T0 + DAY, MRA_DOC, ["CR", "PE"])
    terms = record[9]
    assert record[8] == hashing.mra_head(b"\x00" * 32, 1, 1, int(MraAction.PROPOSED), "CR", 1, terms, 0)
    assert d.functions.hasAccepted(1, code("CR")).call() is True
    assert d.functions.hasAccepted(1, code("PE")).call() is False
    assert d.functions.hasAccepted(1, code("MX")).call() is False
    assert d.functions.mrasOf(code("CR")).call() == [1]
    assert d.functions.mrasOf(code("PE")).call() == [1]
    assert d.functions.mrasOf(code("MX")).call() == []
    assert live(d, "CR", "PE") == set()
    assert d.functions.mraInForce(1).call() is False


def test_propose_event_topics(d: Deployment, book: MraBook) -> None:
    receipt = d.send(d.functions.proposeMra([code("PE"), code("CR")], PROGRAMMES, ROLES, 0, MRA_DOC), d.signer("CR"))
    log = receipt["logs"][0]
    assert int.from_bytes(log["topics"][1], "big") == 1
    assert bytes(log["topics"][2]) == code("CR") + b"\x00" * 30
    # Parties are stored in the proposal's order, whoever proposes.
    assert mra_record(d, 1)[10] == [code("PE"), code("CR")]


def test_plurilateral_lifecycle(d: Deployment, book: MraBook) -> None:
    """A Pacific-Alliance-like MRA: Active only after the last acceptance; any party acts."""
    parties = ["CR", "PE", "MX", "CL"]
    mra_id = propose(d, book, "PE", parties)
    act(d, book, "accept", "CR", mra_id)
    act(d, book, "accept", "CL", mra_id)
    assert mra_record(d, mra_id)[0] == MraStatus.PROPOSED
    assert live(d, "CR", "PE") == set()
    act(d, book, "accept", "MX", mra_id)
    assert mra_record(d, mra_id)[0] == MraStatus.ACTIVE
    for i, a in enumerate(parties):
        assert d.functions.hasAccepted(mra_id, code(a)).call() is True
        for b in parties[i + 1 :]:
            assert live(d, a, b) == {mra_id}
    assert live(d, "CR", "CO") == set()
    assert d.functions.mraInForce(mra_id).call() is True

    act(d, book, "suspend", "CL", mra_id, 7)
    assert d.functions.mraInForce(mra_id).call() is False
    assert live(d, "CR", "PE") == {mra_id}  # suspended MRAs stay live (accepted, not terminated)
    act(d, book, "resume", "MX", mra_id)
    assert d.functions.mraInForce(mra_id).call() is True
    act(d, book, "suspend", "CR", mra_id, 1)
    act(d, book, "terminate", "PE", mra_id, 2)
    assert d.functions.mraInForce(mra_id).call() is False
    for i, a in enumerate(parties):
        for b in parties[i + 1 :]:
            assert live(d, a, b) == set()
    assert d.functions.mrasOf(code("CL")).call() == [mra_id]


def test_accept_emits_status(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE", "MX"])
    receipt = d.send(d.functions.acceptMra(mra_id), d.signer("MX"))
    head2 = hashing.mra_head(
        book.mras[mra_id].head, mra_id, 2, int(MraAction.ACCEPTED), "MX", int(MraStatus.PROPOSED), mra_record(d, 1)[9]
    )
    d.assert_events(receipt, d.event("MraAccepted", mraId=mra_id, party="MX", sequence=2, status=1, head=head2))
    receipt = d.send(d.functions.acceptMra(mra_id), d.signer("PE"))
    head3 = hashing.mra_head(
        head2, mra_id, 3, int(MraAction.ACCEPTED), "PE", int(MraStatus.ACTIVE), mra_record(d, 1)[9]
    )
    d.assert_events(receipt, d.event("MraAccepted", mraId=mra_id, party="PE", sequence=3, status=2, head=head3))


@pytest.mark.parametrize("from_state", ["proposed", "active", "suspended"])
def test_terminate_from_any_live_state(d: Deployment, book: MraBook, from_state: str) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE"])
    if from_state != "proposed":
        act(d, book, "accept", "PE", mra_id)
    if from_state == "suspended":
        act(d, book, "suspend", "PE", mra_id, 3)
    act(d, book, "terminate", "PE", mra_id, 5)
    assert mra_record(d, mra_id)[0] == MraStatus.TERMINATED
    assert live(d, "CR", "PE") == set()
    # Terminated is final.
    for party in ("CR", "PE"):
        d.expect_revert(d.functions.terminateMra(mra_id, 1), d.signer(party), "MraAlreadyTerminated", mra_id)
        d.expect_revert(d.functions.acceptMra(mra_id), d.signer(party), "MraNotProposed", mra_id, MraStatus.TERMINATED)
        d.expect_revert(
            d.functions.suspendMra(mra_id, 1), d.signer(party), "MraNotActive", mra_id, MraStatus.TERMINATED
        )
        d.expect_revert(d.functions.resumeMra(mra_id), d.signer(party), "MraNotSuspended", mra_id, MraStatus.TERMINATED)


def test_in_force_from_effective_date(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE"], T0 + DAY)
    act(d, book, "accept", "PE", mra_id)
    assert d.functions.mraInForce(mra_id).call() is False
    assert live(d, "CR", "PE") == {mra_id}  # live before it is effective
    d.set_time(T0 + DAY - 1)
    assert d.functions.mraInForce(mra_id).call() is False
    d.set_time(T0 + DAY)
    assert d.functions.mraInForce(mra_id).call() is True
    assert d.functions.mraInForce(999).call() is False
    assert d.functions.mraInForce(0).call() is False


def test_effective_date_zero_and_past_are_in_force_at_once(d: Deployment, book: MraBook) -> None:
    for effective in (0, T0 - 10 * DAY, T0):
        mra_id = propose(d, book, "CR", ["CR", "PE"], effective)
        act(d, book, "accept", "PE", mra_id)
        assert d.functions.mraInForce(mra_id).call() is True


def test_unknown_mra_reads_as_empty(d: Deployment) -> None:
    assert mra_record(d, 7) == (0, b"\x00\x00", 0, 0, 0, 0, 0, ZERO32, ZERO32, ZERO32, [])
    assert d.functions.hasAccepted(7, code("CR")).call() is False
    assert d.functions.mrasOf(code("XX")).call() == []
    assert d.functions.liveMrasBetween(code("CR"), code("CR")).call() == []


# --- propose errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parties", "programmes", "roles", "document", "error"),
    [
        ([], 1, 1, MRA_DOC, ("TooFewParties", (0,))),
        (["CR"], 1, 1, MRA_DOC, ("TooFewParties", (1,))),
        ([alpha2(i) for i in range(17)], 1, 1, MRA_DOC, ("TooManyParties", (17, 16))),
        (["CR", "PE"], 0, 1, MRA_DOC, ("InvalidMraScope", (0, 1))),
        (["CR", "PE"], 1, 0, MRA_DOC, ("InvalidMraScope", (1, 0))),
        (["CR", "PE"], 1, 1, ZERO32, ("EmptyMraDocument", ())),
        (["CR", "PE", "CR"], 1, 1, MRA_DOC, ("DuplicateParty", ("CR",))),
        (["CR", "PE", "MX", "PE"], 1, 1, MRA_DOC, ("DuplicateParty", ("PE",))),
        (["CR", "XX"], 1, 1, MRA_DOC, ("UnknownAdministration", ("XX",))),
        (["PE", "MX"], 1, 1, MRA_DOC, ("ProposerNotParty", ("CR",))),
    ],
    ids=[
        "none",
        "one",
        "seventeen",
        "no-programme",
        "no-role",
        "no-doc",
        "dup-proposer",
        "dup-other",
        "unknown",
        "not-party",
    ],
)
def test_propose_errors(
    d: Deployment, parties: list[str], programmes: int, roles: int, document: bytes, error: tuple[str, tuple[Any, ...]]
) -> None:
    fn = d.functions.proposeMra([code(p) for p in parties], programmes, roles, 0, document)
    d.expect_revert(fn, d.signer("CR"), error[0], *error[1], send=True)
    assert d.functions.mraCount().call() == 0
    assert d.functions.mrasOf(code("PE")).call() == []


def test_propose_with_frozen_party_or_by_frozen_proposer(d: Deployment) -> None:
    d.send(d.functions.freezeAdministration(code("PE")), d.governance)
    fn = d.functions.proposeMra([code("CR"), code("PE")], 1, 1, 0, MRA_DOC)
    d.expect_revert(fn, d.signer("CR"), "AdministrationIsFrozen", "PE")
    d.expect_revert(fn, d.signer("PE"), "AdministrationIsFrozen", "PE")
    d.expect_revert(fn, d.stranger, "NotASigner", d.stranger)


# --- accept / suspend / resume / terminate errors -------------------------------------------------


def test_accept_errors(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE", "MX"])
    d.expect_revert(d.functions.acceptMra(mra_id), d.signer("CR"), "MraAlreadyAccepted", mra_id, "CR", send=True)
    act(d, book, "accept", "PE", mra_id)
    d.expect_revert(d.functions.acceptMra(mra_id), d.signer("PE"), "MraAlreadyAccepted", mra_id, "PE")
    d.expect_revert(d.functions.acceptMra(mra_id), d.signer("CL"), "NotMraParty", mra_id, "CL")
    d.expect_revert(d.functions.acceptMra(99), d.signer("PE"), "UnknownMra", 99)
    d.expect_revert(d.functions.acceptMra(0), d.signer("PE"), "UnknownMra", 0)
    d.expect_revert(d.functions.acceptMra(mra_id), d.stranger, "NotASigner", d.stranger)
    act(d, book, "accept", "MX", mra_id)
    for party in ("CR", "PE", "MX"):
        d.expect_revert(d.functions.acceptMra(mra_id), d.signer(party), "MraNotProposed", mra_id, MraStatus.ACTIVE)
    act(d, book, "suspend", "MX", mra_id, 1)
    d.expect_revert(d.functions.acceptMra(mra_id), d.signer("MX"), "MraNotProposed", mra_id, MraStatus.SUSPENDED)


def test_accept_by_frozen_party(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE"])
    d.send(d.functions.freezeAdministration(code("PE")), d.governance)
    d.expect_revert(d.functions.acceptMra(mra_id), d.signer("PE"), "AdministrationIsFrozen", "PE")


def test_suspend_errors(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE"])
    pe = d.signer("PE")
    d.expect_revert(d.functions.suspendMra(mra_id, 1), pe, "MraNotActive", mra_id, MraStatus.PROPOSED, send=True)
    act(d, book, "accept", "PE", mra_id)
    d.expect_revert(d.functions.suspendMra(mra_id, 0), pe, "MissingMraReason", send=True)
    d.expect_revert(d.functions.suspendMra(42, 1), pe, "UnknownMra", 42)
    d.expect_revert(d.functions.suspendMra(mra_id, 1), d.signer("MX"), "NotMraParty", mra_id, "MX")
    act(d, book, "suspend", "PE", mra_id, 1)
    d.expect_revert(d.functions.suspendMra(mra_id, 1), d.signer("CR"), "MraNotActive", mra_id, MraStatus.SUSPENDED)


def test_resume_errors(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE"])
    pe = d.signer("PE")
    d.expect_revert(d.functions.resumeMra(mra_id), pe, "MraNotSuspended", mra_id, MraStatus.PROPOSED, send=True)
    act(d, book, "accept", "PE", mra_id)
    d.expect_revert(d.functions.resumeMra(mra_id), pe, "MraNotSuspended", mra_id, MraStatus.ACTIVE)
    d.expect_revert(d.functions.resumeMra(42), pe, "UnknownMra", 42)
    act(d, book, "suspend", "CR", mra_id, 1)
    d.expect_revert(d.functions.resumeMra(mra_id), d.signer("MX"), "NotMraParty", mra_id, "MX")
    # The party that did not suspend may resume.
    act(d, book, "resume", "PE", mra_id)


def test_terminate_errors(d: Deployment, book: MraBook) -> None:
    mra_id = propose(d, book, "CR", ["CR", "PE"])
    pe = d.signer("PE")
    d.expect_revert(d.functions.terminateMra(mra_id, 0), pe, "MissingMraReason", send=True)
    d.expect_revert(d.functions.terminateMra(42, 1), pe, "UnknownMra", 42)
    d.expect_revert(d.functions.terminateMra(mra_id, 1), d.signer("MX"), "NotMraParty", mra_id, "MX")
    d.expect_revert(d.functions.terminateMra(mra_id, 1), d.stranger, "NotASigner", d.stranger)
    act(d, book, "terminate", "PE", mra_id, 1)
    d.expect_revert(d.functions.terminateMra(mra_id, 1), pe, "MraAlreadyTerminated", mra_id, send=True)


# --- limits -----------------------------------------------------------------------------------------


def test_max_parties(d: Deployment, book: MraBook) -> None:
    extra = [alpha2(i) for i in range(11)]  # AA..AK: 5 seeded + 11 = 16 parties
    for admin in extra:
        d.register(admin)
    book.active.update(extra)
    parties = ["CR", "PE", "MX", "CL", "CO", *extra]
    mra_id = propose(d, book, "CO", parties)
    for party in parties:
        if party != "CO":
            act(d, book, "accept", party, mra_id)
    assert mra_record(d, mra_id)[0] == MraStatus.ACTIVE
    assert mra_record(d, mra_id)[5] == 16
    assert live(d, "AA", "AK") == {mra_id}
    assert live(d, "CR", "AK") == {mra_id}
    d.register("ZZ")
    fn = d.functions.proposeMra([code(p) for p in [*parties, "ZZ"]], 1, 1, 0, MRA_DOC)
    d.expect_revert(fn, d.signer("CR"), "TooManyParties", 17, 16)
    # Termination unlinks all 120 pairs.
    act(d, book, "terminate", "AA", mra_id, 1)
    assert live(d, "AA", "AK") == set()
    assert live(d, "CR", "PE") == set()


def test_max_live_mras_per_pair(d: Deployment, book: MraBook) -> None:
    ids = []
    for _ in range(8):
        mra_id = propose(d, book, "CR", ["CR", "PE"])
        act(d, book, "accept", "PE", mra_id)
        ids.append(mra_id)
    assert live(d, "CR", "PE") == set(ids)
    # A ninth can be proposed, but the acceptance that would make it live reverts.
    ninth = propose(d, book, "PE", ["PE", "CR"])
    d.expect_revert(d.functions.acceptMra(ninth), d.signer("CR"), "TooManyMrasBetween", "PE", "CR", 8, send=True)
    assert mra_record(d, ninth)[0] == MraStatus.PROPOSED
    # Suspended MRAs still count.
    act(d, book, "suspend", "CR", ids[0], 1)
    d.expect_revert(d.functions.acceptMra(ninth), d.signer("CR"), "TooManyMrasBetween", "PE", "CR", 8)
    # A plurilateral MRA is blocked by its one full pair.
    pluri = propose(d, book, "MX", ["MX", "CR", "PE"])
    act(d, book, "accept", "CR", pluri)
    d.expect_revert(d.functions.acceptMra(pluri), d.signer("PE"), "TooManyMrasBetween", "CR", "PE", 8)
    # Terminating one frees a slot; other pairs are unaffected meanwhile.
    other = propose(d, book, "CR", ["CR", "MX"])
    act(d, book, "accept", "MX", other)
    act(d, book, "terminate", "PE", ids[3], 9)
    act(d, book, "accept", "CR", ninth)
    assert live(d, "CR", "PE") == (set(ids) - {ids[3]}) | {ninth}
    d.expect_revert(d.functions.acceptMra(pluri), d.signer("PE"), "TooManyMrasBetween", "CR", "PE", 8)


def test_many_mras_of_one_administration(d: Deployment, book: MraBook) -> None:
    partners = ["PE", "MX", "CL", "CO"]
    for partner in partners:
        mra_id = propose(d, book, "CR", ["CR", partner])
        act(d, book, "accept", partner, mra_id)
    pluri = propose(d, book, "PE", ["PE", "MX", "CL"])
    assert d.functions.mrasOf(code("CR")).call() == [1, 2, 3, 4]
    assert d.functions.mrasOf(code("PE")).call() == [1, pluri]
    for partner in partners:
        assert live(d, "CR", partner) == book.live_between("CR", partner)
    assert live(d, "PE", "MX") == set()


def test_harness_clock_falls_back_to_block_time(d: Deployment, book: MraBook) -> None:
    """``setTime(0)`` returns ``_time()`` to ``block.timestamp`` (the production clock)."""
    mra_id = propose(d, book, "CR", ["CR", "PE"], T0 + DAY)
    act(d, book, "accept", "PE", mra_id)
    assert d.functions.mraInForce(mra_id).call() is False  # pinned at T0
    d.set_time(0)
    block_time = d.w3.eth.get_block("latest")["timestamp"]
    assert block_time > T0 + DAY
    assert d.functions.mraInForce(mra_id).call() is True
