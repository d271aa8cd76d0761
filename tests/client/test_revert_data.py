"""Revert data is read back exactly from eth-tester's message, whatever bytes it holds.

eth-tester's provider reports a revert as ``"execution reverted: " + repr(data)``; Python quotes
the repr with ``"`` when the data holds a ``'``, and bytes such as 0x8b 0x27 print as ``\\x8b'``,
so a parser looking for the first ``b'`` read a 409 as an undecodable revert (a 500).
"""

from __future__ import annotations

import pytest
from eth.exceptions import Revert
from eth_abi.abi import encode as abi_encode
from eth_tester.exceptions import TransactionFailed
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import example, given
from hypothesis import strategies as st

from ledger_client.chain import revert_data
from ledger_client.errors import SignerAlreadyRegistered, decode_revert
from ledger_client.ledger import Ledger

_SIGNER_ALREADY_REGISTERED = keccak(text="SignerAlreadyRegistered(address,bytes2)")[:4]
_QUOTED = bytes.fromhex("8b27") * 10  # an address whose repr holds b' and forces b"…" quoting


def _tester_failure(data: bytes) -> TransactionFailed:
    """The exception web3's eth-tester provider raises for a revert with ``data`` (py-evm's Revert)."""
    return TransactionFailed(f"execution reverted: {Revert(data)}")


@given(st.binary(max_size=300))
@example(b"")
@example(b"'")
@example(b"\"'")
@example(b"b'" + bytes(range(256)))
@example(bytes.fromhex("deadbeef") + bytes(12) + _QUOTED)
def test_any_revert_payload_round_trips(data: bytes) -> None:
    assert revert_data(_tester_failure(data)) == data


@given(address=st.binary(min_size=20, max_size=20), code=st.binary(min_size=2, max_size=2))
@example(address=_QUOTED, code=b"CR")
def test_signer_errors_decode_for_every_address(address: bytes, code: bytes) -> None:
    data = _SIGNER_ALREADY_REGISTERED + abi_encode(["address", "bytes2"], [address, code])
    error = decode_revert(revert_data(_tester_failure(data)) or b"")
    assert isinstance(error, SignerAlreadyRegistered)
    assert error.inputs["signer"] == to_checksum_address(address)


@pytest.mark.parametrize("message", ["execution reverted: out of gas", "execution reverted: b'\\x01' trailing", "boom"])
def test_messages_without_one_bytes_literal_carry_no_data(message: str) -> None:
    assert revert_data(TransactionFailed(message)) is None


def test_adding_a_signer_twice_is_a_conflict_whatever_its_address(cr: Ledger) -> None:
    account = to_checksum_address(_QUOTED)
    cr.administrations.add_signer(account)
    with pytest.raises(SignerAlreadyRegistered) as raised:
        cr.administrations.add_signer(account)
    assert raised.value.inputs["signer"] == account
