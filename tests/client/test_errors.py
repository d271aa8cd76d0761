"""Revert decoding: every ABI error has a named class in exactly one category."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from ledger_client import errors
from ledger_client.artifacts import load_artifact
from ledger_client.models import CertificateStatus, MraStatus

CATEGORIES = (errors.LedgerValueError, errors.NotFoundError, errors.AccessDeniedError, errors.ConflictError)
ABI_ERRORS = [item for item in load_artifact("AeoLedger").abi if item["type"] == "error"]


def _sample(abi_type: str) -> object:
    return {
        "bytes2": b"CR",
        "bytes32": b"CR" + b"\x01" * 30,
        "address": "0x" + "ab" * 20,
        "uint8": 2,
        "uint16": 7,
        "uint24": 3,
        "uint32": 5,
        "uint64": 4,
        "uint256": 9,
    }[abi_type]


def test_every_abi_error_has_a_class() -> None:
    assert errors.abi_error_names() == set(errors.REVERT_CLASSES)


@pytest.mark.parametrize("item", ABI_ERRORS, ids=[i["name"] for i in ABI_ERRORS])
def test_decode_each_error(item: dict) -> None:
    types = [i["type"] for i in item["inputs"]]
    values = [_sample(t) for t in types]
    data = keccak(text=f"{item['name']}({','.join(types)})")[:4] + encode(types, values)
    error = errors.decode_revert(data)
    assert type(error).__name__ == item["name"]
    assert isinstance(error, errors.ContractRevert)
    assert isinstance(error, errors.LedgerError)
    assert error.name == item["name"]
    assert list(error.inputs) == [i["name"] for i in item["inputs"]]
    assert sum(isinstance(error, c) for c in CATEGORIES) == 1
    assert errors.REVERT_CATEGORIES[item["name"]] in CATEGORIES
    assert "0x" + data.hex() not in str(error)


def test_humanised_inputs() -> None:
    data = keccak(text="NotIssuer(bytes32,bytes2,bytes2)")[:4] + encode(
        ["bytes32", "bytes2", "bytes2"], [b"CR" + b"\x00" * 30, b"CR", b"PE"]
    )
    error = errors.decode_revert(data)
    assert isinstance(error, errors.NotIssuer)
    assert isinstance(error, PermissionError)
    assert error.inputs == {"id": "0x4352" + "00" * 30, "issuer": "CR", "caller": "PE"}
    assert "NotIssuer(id=0x4352" in str(error)
    assert "issuer=CR" in str(error)
    status = keccak(text="CertificateClosed(bytes32,uint8)")[:4] + encode(["bytes32", "uint8"], [b"\x00" * 32, 3])
    assert errors.decode_revert(status).inputs["status"] is CertificateStatus.REVOKED
    mra = keccak(text="MraNotActive(uint64,uint8)")[:4] + encode(["uint64", "uint8"], [1, 3])
    assert errors.decode_revert(mra).inputs == {"mraId": 1, "status": MraStatus.SUSPENDED}


def test_categories() -> None:
    assert issubclass(errors.UnknownCertificate, LookupError)
    assert issubclass(errors.NotGovernance, PermissionError)
    assert issubclass(errors.AdministrationIsFrozen, errors.AccessDeniedError)
    assert issubclass(errors.CertificateNotActive, errors.ConflictError)
    assert issubclass(errors.InvalidScope, ValueError)


def test_error_string_panic_and_unknown() -> None:
    reason = keccak(text="Error(string)")[:4] + encode(["string"], ["boom"])
    assert str(errors.decode_revert(reason)) == "the transaction reverted: boom"
    panic = keccak(text="Panic(uint256)")[:4] + encode(["uint256"], [0x11])
    assert "arithmetic overflow" in str(errors.decode_revert(panic))
    unknown = errors.decode_revert(b"\xde\xad\xbe\xef" + b"\x00" * 32)
    assert isinstance(unknown, errors.TransactionFailedError)
    assert "0xdeadbeef" in str(unknown)
    assert "without a reason" in str(errors.decode_revert(b""))


def test_hard_coded_selectors_match_the_abi() -> None:
    from ledger_client import codec

    functions = codec.ledger_codec().functions
    assert functions["issue"].selector == codec._ISSUE_SELECTOR
    assert functions["issueBatch"].selector == codec._ISSUE_BATCH_SELECTOR
    assert keccak(text="Error(string)")[:4] == errors._ERROR_STRING
    assert keccak(text="Panic(uint256)")[:4] == errors._PANIC


def test_revert_messages_are_stated_not_taken_from_docstrings() -> None:
    for name, cls in errors.REVERT_CLASSES.items():
        assert "message" in cls.__dict__, name
        assert str(cls({})) == f"{name}(): {cls.message}"
    with pytest.raises(TypeError, match="states no message"):
        type("Unstated", (errors._Revert, errors.ConflictError), {"__doc__": "A docstring is not a message."})
