"""ABI encoding and decoding of the ledger contract, without web3's contract machinery.

web3's ``Contract`` objects re-resolve the ABI on every call; this codec resolves every
function, event and error once and then encodes with ``eth_abi`` directly (and the hot path of
batch issuance by hand, since ``CertificateInput`` is a static struct).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ledger_client.artifacts import load_artifact


def _abi_type(item: Mapping[str, Any]) -> str:
    """The canonical type string of an ABI parameter (tuples expanded)."""
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@dataclass(frozen=True)
class FunctionAbi:
    """One contract function: selector, input and output types."""

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def encode(self, args: Sequence[Any]) -> bytes:
        """Calldata for ``args`` (selector + ABI-encoded arguments)."""
        return self.selector + abi_encode(list(self.inputs), list(args))

    def decode(self, output: bytes) -> tuple[Any, ...]:
        """The decoded return values."""
        return tuple(abi_decode(list(self.outputs), output))


@dataclass(frozen=True)
class EventAbi:
    """One event: topic0, indexed and non-indexed parameters."""

    name: str
    topic: bytes
    indexed: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any]:
        """Decode a log of this event into its arguments by name (indexed value types only)."""
        args: dict[str, Any] = {}
        for (name, kind), topic in zip(self.indexed, topics[1:], strict=True):
            (args[name],) = abi_decode([kind], bytes(topic))
        values = abi_decode([kind for _, kind in self.data], bytes(data))
        for (name, _), value in zip(self.data, values, strict=True):
            args[name] = value
        return args


class LedgerCodec:
    """Every function and event of an artifact, resolved once."""

    def __init__(self, abi: Sequence[Mapping[str, Any]]) -> None:
        self.functions: dict[str, FunctionAbi] = {}
        self.events: dict[str, EventAbi] = {}
        self.events_by_topic: dict[bytes, EventAbi] = {}
        for item in abi:
            kind = item.get("type")
            if kind == "function":
                inputs = tuple(_abi_type(i) for i in item["inputs"])
                outputs = tuple(_abi_type(o) for o in item["outputs"])
                selector = keccak(text=f"{item['name']}({','.join(inputs)})")[:4]
                self.functions[str(item["name"])] = FunctionAbi(str(item["name"]), selector, inputs, outputs)
            elif kind == "event":
                types = [_abi_type(i) for i in item["inputs"]]
                topic = keccak(text=f"{item['name']}({','.join(types)})")
                indexed = tuple((str(i["name"]), _abi_type(i)) for i in item["inputs"] if i["indexed"])
                data = tuple((str(i["name"]), _abi_type(i)) for i in item["inputs"] if not i["indexed"])
                event = EventAbi(str(item["name"]), topic, indexed, data)
                self.events[event.name] = event
                self.events_by_topic[topic] = event

    def encode(self, function: str, *args: Any) -> bytes:
        """Calldata of ``function(*args)``."""
        return self.functions[function].encode(args)

    def decode(self, function: str, output: bytes) -> tuple[Any, ...]:
        """Decode the return data of ``function``."""
        return self.functions[function].decode(output)

    def topic(self, event: str) -> bytes:
        """topic0 of ``event``."""
        return self.events[event].topic

    def decode_log(self, topics: Sequence[bytes], data: bytes) -> tuple[str, dict[str, Any]] | None:
        """``(event name, args)`` of a log of this contract, or None for a foreign event."""
        if not topics:
            return None
        event = self.events_by_topic.get(bytes(topics[0]))
        if event is None:
            return None
        return event.name, event.decode(topics, data)


@cache
def ledger_codec(artifact: str = "AeoLedger") -> LedgerCodec:
    """The codec of a committed artifact (cached)."""
    return LedgerCodec(load_artifact(artifact).abi)


#: Selectors (hard-coded so that importing the package computes no hash before
#: ``ETH_HASH_BACKEND`` is chosen; tests/client/test_errors.py checks them).
_ISSUE_BATCH_SELECTOR = bytes.fromhex("2597d6cd")
_ISSUE_SELECTOR = bytes.fromhex("7577fea9")
_OFFSET_32 = (32).to_bytes(32, "big")


def encode_certificate_input(
    number: bytes, programmes: int, roles: int, flags: int, valid_from: int, valid_until: int, document_hash: bytes
) -> bytes:
    """The 224-byte ABI encoding of one ``CertificateInput`` (a static struct)."""
    return b"".join(
        (
            number,
            programmes.to_bytes(32, "big"),
            roles.to_bytes(32, "big"),
            flags.to_bytes(32, "big"),
            valid_from.to_bytes(32, "big"),
            valid_until.to_bytes(32, "big"),
            document_hash,
        )
    )


def encode_issue(encoded_input: bytes) -> bytes:
    """Calldata of ``issue(input)`` from :func:`encode_certificate_input`."""
    return _ISSUE_SELECTOR + encoded_input


def encode_issue_batch(encoded_inputs: Sequence[bytes]) -> bytes:
    """Calldata of ``issueBatch(inputs)`` from :func:`encode_certificate_input` blobs."""
    return b"".join((_ISSUE_BATCH_SELECTOR, _OFFSET_32, len(encoded_inputs).to_bytes(32, "big"), *encoded_inputs))


def checksum(address: str | bytes) -> str:
    """A checksummed address."""
    return to_checksum_address(address)
