"""The one model of the contract's ABI: its word-sliced log decoding agrees with eth_abi, and every
event of the ABI becomes a typed event."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode

from ledger_client.codec import ledger_codec
from ledger_client.events import BUILDERS, decode_event, event_decoders

EVENTS = sorted(ledger_codec().events.values(), key=lambda e: e.name)


def _sample(abi_type: str, salt: int) -> Any:
    if abi_type.startswith("uint"):
        return (2 ** int(abi_type[4:]) - 1) // (salt + 2)
    if abi_type == "address":
        return "0x" + f"{salt + 0xA0:02x}" * 20
    if abi_type == "bool":
        return salt % 2 == 1
    if abi_type == "string":
        return f"Administración {salt}"
    if abi_type == "bytes2[]":
        return [b"CR", b"PE", b"MX"][: salt % 3 + 2]
    if abi_type == "bytes2":
        return b"CR"
    size = int(abi_type[5:])
    return bytes([salt + 1]) * size


@pytest.mark.parametrize("event", EVENTS, ids=[e.name for e in EVENTS])
def test_log_decoding_agrees_with_eth_abi(event: Any) -> None:
    indexed = {name: _sample(kind, i) for i, (name, kind) in enumerate(event.indexed)}
    data = {name: _sample(kind, i + 3) for i, (name, kind) in enumerate(event.data)}
    topics = [event.topic, *(encode([kind], [indexed[name]]) for name, kind in event.indexed)]
    payload = encode([kind for _, kind in event.data], list(data.values()))
    decoded = event.decode(topics, payload)
    expected = {**indexed, **data}
    assert decoded.keys() == expected.keys()
    for name, value in expected.items():
        got = decoded[name]
        if isinstance(value, str) and value.startswith("0x"):
            assert got.lower() == value
        elif isinstance(value, list):
            assert list(got) == value
        else:
            assert got == value, name


def test_every_abi_event_is_typed() -> None:
    missing = set(ledger_codec().events) - set(BUILDERS)
    assert not missing, f"events without a typed event in ledger_client/events.py BUILDERS: {missing}"
    assert set(BUILDERS) <= set(ledger_codec().events)
    assert len(event_decoders()) == len(BUILDERS)


def test_foreign_logs_are_not_decoded() -> None:
    assert decode_event([], b"") is None
    assert decode_event([b"\x01" * 32], b"") is None
