"""Bad input at the client library (hypothesis): every malformed value raises a typed
:class:`~ledger_client.errors.LedgerValueError` subclass and nothing is sent (block number and the
signer's nonce unchanged). Unicode in certificate documents either validates and hashes
deterministically or raises :class:`InvalidDocumentError`, never anything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_client import errors
from ledger_client.certificates import CertificateRequest
from ledger_client.documents import CertificateDocument
from ledger_client.ledger import Ledger
from ledger_client.models import MAX_TIMESTAMP, PROGRAMME_MASK, ROLE_MASK
from ledger_client.settings import Settings

DOC = b"\x11" * 32
CASES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def ledger() -> Iterator[Ledger]:
    """An in-memory ledger acting as CR's signer (batches capped at 20 inputs)."""
    with Ledger.embedded(settings=Settings(max_batch_inputs=20)) as base:
        signer = base.dev_signers()[1]
        base.administrations.register("CR", "Costa Rica", signer.address)
        yield base.with_signer(signer)


def _request(**overrides: Any) -> CertificateRequest:
    values: dict[str, Any] = {
        "number": "CR-1",
        "programmes": 1,
        "roles": 1,
        "sme": False,
        "valid_from": 1_700_000_000,
        "valid_until": None,
        "document_hash": DOC,
    }
    values.update(overrides)
    return CertificateRequest(**values)


def _nothing_sent(ledger: Ledger, action: Callable[[], object], expected: type[errors.LedgerValueError]) -> None:
    assert ledger.signer is not None
    block = ledger.chain.block_number()
    nonce = ledger.chain.transaction_count(ledger.signer.address)
    with pytest.raises(expected):
        action()
    assert ledger.chain.block_number() == block, "something was mined"
    assert ledger.chain.transaction_count(ledger.signer.address) == nonce, "a transaction was sent"


CODE = re.compile(r"[A-Z]{2}")


def _unicode_letter_code(value: str) -> bool:
    """Two letters sorting between AA and ZZ but not ASCII (e.g. "Bé"): the known bug, tested apart."""
    return len(value) == 2 and value.isalpha() and "AA" <= value <= "ZZ"


bad_codes = st.one_of(
    st.text(max_size=5).filter(lambda s: not CODE.fullmatch(s) and not _unicode_letter_code(s)),
    st.binary(max_size=4).filter(lambda b: not CODE.fullmatch(b.decode("latin-1"))),
    st.integers(),
    st.none(),
)
bad_programmes = st.one_of(st.integers(max_value=0), st.integers(min_value=1).filter(lambda m: m & ~PROGRAMME_MASK))
bad_roles = st.one_of(st.integers(max_value=0), st.integers(min_value=1).filter(lambda m: m & ~ROLE_MASK))
bad_timestamps = st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_TIMESTAMP + 1))
bad_hashes = st.one_of(
    st.binary().filter(lambda b: len(b) != 32),
    st.just(b"\x00" * 32),
    st.text().filter(lambda s: not re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", s)),
    st.just("0x" + "00" * 32),
)
bad_numbers = st.one_of(
    st.just(""),
    st.text(min_size=33, max_size=60, alphabet=st.characters(min_codepoint=33, max_codepoint=126)),
    st.text(min_size=1, max_size=10).filter(lambda s: any(not " " <= c <= "~" for c in s)),
    st.text(min_size=1, max_size=10, alphabet="AB ").filter(lambda s: s != s.strip()),
)


@CASES
@given(code=bad_codes)
def test_malformed_codes(ledger: Ledger, code: Any) -> None:
    _nothing_sent(ledger, lambda: ledger.administrations.register(code, "X", "0x" + "12" * 20), errors.InvalidCodeError)


@pytest.mark.parametrize("code", ["Bé", "A\uff5a", "Cª", "MÉ"])
def test_unicode_letters_are_not_a_code(ledger: Ledger, code: str) -> None:
    _nothing_sent(ledger, lambda: ledger.administrations.register(code, "X", "0x" + "12" * 20), errors.InvalidCodeError)
    with pytest.raises(errors.InvalidCodeError):
        ledger.certificates.certificate_id(code, "N-1")


@CASES
@given(programmes=bad_programmes, roles=st.sampled_from([1, ROLE_MASK]))
def test_malformed_programme_masks(ledger: Ledger, programmes: int, roles: int) -> None:
    request = _request(programmes=programmes, roles=roles)
    _nothing_sent(ledger, lambda: ledger.certificates.issue(request), errors.InvalidScopeError)


@CASES
@given(roles=bad_roles)
def test_malformed_role_masks(ledger: Ledger, roles: int) -> None:
    _nothing_sent(ledger, lambda: ledger.certificates.issue(_request(roles=roles)), errors.InvalidScopeError)


@CASES
@given(data=st.data())
def test_malformed_dates(ledger: Ledger, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=MAX_TIMESTAMP))
    choice = data.draw(st.sampled_from(["from", "until", "order"]))
    if choice == "from":
        request = _request(valid_from=data.draw(bad_timestamps))
    elif choice == "until":
        request = _request(valid_from=start, valid_until=data.draw(bad_timestamps))
    else:
        # valid_until must be later than valid_from: draw one at or before it (valid_from >= 1)
        start = max(start, 1)
        request = _request(valid_from=start, valid_until=data.draw(st.integers(min_value=1, max_value=start)))
    _nothing_sent(ledger, lambda: ledger.certificates.issue(request), errors.InvalidDatesError)


