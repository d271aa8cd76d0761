"""Hypothesis stateful tests: random sequences of valid and invalid operations against plain-Python models.

- Certificates: issue, issueBatch, suspend, reinstate, revoke, annul, amend, renew by the issuer or
  by another administration, with valid and invalid arguments. After every step the events (with
  their sequence numbers and heads) or the custom error (with its arguments) must be the model's;
  the touched certificates' records and history heads must match; at the end of each example an
  auditor's replay of all logs must rebuild every head that ``historyHead`` returns.
- MRAs: propose, accept, suspend, resume, terminate by random parties and non-parties, time moves;
  events, records, ``liveMrasBetween``, ``mrasOf``, ``mraInForce`` and ``recognition`` must match.

The chain is reverted to a snapshot before every example. Example counts are modest so the suite
stays fast; hypothesis keeps failing examples in its database for replay.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger_client import hashing
from ledger_client.models import FLAG_CONSENT_WITHHELD, CertificateStatus, MraStatus
from tests.contracts.helpers import (
    BIG_GAS,
    DAY,
    DOC,
    DOC2,
    MRA_DOC,
    T0,
    YEAR,
    ZERO32,
    CertificateBook,
    CertificateModel,
    Deployment,
    MraBook,
    Outcome,
    Terms,
    cert_record,
    code,
    expected_events,
    is_error,
    mra_record,
    replay_certificate_heads,
)

STATEFUL = settings(
    max_examples=35,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- certificates ----------------------------------------------------------------------------------

ISSUERS = ("CR", "PE")
NUMBERS = {"CR": ("CR-1", "CR-2", "CR-3"), "PE": ("PE-1", "PE-2")}
CERTS = [(issuer, n) for issuer in ISSUERS for n in NUMBERS[issuer]]
OTHER = {"CR": "PE", "PE": "MX", "MX": "CR"}
OPEN = (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)

valid_terms = st.builds(
    Terms,
    programmes=st.sampled_from([1, 2, 3, 0x0F, 0xFF]),
    roles=st.sampled_from([1, 6, 0x1FF, 0xFFFF]),
    flags=st.sampled_from([0, 1, 2, 3]),  # SME, consent withheld
    valid_from=st.sampled_from([0, T0 - DAY, T0]),
    valid_until=st.sampled_from([0, T0 + DAY, T0 + YEAR, 2**32 - 1]),
    document_hash=st.sampled_from([DOC, DOC2]),
)
any_terms = st.builds(
    Terms,
    programmes=st.sampled_from([0, 1, 0x80]),
    roles=st.sampled_from([0, 2, 0x8000]),
    flags=st.sampled_from([0, 1, 2, 4, 0x81]),
    valid_from=st.sampled_from([0, T0, T0 + YEAR]),
    valid_until=st.sampled_from([0, T0 - 1, T0, T0 + YEAR]),
    document_hash=st.sampled_from([ZERO32, DOC]),
)
#: Mostly valid terms, sometimes anything.
terms_st = st.tuples(st.integers(0, 9), valid_terms, any_terms).map(lambda t: t[1] if t[0] < 7 else t[2])
reason_st = st.sampled_from([1, 2, 3, 6, 9, 99, 65535, 0])
#: Which certificate an operation targets: mostly an issued one, sometimes any of the pool.
pick_st = st.integers(0, 99)
#: Mostly the issuer's own signer; sometimes another administration's.
by_issuer_st = st.sampled_from([True, True, True, True, False])


class CertificateMachine(RuleBasedStateMachine):
    """The certificate lifecycle against :class:`helpers.CertificateBook`."""

    def __init__(self, d: Deployment, base: int) -> None:
        super().__init__()
        d.revert(base)
        self.d = d
        self.book = CertificateBook()
        self.start = d.w3.eth.block_number + 1

    def _caller(self, issuer: str, by_issuer: bool) -> str:
        return issuer if by_issuer else OTHER[issuer]

    def _target(self, pick: int, by_issuer: bool, *prefer: CertificateStatus) -> tuple[bytes, str]:
        """A certificate and the caller acting on it: mostly one whose status the action expects,
        sometimes any issued one, sometimes any of the pool (perhaps never issued)."""
        issued = sorted(self.book.certificates.values(), key=lambda c: c.id)
        preferred = [c for c in issued if c.status in prefer]
        if preferred and pick < 70:
            cert = preferred[pick % len(preferred)]
            issuer, number = cert.issuer, cert.number
        elif issued and pick < 90:
            cert = issued[pick % len(issued)]
            issuer, number = cert.issuer, cert.number
        else:
            issuer, number = CERTS[pick % len(CERTS)]
        return hashing.certificate_id(issuer, number), self._caller(issuer, by_issuer)

    @initialize(picks=st.lists(st.integers(0, len(CERTS) - 1), min_size=1, max_size=3, unique=True), terms=valid_terms)
    def issue_some(self, picks: list[int], terms: Terms) -> None:
        """Start with a few certificates, so that every rule has something to act on."""
        for i in picks:
            issuer, number = CERTS[i]
            fn = self.d.functions.issue(terms.input(number))
            self._run(fn, issuer, self.book.issue(issuer, number, terms), [hashing.certificate_id(issuer, number)])

    def _run(self, fn: Any, caller: str, outcome: Outcome, touched: list[bytes]) -> None:
        d = self.d
        event(f"{fn.fn_name}: {outcome[0] if is_error(outcome) else 'ok'}")
        if is_error(outcome):
            assert isinstance(outcome, tuple)
            d.expect_revert(fn, d.signer(caller), outcome[0], *outcome[1])
        else:
            receipt = d.send(fn, d.signer(caller), gas=BIG_GAS)
            assert d.events(receipt) == expected_events(d, outcome)
        for cert_id in touched:
            model = self.book.get(cert_id)
            if model is None:
                assert d.functions.historyHead(cert_id).call() == [0, b"\x00" * 16]
            else:
                assert cert_record(d, cert_id) == model.record()

    @rule(pick=pick_st, terms=terms_st, by_issuer=by_issuer_st)
    def issue(self, pick: int, terms: Terms, by_issuer: bool) -> None:
        issuer, number = CERTS[pick % len(CERTS)]
        caller = self._caller(issuer, by_issuer)  # the caller issues under its own code
        fn = self.d.functions.issue(terms.input(number))
        self._run(fn, caller, self.book.issue(caller, number, terms), [hashing.certificate_id(caller, number)])

    @rule(issuer=st.sampled_from(ISSUERS), picks=st.lists(st.integers(0, 2), min_size=0, max_size=3), terms=terms_st)
    def issue_batch(self, issuer: str, picks: list[int], terms: Terms) -> None:
        numbers = NUMBERS[issuer]
        items = [(numbers[i % len(numbers)], terms if j == 0 else Terms()) for j, i in enumerate(picks)]
        fn = self.d.functions.issueBatch([t.input(n) for n, t in items])
        touched = [hashing.certificate_id(issuer, n) for n in numbers]
        self._run(fn, issuer, self.book.issue_batch(issuer, items), touched)

    @rule(pick=pick_st, by_issuer=by_issuer_st, reason=reason_st)
    def suspend(self, pick: int, by_issuer: bool, reason: int) -> None:
        cert_id, caller = self._target(pick, by_issuer, CertificateStatus.ACTIVE)
        self._run(
            self.d.functions.suspend(cert_id, reason), caller, self.book.suspend(caller, cert_id, reason), [cert_id]
        )

    @rule(pick=pick_st, by_issuer=by_issuer_st, reason=reason_st)
    def reinstate(self, pick: int, by_issuer: bool, reason: int) -> None:
        cert_id, caller = self._target(pick, by_issuer, CertificateStatus.SUSPENDED)
        outcome = self.book.reinstate(caller, cert_id, reason)
        self._run(self.d.functions.reinstate(cert_id, reason), caller, outcome, [cert_id])

    @precondition(lambda self: any(c.status in OPEN for c in self.book.certificates.values()))
    @rule(pick=pick_st, reason=st.sampled_from([1, 3, 9]))
    def toggle_suspension(self, pick: int, reason: int) -> None:
        """The issuer suspends an active certificate or reinstates a suspended one (valid moves)."""
        cert_id, caller = self._target(min(pick, 69), True, *OPEN)
        model = self.book.get(cert_id)
        assert model is not None
        if model.status == CertificateStatus.ACTIVE:
            fn, outcome = self.d.functions.suspend(cert_id, reason), self.book.suspend(caller, cert_id, reason)
        else:
            fn, outcome = self.d.functions.reinstate(cert_id, reason), self.book.reinstate(caller, cert_id, reason)
        self._run(fn, caller, outcome, [cert_id])

    @rule(pick=pick_st, by_issuer=by_issuer_st, reason=reason_st)
    def revoke(self, pick: int, by_issuer: bool, reason: int) -> None:
        cert_id, caller = self._target(pick, by_issuer, CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
        self._run(
            self.d.functions.revoke(cert_id, reason), caller, self.book.revoke(caller, cert_id, reason), [cert_id]
        )

    @rule(pick=pick_st, by_issuer=by_issuer_st, reason=reason_st)
    def annul(self, pick: int, by_issuer: bool, reason: int) -> None:
        cert_id, caller = self._target(pick, by_issuer, CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
        self._run(self.d.functions.annul(cert_id, reason), caller, self.book.annul(caller, cert_id, reason), [cert_id])

    @rule(pick=pick_st, by_issuer=by_issuer_st, terms=terms_st, reason=reason_st)
    def amend(self, pick: int, by_issuer: bool, terms: Terms, reason: int) -> None:
        cert_id, caller = self._target(pick, by_issuer, CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
        t = terms
        fn = self.d.functions.amend(
            cert_id, t.programmes, t.roles, t.flags, t.valid_from, t.valid_until, t.document_hash, reason
        )
        self._run(fn, caller, self.book.amend(caller, cert_id, terms, reason), [cert_id])

    @rule(pick=pick_st, by_issuer=by_issuer_st, terms=terms_st)
    def renew(self, pick: int, by_issuer: bool, terms: Terms) -> None:
        cert_id, caller = self._target(pick, by_issuer, CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
        t = terms
        fn = self.d.functions.renew(cert_id, t.valid_from, t.valid_until, t.document_hash)
        outcome = self.book.renew(caller, cert_id, t.valid_from, t.valid_until, t.document_hash)
        self._run(fn, caller, outcome, [cert_id])

    def teardown(self) -> None:
        """An auditor replays every log of the example; heads, counters and statuses all agree."""
        d = self.d
        logs = d.w3.eth.get_logs({"address": d.ledger.address, "fromBlock": self.start, "toBlock": "latest"})
        events = d.decode_logs(logs)
        assert events == expected_events(d, self.book.events)
        replayed = replay_certificate_heads(events)
        assert set(replayed) == set(self.book.certificates)
        for cert_id, model in self.book.certificates.items():
            assert replayed[cert_id] == (model.event_count, model.head, model.status)
            assert d.functions.historyHead(cert_id).call() == [model.event_count, model.head]


@pytest.mark.slow  # a hypothesis state machine, 35 runs against the contract (minutes)
def test_certificate_lifecycle(d: Deployment) -> None:
    base = d.snapshot()

    class Machine(CertificateMachine):
        def __init__(self) -> None:
            super().__init__(d, base)

    run_state_machine_as_test(Machine, settings=STATEFUL)


# --- MRAs ----------------------------------------------------------------------------------------------

ADMINS = ("CR", "PE", "MX", "CL")
#: One certificate per administration, with different scopes, so recognition varies with the MRAs.
MRA_CERTS: dict[str, Terms] = {
    "CR": Terms(programmes=0b0001, roles=0b01, valid_until=0),
    "PE": Terms(programmes=0b0011, roles=0b10, valid_until=T0 + 10 * DAY),
    "MX": Terms(programmes=0b0100, roles=0b11, valid_until=0),
    "CL": Terms(programmes=0b0110, roles=0b11, valid_from=T0 + 2 * DAY, valid_until=0),
}
TIMES = (T0, T0 + DAY, T0 + 5 * DAY, T0 + 20 * DAY)

admin_st = st.sampled_from(ADMINS)
#: Mostly 2 or 3 distinct parties; sometimes any list (too few, duplicates).
parties_st = st.tuples(
    st.integers(0, 9),
    st.lists(admin_st, min_size=2, max_size=3, unique=True),
    st.lists(admin_st, min_size=0, max_size=4),
).map(lambda t: t[1] if t[0] < 8 else t[2])
mra_reason_st = st.sampled_from([1, 2, 7, 99, 0])


class MraMachine(RuleBasedStateMachine):
    """MRAs, live pairs and recognition against :class:`helpers.MraBook`."""

    def __init__(self, d: Deployment, base: int) -> None:
        super().__init__()
        d.revert(base)
        self.d = d
        self.book = MraBook((*ADMINS, "CO"))
        self.now = T0
        self.certs = {
            a: CertificateModel(hashing.certificate_id(a, f"{a}-M"), a, f"{a}-M", CertificateStatus.ACTIVE, t)
            for a, t in MRA_CERTS.items()
        }

    def _mra(self, pick: int, *prefer: MraStatus) -> int:
        """An MRA id: mostly one whose status the action expects, sometimes any, sometimes unknown."""
        preferred = [m.id for m in self.book.mras.values() if m.status in prefer]
        count = len(self.book.mras)
        if preferred and pick < 70:
            return preferred[pick % len(preferred)]
        if count and pick < 90:
            return 1 + pick % count
        return 0 if pick % 2 else count + 1

    def _party(self, mra_id: int, pick: int) -> str:
        """Mostly a party of the MRA; sometimes any administration."""
        mra = self.book.mras.get(mra_id)
        if mra is not None and pick < 8:
            return mra.parties[pick % len(mra.parties)]
        return ADMINS[pick % len(ADMINS)]

    def _has(self, status: MraStatus) -> bool:
        return any(m.status == status for m in self.book.mras.values())

    @initialize(accept=st.booleans())
    def propose_one(self, accept: bool) -> None:
        """Start with an MRA between CR and PE, proposed or in force."""
        fn = self.d.functions.proposeMra([code("CR"), code("PE")], 3, 3, 0, MRA_DOC)
        self._run(fn, "CR", self.book.propose("CR", ["CR", "PE"], 3, 3, 0, MRA_DOC))
        if accept:
            self._run(self.d.functions.acceptMra(1), "PE", self.book.accept("PE", 1))

    def _run(self, fn: Any, caller: str, outcome: Outcome) -> None:
        d = self.d
        event(f"{fn.fn_name}: {outcome[0] if is_error(outcome) else 'ok'}")
        if is_error(outcome):
            assert isinstance(outcome, tuple)
            d.expect_revert(fn, d.signer(caller), outcome[0], *outcome[1])
            return
        receipt = d.send(fn, d.signer(caller), gas=BIG_GAS)
        assert d.events(receipt) == expected_events(d, outcome)
        mra_id = outcome[0][1]["mraId"]
        model = self.book.mras[mra_id]
        assert mra_record(d, mra_id) == model.record()
        for party in model.parties:
            assert d.functions.hasAccepted(mra_id, code(party)).call() is (party in model.accepted)
        assert d.functions.mraInForce(mra_id).call() is model.in_force(self.now)

    @rule(
        proposer_pick=st.integers(0, 9),
        parties=parties_st,
        programmes=st.sampled_from([1, 2, 3, 4, 6, 0xFF, 0]),
        roles=st.sampled_from([1, 2, 3, 1, 0]),
        effective=st.sampled_from([0, T0 + DAY, T0 + 5 * DAY]),
        document=st.sampled_from([MRA_DOC, MRA_DOC, MRA_DOC, MRA_DOC, ZERO32]),
    )
    def propose(
        self, proposer_pick: int, parties: list[str], programmes: int, roles: int, effective: int, document: bytes
    ) -> None:
        # Mostly one of the listed parties proposes; sometimes anyone.
        proposer = parties[proposer_pick % len(parties)] if parties and proposer_pick < 8 else ADMINS[proposer_pick % 4]
        fn = self.d.functions.proposeMra([code(p) for p in parties], programmes, roles, effective, document)
        self._run(fn, proposer, self.book.propose(proposer, parties, programmes, roles, effective, document))

    @rule(party_pick=st.integers(0, 9), pick=pick_st)
    def accept(self, party_pick: int, pick: int) -> None:
        mra_id = self._mra(pick, MraStatus.PROPOSED)
        party = self._party(mra_id, party_pick)
        self._run(self.d.functions.acceptMra(mra_id), party, self.book.accept(party, mra_id))

    @rule(pick=pick_st)
    def accept_pending(self, pick: int) -> None:
        """A party that has not accepted yet accepts a proposed MRA (when there is one)."""
        pending = [
            (m.id, p)
            for m in self.book.mras.values()
            if m.status == MraStatus.PROPOSED
            for p in m.parties
            if p not in m.accepted
        ]
        if pending:
            mra_id, party = pending[pick % len(pending)]
            self._run(self.d.functions.acceptMra(mra_id), party, self.book.accept(party, mra_id))

    @rule(party_pick=st.integers(0, 9), pick=pick_st, reason=mra_reason_st)
    def suspend(self, party_pick: int, pick: int, reason: int) -> None:
        mra_id = self._mra(pick, MraStatus.ACTIVE)
        party = self._party(mra_id, party_pick)
        self._run(self.d.functions.suspendMra(mra_id, reason), party, self.book.suspend(party, mra_id, reason))

    @rule(party_pick=st.integers(0, 9), pick=pick_st)
    def resume(self, party_pick: int, pick: int) -> None:
        mra_id = self._mra(pick, MraStatus.SUSPENDED)
        party = self._party(mra_id, party_pick)
        self._run(self.d.functions.resumeMra(mra_id), party, self.book.resume(party, mra_id))

    @rule(party_pick=st.integers(0, 9), pick=pick_st, reason=mra_reason_st)
    def terminate(self, party_pick: int, pick: int, reason: int) -> None:
        mra_id = self._mra(pick, MraStatus.PROPOSED, MraStatus.ACTIVE, MraStatus.SUSPENDED)
        party = self._party(mra_id, party_pick)
        self._run(self.d.functions.terminateMra(mra_id, reason), party, self.book.terminate(party, mra_id, reason))

    @precondition(lambda self: self._has(MraStatus.ACTIVE) or self._has(MraStatus.SUSPENDED))
    @rule(party_pick=st.integers(0, 7), pick=pick_st, reason=st.sampled_from([1, 7]))
    def toggle_suspension(self, party_pick: int, pick: int, reason: int) -> None:
        """A party suspends an active MRA or resumes a suspended one (valid moves)."""
        mra_id = self._mra(min(pick, 69), MraStatus.ACTIVE, MraStatus.SUSPENDED)
        party = self._party(mra_id, party_pick)
        if self.book.mras[mra_id].status == MraStatus.ACTIVE:
            self._run(self.d.functions.suspendMra(mra_id, reason), party, self.book.suspend(party, mra_id, reason))
        else:
            self._run(self.d.functions.resumeMra(mra_id), party, self.book.resume(party, mra_id))

    @rule(now=st.sampled_from(TIMES))
    def set_time(self, now: int) -> None:
        self.d.set_time(now)
        self.now = now

    @rule(issuer=admin_st)
    def toggle_consent(self, issuer: str) -> None:
        """The operator withdraws (or gives again) its consent: an amendment of the consent bit."""
        cert = self.certs[issuer]
        t = cert.terms.with_(flags=cert.terms.flags ^ FLAG_CONSENT_WITHHELD)
        fn = self.d.functions.amend(cert.id, t.programmes, t.roles, t.flags, t.valid_from, t.valid_until, DOC2, 4)
        receipt = self.d.send(fn, self.d.signer(issuer))
        assert [name for name, _ in self.d.events(receipt)] == ["CertificateAmended", "CertificateConsentChanged"]
        cert.terms = t

    @rule(issuer=admin_st, recognizer=admin_st)
    def check_recognition(self, issuer: str, recognizer: str) -> None:
        cert = self.certs[issuer]
        recognised, programmes, mra_id = self.d.functions.recognition(cert.id, code(recognizer)).call()
        want_recognised, want_programmes, granting = self.book.recognition(cert, recognizer, self.now)
        assert (recognised, programmes) == (want_recognised, want_programmes)
        assert mra_id in granting if granting else mra_id == 0

    @rule(a=admin_st, b=admin_st)
    def check_live(self, a: str, b: str) -> None:
        ids = self.d.functions.liveMrasBetween(code(a), code(b)).call()
        assert len(ids) == len(set(ids))
        assert set(ids) == self.book.live_between(a, b)

    def teardown(self) -> None:
        d = self.d
        assert d.functions.mraCount().call() == len(self.book.mras)
        for mra_id, model in self.book.mras.items():
            assert mra_record(d, mra_id) == model.record()
            assert d.functions.mraInForce(mra_id).call() is model.in_force(self.now)
        for i, a in enumerate(ADMINS):
            assert d.functions.mrasOf(code(a)).call() == self.book.mras_of(a)
            for b in ADMINS[i + 1 :]:
                assert set(d.functions.liveMrasBetween(code(a), code(b)).call()) == self.book.live_between(a, b)


@pytest.mark.slow  # a hypothesis state machine, 35 runs against the contract (minutes)
def test_mras(d: Deployment) -> None:
    for admin, terms in MRA_CERTS.items():
        d.issue(admin, f"{admin}-M", terms)
    base = d.snapshot()

    class Machine(MraMachine):
        def __init__(self) -> None:
            super().__init__(d, base)

    run_state_machine_as_test(Machine, settings=STATEFUL)
