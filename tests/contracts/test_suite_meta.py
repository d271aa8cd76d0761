"""The contract suite itself: every ABI function, custom error and event is exercised somewhere, and
the revert helper really distinguishes errors and arguments (a helper that always passed would hide
everything)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from ledger_client.artifacts import load_artifact
from tests.contracts.helpers import ZERO_ADDRESS, Deployment, Terms, abi_errors, code, decode_error, normalize
from tests.support.artifacts import harness_artifact

HERE = Path(__file__).parent
SOURCES = "\n".join(p.read_text() for p in sorted(HERE.glob("*.py")) if p.name != Path(__file__).name)
ABI = harness_artifact("AeoLedgerHarness").abi


@pytest.mark.parametrize("name", sorted(e["name"] for e in ABI if e["type"] == "error"))
def test_every_custom_error_is_asserted(name: str) -> None:
    assert f'"{name}"' in SOURCES


@pytest.mark.parametrize("name", sorted(e["name"] for e in ABI if e["type"] == "event"))
def test_every_event_is_asserted(name: str) -> None:
    assert f'"{name}"' in SOURCES


@pytest.mark.parametrize("name", sorted(e["name"] for e in ABI if e["type"] == "function"))
def test_every_function_is_called(name: str) -> None:
    assert f".{name}(" in SOURCES or f'"{name}"' in SOURCES


def test_production_abi_is_the_harness_abi_without_set_time() -> None:
    production = load_artifact("AeoLedger").abi
    assert [e for e in ABI if e.get("name") != "setTime"] == production


def test_decode_error_round_trip(d: Deployment) -> None:
    errors = abi_errors(ABI)
    item = errors["NotIssuer"]
    cert = b"CR" + b"\x01" * 30
    data = keccak(text=item.signature)[:4] + encode(list(item.types), [cert, b"CR", b"PE"])
    assert decode_error(errors, data) == ("NotIssuer", (cert, b"CR", b"PE"))
    with pytest.raises(AssertionError, match="matches no custom error"):
        decode_error(errors, b"\xde\xad\xbe\xef")
    with pytest.raises(AssertionError, match="revert without a custom error"):
        decode_error(errors, b"")


def test_normalize() -> None:
    assert normalize("bytes2", "CR") == b"CR"
    assert normalize("bytes2", b"CR") == b"CR"
    assert normalize("address", ZERO_ADDRESS.upper().replace("0X", "0x")) == ZERO_ADDRESS
    assert normalize("bytes2[]", ["CR", "PE"]) == (b"CR", b"PE")
    with pytest.raises(AssertionError):
        normalize("bytes2", "CRX")


def test_expect_revert_rejects_wrong_name_wrong_arguments_and_success(d: Deployment) -> None:
    fn = d.functions.suspend(d.issue("CR", "CR-1"), 1)
    pe = d.signer("PE")
    cert = d.functions.certificateId(code("CR"), b"CR-1".ljust(32, b"\x00")).call()
    d.expect_revert(fn, pe, "NotIssuer", cert, "CR", "PE")
    with pytest.raises(AssertionError):
        d.expect_revert(fn, pe, "NotIssuer", cert, "CR", "MX")
    with pytest.raises(AssertionError):
        d.expect_revert(fn, pe, "UnknownCertificate", cert)
    with pytest.raises(AssertionError, match="did not revert"):
        d.expect_revert(fn, d.signer("CR"), "NotIssuer", cert, "CR", "CR")
    with pytest.raises(AssertionError, match="not a custom error"):
        d.expect_revert(fn, pe, "NoSuchError")
    with pytest.raises(AssertionError, match="reverted: "):
        d.send(d.functions.issue(Terms(programmes=0).input("CR-2")), d.signer("CR"))
