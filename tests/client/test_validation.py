"""Every input-validation error, raised before anything is sent, with an actionable message."""

from __future__ import annotations

from datetime import datetime

import pytest

from ledger_client import validation
from ledger_client.errors import (
    InvalidAddressError,
    InvalidBatchError,
    InvalidCertificateNumberError,
    InvalidCodeError,
    InvalidDatesError,
    InvalidHashError,
    InvalidNameError,
    InvalidPartiesError,
    InvalidReasonCodeError,
    InvalidScopeError,
    InvalidSequenceError,
    LedgerValueError,
    UnregisteredAdministrationError,
)
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, Role

CASES = [
    (lambda: validation.code("cr"), InvalidCodeError, "two upper-case ASCII letters"),
    (lambda: validation.code("CRI"), InvalidCodeError, "alpha-2"),
    (lambda: validation.code(b"\xff\xff"), InvalidCodeError, "not ASCII"),
    (lambda: validation.known_code("XX", ["CR", "PE", "MX"]), UnregisteredAdministrationError, "known: CR, PE, MX"),
    (lambda: validation.programmes(0), InvalidScopeError, "at least one"),
    (lambda: validation.programmes(16), InvalidScopeError, "SECURITY=1"),
    (lambda: validation.programmes(["SECURITY", "BOGUS"]), InvalidScopeError, "unknown programme 'BOGUS'"),
    (lambda: validation.roles(1 << 9), InvalidScopeError, "FREE_ZONE_OPERATOR=256"),
    (lambda: validation.roles(True), InvalidScopeError, "not a bool"),
    (lambda: validation.flags(1), InvalidScopeError, "true or false"),  # type: ignore[arg-type]
    (lambda: validation.timestamp(-1, "valid_from"), InvalidDatesError, "0..4294967295"),
    (lambda: validation.timestamp(2**32, "valid_from"), InvalidDatesError, "out of range"),
    (lambda: validation.timestamp(datetime(2025, 1, 1), "valid_from"), InvalidDatesError, "time zone"),
    (lambda: validation.validity(10, 10), InvalidDatesError, "not after valid_from"),
    (lambda: validation.hash32(b"\x01" * 31), InvalidHashError, "expected exactly 32"),
    (lambda: validation.hash32("0xzz"), InvalidHashError, "not hex"),
    (lambda: validation.hash32(b"\x00" * 32, "document hash"), InvalidHashError, "is zero"),
    (lambda: validation.certificate_id(b"\x00" * 31 + b"\x01"), InvalidHashError, "issuer code"),
    (lambda: validation.certificate_number(""), InvalidCertificateNumberError, "1 to 32 printable ASCII"),
    (lambda: validation.certificate_number("x" * 33), InvalidCertificateNumberError, "1 to 32"),
    (lambda: validation.certificate_number("CR-\u00e9"), InvalidCertificateNumberError, "printable ASCII"),
    (lambda: validation.certificate_number(" CR-1"), InvalidCertificateNumberError, "leading or trailing"),
    (lambda: validation.reason_code(0, required=True), InvalidReasonCodeError, "non-zero ReasonCode"),
    (lambda: validation.reason_code(70_000, required=False), InvalidReasonCodeError, "0..65535"),
    (lambda: validation.address("0x123"), InvalidAddressError, "40 hex digits"),
    (lambda: validation.address("0x" + "00" * 20), InvalidAddressError, "zero address"),
    (lambda: validation.administration_name(""), InvalidNameError, "1..64 bytes"),
    (lambda: validation.administration_name("x" * 65), InvalidNameError, "1..64 bytes"),
    (lambda: validation.parties(["CR"], "CR", ["CR", "PE"]), InvalidPartiesError, "2..16 parties"),
    (lambda: validation.parties(["CR", "CR"], "CR", ["CR"]), InvalidPartiesError, "listed twice"),
    (lambda: validation.parties(["PE", "MX"], "CR", ["CR", "PE", "MX"]), InvalidPartiesError, "must be one of"),
    (lambda: validation.parties(["CR", "XX"], "CR", ["CR"]), UnregisteredAdministrationError, "unknown party 'XX'"),
    (lambda: validation.sequence(0), InvalidSequenceError, "1..16777215"),
    (lambda: validation.mra_id(0), InvalidSequenceError, "run from 1"),
    (lambda: validation.batch(0, 10), InvalidBatchError, "1..10"),
    (lambda: validation.batch(11, 10), InvalidBatchError, "got 11"),
]


@pytest.mark.parametrize(("call", "error", "message"), CASES)
def test_validation_errors(call: object, error: type[LedgerValueError], message: str) -> None:
    with pytest.raises(error, match=None) as info:
        call()  # type: ignore[operator]
    assert isinstance(info.value, LedgerValueError)
    assert isinstance(info.value, ValueError)
    assert message in str(info.value)


def test_valid_inputs() -> None:
    assert validation.programmes([Programme.SECURITY, "simplifications"]) == 3
    assert validation.roles(Role.IMPORTER | Role.CARRIER) == 5
    assert validation.validity(10, None) == (10, 0)
    assert validation.hash32("0x" + "11" * 32) == b"\x11" * 32
    assert validation.parties(["CR", "PE"], "CR", ["CR", "PE"]) == ["CR", "PE"]


def test_client_checks_registered_codes(cr: Ledger) -> None:
    with pytest.raises(UnregisteredAdministrationError, match="unknown recognizer 'XX'; known: CR, PE, MX"):
        cr.recognition.now(b"CR" + b"\x01" * 30, "XX")
    with pytest.raises(UnregisteredAdministrationError, match="unknown party 'CO'"):
        cr.mras.propose(["CR", "CO"], 1, 1, 0, b"\x01" * 32)
    with pytest.raises(InvalidBatchError):
        cr.certificates.issue_many([])
