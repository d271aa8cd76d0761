"""CertificateRegistry: issue, issueBatch and the lifecycle of design.md, with events, heads and errors.

Heads are checked twice: against :mod:`ledger_client.hashing` computed by hand, and against an
auditor's replay of the events read back from the chain.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger_client import hashing
from ledger_client.models import CertificateAction, CertificateStatus, Programme, ReasonCode, Role
from tests.contracts.helpers import (
    BIG_GAS,
    DAY,
    DOC,
    DOC2,
    T0,
    YEAR,
    ZERO16,
    ZERO32,
    CertificateBook,
    Deployment,
    Terms,
    cert_record,
    code,
    decode_error,
    expected_events,
    replay_certificate_heads,
    revert_data,
)

CR_ID = hashing.certificate_id("CR", "CR-AEO-0001")


def issued(d: Deployment, book: CertificateBook, number: str = "CR-AEO-0001", terms: Terms | None = None) -> bytes:
    """Issue through the chain and the model, checking that they agree."""
    terms = terms or Terms()
    receipt = d.send(d.functions.issue(terms.input(number)), d.signer(number[:2]))
    assert d.events(receipt) == expected_events(d, book.issue(number[:2], number, terms))
    return hashing.certificate_id(number[:2], number)


def check(d: Deployment, book: CertificateBook, cert_id: bytes) -> None:
    """The on-chain record and history head equal the model's."""
    model = book.get(cert_id)
    assert model is not None
    assert cert_record(d, cert_id) == model.record()
    assert d.functions.historyHead(cert_id).call() == [model.event_count, model.head]


# --- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("issuer", "number"), [("CR", "CR-AEO-0001"), ("PE", "PE-0001"), ("ZZ", "x" * 32)])
def test_certificate_id_matches_hashing(d: Deployment, issuer: str, number: str) -> None:
    cert_id = d.functions.certificateId(code(issuer), hashing.number_bytes(number)).call()
    assert cert_id == hashing.certificate_id(issuer, number)
    assert cert_id[:2] == code(issuer)
    assert d.functions.issuerOf(cert_id).call() == code(issuer)


def test_same_number_from_two_issuers_gives_two_certificates(d: Deployment) -> None:
    book = CertificateBook()
    a = issued(d, book, "CR-1")
    b_terms = Terms(programmes=0b0100)
    receipt = d.send(d.functions.issue(b_terms.input("CR-1")), d.signer("PE"))
    assert d.events(receipt) == expected_events(d, book.issue("PE", "CR-1", b_terms))
    b = hashing.certificate_id("PE", "CR-1")
    assert a != b
    check(d, book, a)
    check(d, book, b)


def test_unknown_certificate_reads_as_empty(d: Deployment) -> None:
    assert cert_record(d, CR_ID) == (0, 0, 0, 0, 0, 0, 0, ZERO16)
    assert d.functions.historyHead(CR_ID).call() == [0, ZERO16]