@CASES
@given(value=bad_hashes)
def test_malformed_hashes(ledger: Ledger, value: Any) -> None:
    _nothing_sent(ledger, lambda: ledger.certificates.issue(_request(document_hash=value)), errors.InvalidHashError)
    _nothing_sent(ledger, lambda: ledger.certificates.suspend(value, 1), errors.InvalidHashError)


@CASES
@given(number=bad_numbers)
def test_malformed_certificate_numbers(ledger: Ledger, number: str) -> None:
    _nothing_sent(
        ledger, lambda: ledger.certificates.issue(_request(number=number)), errors.InvalidCertificateNumberError
    )


@CASES
@given(reason=st.one_of(st.integers(max_value=0), st.integers(min_value=0x10000)), sequence=st.integers(max_value=0))
def test_malformed_reasons_and_sequences(ledger: Ledger, reason: int, sequence: int) -> None:
    cid = ledger.certificates.certificate_id("CR", "CR-NONE")
    _nothing_sent(ledger, lambda: ledger.certificates.revoke(cid, reason), errors.InvalidReasonCodeError)
    _nothing_sent(ledger, lambda: ledger.recognition.acknowledge(cid, sequence), errors.InvalidSequenceError)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.sampled_from([0, 21, 1_000]))
def test_oversized_or_empty_batches(ledger: Ledger, size: int) -> None:
    batch = [_request(number=f"B-{i}") for i in range(size)]
    _nothing_sent(ledger, lambda: ledger.certificates.issue_many(batch), errors.InvalidBatchError)


def test_a_batch_of_only_bad_rows_sends_nothing(ledger: Ledger) -> None:
    batch = [_request(number=""), _request(programmes=0), _request(document_hash=b"")]
    assert ledger.signer is not None
    block = ledger.chain.block_number()
    results = ledger.certificates.issue_many(batch)
    assert all(isinstance(r.error, errors.LedgerValueError) for r in results)
    assert ledger.chain.block_number() == block


def _document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "certificate_number": "CR-AEO-1",
        "issuer": "CR",
        "issuing_office": "San José",
        "operator": {
            "legal_name": "Café Ñandú S.A.",
            "tax_id": "3-101-123456",
            "address": {"street": "Calle 1", "city": "San José", "country": "CR"},
        },
        "roles": ["IMPORTER"],
        "programmes": ["SECURITY"],
        "sme": True,
        "valid_from": "2025-01-01T00:00:00Z",
    }
    document.update(overrides)
    return document


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(max_size=600),
    office=st.text(max_size=20),
    number=st.text(max_size=40),
    issuer=st.text(max_size=3),
)
def test_unicode_in_documents_validates_or_is_a_typed_error(name: str, office: str, number: str, issuer: str) -> None:
    raw = _document(certificate_number=number, issuer=issuer, issuing_office=office)
    raw["operator"] = {**raw["operator"], "legal_name": name}
    try:
        document = CertificateDocument.parse(raw)
    except errors.InvalidDocumentError:
        return  # the typed error (anything else fails the test)
    # a valid document hashes deterministically and round-trips through its canonical JSON
    again = CertificateDocument.parse(document.canonical_json())
    assert again.document_hash() == document.document_hash()
    assert len(document.document_hash()) == 32
    document.to_request().encode()  # and its on-chain terms validate


def test_unicode_document_issues_and_verifies(ledger: Ledger) -> None:
    document = CertificateDocument.parse(_document(certificate_number="CR-UNI-1"))
    result = ledger.certificates.issue(document)
    assert result.certificate_id == document.certificate_id()
    assert ledger.verify_document(document).ok
