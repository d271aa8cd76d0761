"""Parsing and validation of JSON-RPC parameters (raise -32602 on anything wrong)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ledger_client.node.protocol import invalid_params

_HEX = re.compile(r"^0x[0-9a-fA-F]*$")
BLOCK_TAGS = frozenset({"latest", "earliest", "pending", "safe", "finalized"})

BlockId = int | str
"""A block number or one of :data:`BLOCK_TAGS`."""


def expect_params(params: Any, minimum: int, maximum: int) -> list[Any]:
    """``params`` as a list of ``minimum``..``maximum`` positional values."""
    if params is None:
        params = []
    if not isinstance(params, list):
        raise invalid_params("params must be an array")
    if not minimum <= len(params) <= maximum:
        expected = str(minimum) if minimum == maximum else f"{minimum} to {maximum}"
        raise invalid_params(f"expected {expected} params, got {len(params)}")
    return params


def parse_quantity(value: Any, name: str) -> int:
    """A hex quantity such as ``"0x1a"``."""
    if not isinstance(value, str) or not _HEX.match(value) or len(value) < 3:
        raise invalid_params(f"{name} must be a hex quantity, got {value!r}")
    return int(value, 16)


def parse_data(value: Any, name: str, length: int | None = None) -> bytes:
    """Hex data such as ``"0xdeadbeef"``, optionally of an exact byte length."""
    if not isinstance(value, str) or not _HEX.match(value) or len(value) % 2:
        raise invalid_params(f"{name} must be 0x-prefixed hex data, got {value!r}")
    raw = bytes.fromhex(value[2:])
    if length is not None and len(raw) != length:
        raise invalid_params(f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def parse_address(value: Any, name: str = "address") -> bytes:
    """A 20-byte address."""
    return parse_data(value, name, 20)


def parse_hash(value: Any, name: str = "hash") -> bytes:
    """A 32-byte hash."""
    return parse_data(value, name, 32)


def parse_bool(value: Any, name: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise invalid_params(f"{name} must be a boolean, got {value!r}")
    return value


def parse_block_id(value: Any, name: str = "block") -> BlockId:
    """A block number, a tag, or an EIP-1898 ``{"blockNumber": …}`` object."""
    if isinstance(value, dict) and "blockNumber" in value:
        value = value["blockNumber"]
    if isinstance(value, str) and value in BLOCK_TAGS:
        return value
    return parse_quantity(value, name)


@dataclass(frozen=True)
class CallRequest:
    """The transaction object of ``eth_call`` / ``eth_estimateGas``."""

    sender: bytes
    to: bytes
    gas: int | None
    value: int
    data: bytes
    nonce: int | None


def parse_call_request(value: Any) -> CallRequest:
    """Parse a call object; unknown fields are ignored as geth does."""
    if not isinstance(value, dict):
        raise invalid_params("transaction must be an object")
    payload = value.get("input", value.get("data"))
    return CallRequest(
        sender=parse_address(value["from"], "from") if value.get("from") else b"\x00" * 20,
        to=parse_address(value["to"], "to") if value.get("to") else b"",
        gas=parse_quantity(value["gas"], "gas") if value.get("gas") is not None else None,
        value=parse_quantity(value["value"], "value") if value.get("value") is not None else 0,
        data=parse_data(payload, "input") if payload is not None else b"",
        nonce=(parse_quantity(value["nonce"], "nonce") if value.get("nonce") is not None else None),
    )


def parse_topics(value: Any) -> tuple[frozenset[bytes] | None, ...]:
    """The ``topics`` member of a log filter."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 4:
        raise invalid_params("topics must be an array of at most 4 entries")
    parsed: list[frozenset[bytes] | None] = []
    for position, entry in enumerate(value):
        name = f"topics[{position}]"
        if entry is None:
            parsed.append(None)
        elif isinstance(entry, list):
            options = [parse_hash(item, name) for item in entry if item is not None]
            parsed.append(frozenset(options) if len(options) == len(entry) else None)
        else:
            parsed.append(frozenset({parse_hash(entry, name)}))
    return tuple(parsed)


def parse_addresses(value: Any) -> frozenset[bytes] | None:
    """The ``address`` member of a log filter: one address or a list."""
    if value is None:
        return None
    if isinstance(value, list):
        return frozenset(parse_address(item) for item in value)
    return frozenset({parse_address(value)})