@pytest.mark.parametrize("slot", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
def test_ids_without_a_code_prefix_read_as_unknown(d: Deployment, slot: int) -> None:
    # Certificates live at the storage slot numbered by their id; a number that is no certificate
    # id (here the contract's own sequential slots, some non-zero once administrations and MRAs
    # exist) must read as an unknown certificate, not as whatever that slot holds.
    d.issue("CR", "CR-PREFIX")
    d.propose("CR", ["CR", "PE"], accept=True)
    fake = slot.to_bytes(32, "big")
    assert cert_record(d, fake) == (0, 0, 0, 0, 0, 0, 0, ZERO16)
    assert d.functions.historyHead(fake).call() == [0, ZERO16]
    assert d.functions.recognition(fake, code("PE")).call() == [False, 0, 0]


# --- issue -------------------------------------------------------------------------------------


def test_issue_event_record_and_head(d: Deployment) -> None:
    terms = Terms(
        programmes=int(Programme.SECURITY | Programme.SIMPLIFICATIONS),
        roles=int(Role.IMPORTER | Role.EXPORTER | Role.CUSTOMS_BROKER),
        flags=1,
        valid_from=T0 - DAY,
        valid_until=T0 + 3 * YEAR,
        document_hash=DOC,
    )
    receipt = d.send(d.functions.issue(terms.input("CR-AEO-0001")), d.signer("CR"))
    state = hashing.pack_state(1, terms.programmes, terms.roles, 1, terms.valid_from, terms.valid_until)
    head = hashing.certificate_head(ZERO16, CR_ID, 1, int(CertificateAction.ISSUED), state, DOC, 0)
    d.assert_events(
        receipt,
        d.event(
            "CertificateIssued",
            id=CR_ID,
            issuer="CR",
            number=hashing.number_bytes("CR-AEO-0001"),
            programmes=terms.programmes,
            roles=terms.roles,
            flags=1,
            validFrom=terms.valid_from,
            validUntil=terms.valid_until,
            documentHash=DOC,
            head=head,
        ),
    )
    # Indexed topics: id and issuer (left-aligned bytes2), for the filters indexers run.
    log = receipt["logs"][0]
    assert bytes(log["topics"][1]) == CR_ID
    assert bytes(log["topics"][2]) == code("CR") + b"\x00" * 30
    assert cert_record(d, CR_ID) == (1, terms.programmes, terms.roles, 1, terms.valid_from, terms.valid_until, 1, head)
    assert d.functions.historyHead(CR_ID).call() == [1, head]


@pytest.mark.parametrize(
    "terms",
    [
        Terms(valid_from=0, valid_until=0),  # open-ended from the epoch
        Terms(valid_until=0),  # open-ended
        Terms(valid_from=T0, valid_until=T0 + 1),  # shortest period
        Terms(valid_from=T0 + YEAR, valid_until=T0 + 2 * YEAR),  # not yet valid
        Terms(valid_from=T0 - 2 * YEAR, valid_until=T0 - YEAR),  # already expired
        Terms(valid_from=2**32 - 2, valid_until=2**32 - 1),  # uint32 limits
        Terms(programmes=0xFF, roles=0xFFFF, flags=1),  # every bit
        Terms(programmes=0x80, roles=0x8000),  # undefined but non-zero bits are stored as given
    ],
    ids=["epoch-open", "open", "one-second", "future", "expired", "uint32-max", "all-bits", "high-bits"],
)
def test_issue_accepts_valid_terms(d: Deployment, terms: Terms) -> None:
    book = CertificateBook()
    cert_id = issued(d, book, "CR-1", terms)
    check(d, book, cert_id)


@pytest.mark.parametrize(
    ("terms", "error"),
    [
        (Terms(programmes=0), ("InvalidScope", (0, 0b11))),
        (Terms(roles=0), ("InvalidScope", (0b11, 0))),
        (Terms(programmes=0, roles=0), ("InvalidScope", (0, 0))),
        (Terms(flags=4), ("UnknownFlags", (4,))),
        (Terms(flags=0xFF), ("UnknownFlags", (0xFF,))),
        (Terms(valid_from=T0, valid_until=T0), ("InvalidValidity", (T0, T0))),
        (Terms(valid_from=T0, valid_until=T0 - 1), ("InvalidValidity", (T0, T0 - 1))),
        (Terms(document_hash=ZERO32), ("EmptyDocumentHash", ())),
    ],
    ids=[
        "no-programme",
        "no-role",
        "empty-scope",
        "flag-bit-1",
        "all-flags",
        "until-eq-from",
        "until-lt-from",
        "no-doc",
    ],
)
def test_issue_rejects_invalid_terms(d: Deployment, terms: Terms, error: tuple[str, tuple[Any, ...]]) -> None:
    name, args = error
    d.expect_revert(d.functions.issue(terms.input("CR-1")), d.signer("CR"), name, *args, send=True)
    d.expect_revert(d.functions.issueBatch([terms.input("CR-1")]), d.signer("CR"), name, *args)
    assert cert_record(d, hashing.certificate_id("CR", "CR-1"))[0] == 0


def test_issue_rejects_empty_number(d: Deployment) -> None:
    d.expect_revert(d.functions.issue(Terms().input("")), d.signer("CR"), "EmptyCertificateNumber")


def test_issue_rejects_duplicate(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    d.expect_revert(
        d.functions.issue(Terms(programmes=4).input("CR-1")), d.signer("CR"), "CertificateAlreadyIssued", cert_id
    )


def test_issue_rejects_non_signers_and_frozen(d: Deployment) -> None:
    for account in (d.stranger, d.governance):
        d.expect_revert(d.functions.issue(Terms().input("CR-1")), account, "NotASigner", account)
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    d.expect_revert(d.functions.issue(Terms().input("CR-1")), d.signer("CR"), "AdministrationIsFrozen", "CR")


def test_issue_returns_the_id(d: Deployment) -> None:
    assert d.functions.issue(Terms().input("CR-1")).call({"from": d.signer("CR")}) == hashing.certificate_id(
        "CR", "CR-1"
    )


# --- issueBatch --------------------------------------------------------------------------------


def test_issue_batch(d: Deployment) -> None:
    book = CertificateBook()
    items = [(f"CR-B{i:03d}", Terms(programmes=1 + i % 3, flags=i % 2)) for i in range(12)]
    inputs = [t.input(n) for n, t in items]
    ids = d.functions.issueBatch(inputs).call({"from": d.signer("CR")})
    assert ids == [hashing.certificate_id("CR", n) for n, _ in items]
    receipt = d.send(d.functions.issueBatch(inputs), d.signer("CR"), gas=BIG_GAS)
    assert d.events(receipt) == expected_events(d, book.issue_batch("CR", items))
    for cert_id in ids:
        check(d, book, cert_id)


def test_issue_batch_of_one_equals_issue(d: Deployment) -> None:
    snapshot = d.snapshot()
    single = d.events(d.send(d.functions.issue(Terms().input("CR-1")), d.signer("CR")))
    d.revert(snapshot)
    batch = d.events(d.send(d.functions.issueBatch([Terms().input("CR-1")]), d.signer("CR")))
    assert single == batch


def test_issue_batch_duplicate_inside_batch_stores_nothing(d: Deployment) -> None:
    numbers = ["CR-1", "CR-2", "CR-1"]
    inputs = [Terms().input(n) for n in numbers]
    dup = hashing.certificate_id("CR", "CR-1")
    d.expect_revert(d.functions.issueBatch(inputs), d.signer("CR"), "CertificateAlreadyIssued", dup, send=True)
    for n in numbers:
        assert d.functions.historyHead(hashing.certificate_id("CR", n)).call() == [0, ZERO16]


def test_issue_batch_with_an_already_issued_certificate_stores_nothing(d: Deployment) -> None:
    existing = d.issue("CR", "CR-2")
    inputs = [Terms().input(n) for n in ("CR-1", "CR-2", "CR-3")]
    d.expect_revert(d.functions.issueBatch(inputs), d.signer("CR"), "CertificateAlreadyIssued", existing, send=True)
    assert cert_record(d, hashing.certificate_id("CR", "CR-1"))[0] == 0
    assert cert_record(d, hashing.certificate_id("CR", "CR-3"))[0] == 0
    assert d.functions.historyHead(existing).call()[0] == 1


def test_issue_batch_with_one_invalid_item_stores_nothing(d: Deployment) -> None:
    inputs = [Terms().input("CR-1"), Terms(flags=4).input("CR-2"), Terms().input("CR-3")]
    d.expect_revert(d.functions.issueBatch(inputs), d.signer("CR"), "UnknownFlags", 4, send=True)
    assert cert_record(d, hashing.certificate_id("CR", "CR-1"))[0] == 0


def test_issue_batch_empty(d: Deployment) -> None:
    d.expect_revert(d.functions.issueBatch([]), d.signer("CR"), "EmptyBatch", send=True)


def test_issue_batch_rejects_non_signers_and_frozen(d: Deployment) -> None:
    d.expect_revert(d.functions.issueBatch([Terms().input("CR-1")]), d.stranger, "NotASigner", d.stranger)
    d.expect_revert(d.functions.issueBatch([]), d.stranger, "NotASigner", d.stranger)
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    d.expect_revert(d.functions.issueBatch([Terms().input("CR-1")]), d.signer("CR"), "AdministrationIsFrozen", "CR")


# --- status changes ------------------------------------------------------------------------------

REASON = int(ReasonCode.INVESTIGATION)


def test_suspend_reinstate_revoke(d: Deployment) -> None:
    book = CertificateBook()
    cert_id = issued(d, book)
    cr = d.signer("CR")
    for fn, predicted in (
        (d.functions.suspend(cert_id, REASON), lambda: book.suspend("CR", cert_id, REASON)),
        (d.functions.reinstate(cert_id, 9), lambda: book.reinstate("CR", cert_id, 9)),
        (d.functions.suspend(cert_id, 1), lambda: book.suspend("CR", cert_id, 1)),
        (d.functions.revoke(cert_id, 5), lambda: book.revoke("CR", cert_id, 5)),
    ):
        receipt = d.send(fn, cr)
        assert d.events(receipt) == expected_events(d, predicted())
        check(d, book, cert_id)
    assert cert_record(d, cert_id)[0] == int(CertificateStatus.REVOKED)


def test_status_event_head_by_hand(d: Deployment) -> None:
    terms = Terms()
    cert_id = d.issue("CR", "CR-AEO-0001", terms)
    _, head1 = d.functions.historyHead(cert_id).call()
    receipt = d.send(d.functions.suspend(cert_id, 3), d.signer("CR"))
    state = hashing.pack_state(2, terms.programmes, terms.roles, 0, terms.valid_from, terms.valid_until)
    head2 = hashing.certificate_head(head1, cert_id, 2, int(CertificateAction.SUSPENDED), state, ZERO32, 3)
    d.assert_events(
        receipt, d.event("CertificateSuspended", id=cert_id, issuer="CR", sequence=2, reasonCode=3, head=head2)
    )


def test_reinstate_without_reason(d: Deployment) -> None:
    book = CertificateBook()
    cert_id = issued(d, book)
    d.send(d.functions.suspend(cert_id, 1), d.signer("CR"))
    book.suspend("CR", cert_id, 1)
    receipt = d.send(d.functions.reinstate(cert_id, 0), d.signer("CR"))
    assert d.events(receipt) == expected_events(d, book.reinstate("CR", cert_id, 0))
    check(d, book, cert_id)


@pytest.mark.parametrize("close", ["revoke", "annul"])
@pytest.mark.parametrize("from_status", ["active", "suspended"])
def test_close(d: Deployment, close: str, from_status: str) -> None:
    book = CertificateBook()
    cert_id = issued(d, book)
    if from_status == "suspended":
        d.send(d.functions.suspend(cert_id, 1), d.signer("CR"))
        book.suspend("CR", cert_id, 1)
    receipt = d.send(getattr(d.functions, close)(cert_id, 6), d.signer("CR"))
    assert d.events(receipt) == expected_events(d, getattr(book, close)("CR", cert_id, 6))
    check(d, book, cert_id)
    closed = CertificateStatus.REVOKED if close == "revoke" else CertificateStatus.ANNULLED
    # Terminal: nothing further is possible.
    cr = d.signer("CR")
    d.expect_revert(d.functions.revoke(cert_id, 1), cr, "CertificateClosed", cert_id, closed)
    d.expect_revert(d.functions.annul(cert_id, 1), cr, "CertificateClosed", cert_id, closed)
    d.expect_revert(d.functions.amend(cert_id, 1, 1, 0, T0, 0, DOC2, 0), cr, "CertificateClosed", cert_id, closed)
    d.expect_revert(d.functions.renew(cert_id, T0, 0, DOC2), cr, "CertificateClosed", cert_id, closed)
    d.expect_revert(d.functions.suspend(cert_id, 1), cr, "CertificateNotActive", cert_id, closed)
    d.expect_revert(d.functions.reinstate(cert_id, 1), cr, "CertificateNotSuspended", cert_id, closed)


def test_suspend_errors(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    cr = d.signer("CR")
    d.expect_revert(d.functions.suspend(cert_id, 0), cr, "MissingReasonCode", send=True)
    d.expect_revert(d.functions.suspend(CR_ID, 1), cr, "UnknownCertificate", CR_ID)
    d.expect_revert(d.functions.suspend(cert_id, 1), d.signer("PE"), "NotIssuer", cert_id, "CR", "PE")
    d.expect_revert(d.functions.suspend(cert_id, 1), d.stranger, "NotASigner", d.stranger)
    d.send(d.functions.suspend(cert_id, 1), cr)
    d.expect_revert(d.functions.suspend(cert_id, 1), cr, "CertificateNotActive", cert_id, CertificateStatus.SUSPENDED)


def test_reinstate_errors(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    cr = d.signer("CR")
    d.expect_revert(d.functions.reinstate(cert_id, 0), cr, "CertificateNotSuspended", cert_id, 1, send=True)
    d.expect_revert(d.functions.reinstate(CR_ID, 0), cr, "UnknownCertificate", CR_ID)
    d.send(d.functions.suspend(cert_id, 1), cr)
    d.expect_revert(d.functions.reinstate(cert_id, 0), d.signer("PE"), "NotIssuer", cert_id, "CR", "PE")


@pytest.mark.parametrize("close", ["revoke", "annul"])
def test_close_errors(d: Deployment, close: str) -> None:
    cert_id = d.issue("CR", "CR-1")
    cr = d.signer("CR")
    fn = getattr(d.functions, close)
    d.expect_revert(fn(cert_id, 0), cr, "MissingReasonCode", send=True)
    d.expect_revert(fn(CR_ID, 1), cr, "UnknownCertificate", CR_ID)
    d.expect_revert(fn(cert_id, 1), d.signer("MX"), "NotIssuer", cert_id, "CR", "MX")


# --- amend / renew -------------------------------------------------------------------------------


@pytest.mark.parametrize("from_status", ["active", "suspended"])
def test_amend(d: Deployment, from_status: str) -> None:
    book = CertificateBook()
    cert_id = issued(d, book)
    if from_status == "suspended":
        d.send(d.functions.suspend(cert_id, 1), d.signer("CR"))
        book.suspend("CR", cert_id, 1)
    new = Terms(programmes=0b0101, roles=0b1_0000_0000, flags=1, valid_from=T0, valid_until=0, document_hash=DOC2)
    receipt = d.send(
        d.functions.amend(cert_id, new.programmes, new.roles, new.flags, new.valid_from, new.valid_until, DOC2, 4),
        d.signer("CR"),
    )
    assert d.events(receipt) == expected_events(d, book.amend("CR", cert_id, new, 4))
    check(d, book, cert_id)
    # The status is unchanged.
    assert cert_record(d, cert_id)[0] == (1 if from_status == "active" else 2)


def test_amend_without_reason(d: Deployment) -> None:
    book = CertificateBook()
    cert_id = issued(d, book)
    new = Terms(programmes=1)
    receipt = d.send(
        d.functions.amend(cert_id, 1, new.roles, 0, new.valid_from, new.valid_until, DOC, 0), d.signer("CR")
    )
    assert d.events(receipt) == expected_events(d, book.amend("CR", cert_id, new, 0))
    check(d, book, cert_id)


@pytest.mark.parametrize(
    ("terms", "error"),
    [
        (Terms(programmes=0), ("InvalidScope", (0, 0b11))),
        (Terms(roles=0), ("InvalidScope", (0b11, 0))),
        (Terms(flags=0x10), ("UnknownFlags", (0x10,))),
        (Terms(valid_from=T0, valid_until=T0), ("InvalidValidity", (T0, T0))),
        (Terms(document_hash=ZERO32), ("EmptyDocumentHash", ())),
    ],
    ids=["no-programme", "no-role", "flags", "validity", "no-doc"],
)
def test_amend_rejects_invalid_terms(d: Deployment, terms: Terms, error: tuple[str, tuple[Any, ...]]) -> None:
    cert_id = d.issue("CR", "CR-1")
    t = terms
    fn = d.functions.amend(cert_id, t.programmes, t.roles, t.flags, t.valid_from, t.valid_until, t.document_hash, 1)
    d.expect_revert(fn, d.signer("CR"), error[0], *error[1], send=True)
    assert d.functions.historyHead(cert_id).call()[0] == 1


def test_amend_errors(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    t = Terms()
    args = (t.programmes, t.roles, t.flags, t.valid_from, t.valid_until, DOC2, 1)
    d.expect_revert(d.functions.amend(CR_ID, *args), d.signer("CR"), "UnknownCertificate", CR_ID)
    d.expect_revert(d.functions.amend(cert_id, *args), d.signer("PE"), "NotIssuer", cert_id, "CR", "PE")
    d.expect_revert(d.functions.amend(cert_id, *args), d.stranger, "NotASigner", d.stranger)


@pytest.mark.parametrize("from_status", ["active", "suspended"])
def test_renew(d: Deployment, from_status: str) -> None:
    book = CertificateBook()
    cert_id = issued(d, book, terms=Terms(flags=1, programmes=0b1010, roles=0b0110))
    if from_status == "suspended":
        d.send(d.functions.suspend(cert_id, 1), d.signer("CR"))
        book.suspend("CR", cert_id, 1)
    receipt = d.send(d.functions.renew(cert_id, T0 + YEAR, T0 + 4 * YEAR, DOC2), d.signer("CR"))
    assert d.events(receipt) == expected_events(d, book.renew("CR", cert_id, T0 + YEAR, T0 + 4 * YEAR, DOC2))
    check(d, book, cert_id)
    record = cert_record(d, cert_id)
    # Scope, SME flag and status are kept; only the dates change.
    assert record[:6] == ((1 if from_status == "active" else 2), 0b1010, 0b0110, 1, T0 + YEAR, T0 + 4 * YEAR)


def test_renew_open_ended(d: Deployment) -> None:
    book = CertificateBook()
    cert_id = issued(d, book)
    receipt = d.send(d.functions.renew(cert_id, 0, 0, DOC2), d.signer("CR"))
    assert d.events(receipt) == expected_events(d, book.renew("CR", cert_id, 0, 0, DOC2))
    check(d, book, cert_id)


def test_renew_errors(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    cr = d.signer("CR")
    d.expect_revert(d.functions.renew(cert_id, T0, T0, DOC2), cr, "InvalidValidity", T0, T0, send=True)
    d.expect_revert(d.functions.renew(cert_id, T0, T0 - 5, DOC2), cr, "InvalidValidity", T0, T0 - 5)
    d.expect_revert(d.functions.renew(cert_id, T0, 0, ZERO32), cr, "EmptyDocumentHash")
    d.expect_revert(d.functions.renew(CR_ID, T0, 0, DOC2), cr, "UnknownCertificate", CR_ID)
    d.expect_revert(d.functions.renew(cert_id, T0, 0, DOC2), d.signer("PE"), "NotIssuer", cert_id, "CR", "PE")
    d.expect_revert(d.functions.renew(cert_id, T0, 0, DOC2), d.stranger, "NotASigner", d.stranger)


# --- expiry and history ------------------------------------------------------------------------


def test_expiry_is_derived_not_stored(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1", Terms(valid_from=T0 - DAY, valid_until=T0 + DAY))
    before = cert_record(d, cert_id)
    d.set_time(T0 + 10 * DAY)
    assert cert_record(d, cert_id) == before
    assert before[0] == int(CertificateStatus.ACTIVE)
    # An expired certificate can still be managed, e.g. renewed.
    d.send(d.functions.renew(cert_id, T0 + 10 * DAY, T0 + YEAR, DOC2), d.signer("CR"))


def test_history_of_many_certificates_replays_from_logs(d: Deployment) -> None:
    """An auditor reading only the logs rebuilds every head, and one call per certificate confirms it."""
    book = CertificateBook()
    start = d.w3.eth.block_number + 1
    a = issued(d, book, "CR-1")
    b = issued(d, book, "CR-2", Terms(valid_until=0, flags=1))
    c = issued(d, book, "PE-1")
    cr, pe = d.signer("CR"), d.signer("PE")
    steps: list[tuple[Any, str, Any]] = [
        (d.functions.suspend(a, 3), cr, lambda: book.suspend("CR", a, 3)),
        (
            d.functions.amend(b, 1, 2, 0, T0, T0 + YEAR, DOC2, 4),
            cr,
            lambda: book.amend("CR", b, Terms(1, 2, 0, T0, T0 + YEAR, DOC2), 4),
        ),
        (d.functions.renew(c, T0, 0, DOC2), pe, lambda: book.renew("PE", c, T0, 0, DOC2)),
        (d.functions.reinstate(a, 9), cr, lambda: book.reinstate("CR", a, 9)),
        (d.functions.annul(b, 6), cr, lambda: book.annul("CR", b, 6)),
        (d.functions.suspend(c, 1), pe, lambda: book.suspend("PE", c, 1)),
        (d.functions.revoke(c, 2), pe, lambda: book.revoke("PE", c, 2)),
        (d.functions.renew(a, T0, T0 + 2 * YEAR, DOC), cr, lambda: book.renew("CR", a, T0, T0 + 2 * YEAR, DOC)),
    ]
    for fn, sender, predicted in steps:
        assert d.events(d.send(fn, sender)) == expected_events(d, predicted())
    logs = d.w3.eth.get_logs({"address": d.ledger.address, "fromBlock": start, "toBlock": "latest"})
    replayed = replay_certificate_heads(d.decode_logs(logs))
    assert set(replayed) == {a, b, c}
    for cert_id, (count, head, status) in replayed.items():
        check(d, book, cert_id)
        assert d.functions.historyHead(cert_id).call() == [count, head]
        assert cert_record(d, cert_id)[0] == int(status)
    assert d.decode_logs(logs) == expected_events(d, book.events)


def test_forged_or_reordered_history_is_detected(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    start = d.w3.eth.block_number
    d.send(d.functions.suspend(cert_id, 3), d.signer("CR"))
    d.send(d.functions.reinstate(cert_id, 9), d.signer("CR"))
    events = d.decode_logs(d.w3.eth.get_logs({"address": d.ledger.address, "fromBlock": start, "toBlock": "latest"}))
    assert replay_certificate_heads(events)[cert_id][1] == d.functions.historyHead(cert_id).call()[1]
    forged = [(n, {**a, "reasonCode": 1} if n == "CertificateSuspended" else a) for n, a in events]
    with pytest.raises(AssertionError, match="cannot rebuild"):
        replay_certificate_heads(forged)
    with pytest.raises(AssertionError):
        replay_certificate_heads([events[0], events[2], events[1]])


# --- raw calldata: out-of-range ABI words never become certificates ------------------------------

#: Field positions in a ``CertificateInput``.
FIELDS = {"programmes": 1, "roles": 2, "flags": 3, "validFrom": 4, "validUntil": 5}


def _raw_call(d: Deployment, data: bytes, sender: str) -> tuple[int, bytes]:
    """Send raw calldata: (receipt status, revert data of the same eth_call or b"" when it succeeds)."""
    tx = {"from": sender, "to": d.ledger.address, "data": "0x" + data.hex(), "gas": BIG_GAS}
    try:
        d.w3.eth.call(tx)  # type: ignore[arg-type]
        revert = b""
    except Exception as exc:
        revert = revert_data(exc)
    status = d.w3.eth.get_transaction_receipt(d.w3.eth.send_transaction(tx))["status"]  # type: ignore[arg-type]
    return int(status), revert


def _with_word(data: bytes, index: int, value: int) -> bytes:
    start = 4 + 32 * index
    return data[:start] + value.to_bytes(32, "big") + data[start + 32 :]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("programmes", 0x101),  # low byte 1: would pass as "1" if truncated
        ("roles", 0x1_0003),
        ("flags", 0x100),  # low byte 0: would pass as "no flags" if truncated
        ("validFrom", 2**32 + T0),
        ("validUntil", 2**32 + T0 + YEAR),
        ("programmes", 2**255 + 1),
    ],
)
@pytest.mark.parametrize("batch", [False, True], ids=["issue", "issueBatch"])
def test_dirty_abi_words_are_rejected(d: Deployment, field: str, value: int, batch: bool) -> None:
    cr = d.signer("CR")
    good = Terms().input("CR-1")
    if batch:
        data = bytes.fromhex(d.ledger.encode_abi("issueBatch", [[Terms().input("CR-0"), good]])[2:])
        index = 2 + 7 + FIELDS[field]  # offset, length, first item, then the field of the second item
    else:
        data = bytes.fromhex(d.ledger.encode_abi("issue", [good])[2:])
        index = FIELDS[field]
    status, revert = _raw_call(d, _with_word(data, index, value), cr)
    assert status == 0
    # A named input error, or a bare revert of the ABI decoder: never a certificate.
    if revert:
        assert decode_error(d.errors, revert)[0] in ("InvalidScope", "UnknownFlags", "InvalidValidity")
    for number in ("CR-0", "CR-1"):
        assert d.functions.historyHead(hashing.certificate_id("CR", number)).call() == [0, ZERO16]
    # The same calldata with a clean word issues normally.
    status, _ = _raw_call(d, data, cr)
    assert status == 1


def test_dirty_abi_words_in_amend_are_rejected(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    t = Terms()
    data = bytes.fromhex(
        d.ledger.encode_abi("amend", [cert_id, t.programmes, t.roles, 0, t.valid_from, t.valid_until, DOC2, 4])[2:]
    )
    status, _ = _raw_call(d, _with_word(data, 3, 0x100), d.signer("CR"))  # flags
    assert status == 0
    assert d.functions.historyHead(cert_id).call()[0] == 1


# --- batches: the first failing item decides ------------------------------------------------------


def test_batch_error_is_the_first_failing_item(d: Deployment) -> None:
    existing = d.issue("CR", "CR-OLD")
    cr = d.signer("CR")
    bad = Terms(programmes=0)
    d.expect_revert(
        d.functions.issueBatch([Terms().input("CR-1"), Terms().input("CR-OLD"), bad.input("CR-2")]),
        cr,
        "CertificateAlreadyIssued",
        existing,
    )
    d.expect_revert(
        d.functions.issueBatch([Terms().input("CR-1"), bad.input("CR-2"), Terms().input("CR-OLD")]),
        cr,
        "InvalidScope",
        0,
        0b11,
    )
    d.expect_revert(
        d.functions.issueBatch([Terms().input("CR-1"), Terms().input(""), Terms().input("CR-1")]),
        cr,
        "EmptyCertificateNumber",
    )
    d.expect_revert(d.functions.issueBatch([Terms(document_hash=ZERO32).input("CR-1")]), cr, "EmptyDocumentHash")


def test_batch_of_one_hundred(d: Deployment) -> None:
    book = CertificateBook()
    items = [
        (f"CR-H{i:03d}", Terms(programmes=1 + i % 255, roles=1 + i, flags=i % 2, valid_until=0)) for i in range(100)
    ]
    receipt = d.send(d.functions.issueBatch([t.input(n) for n, t in items]), d.signer("CR"), gas=BIG_GAS)
    assert d.events(receipt) == expected_events(d, book.issue_batch("CR", items))
    for number in ("CR-H000", "CR-H050", "CR-H099"):
        check(d, book, hashing.certificate_id("CR", number))
