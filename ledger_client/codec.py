"""The one model of the ledger contract's ABI: every function, event and custom error, from the artifact.

web3's ``Contract`` objects re-resolve the ABI on every call; :class:`LedgerCodec` resolves every
function, event and error of a committed artifact once, then encodes calls with ``eth_abi`` and
decodes return data, logs and revert data. Static event data is sliced word by word (the index
decodes hundreds of thousands of logs); only events with dynamic data go through ``eth_abi``.
Everything that reads the contract uses this model: the domain modules (through
:class:`~ledger_client.context.LedgerContext`), the typed events of :mod:`ledger_client.events`
(the index, the audit, document verification) and revert decoding in :mod:`ledger_client.errors`.

A new function, event or error of the contracts needs nothing here: recompiling the artifact
is enough (a new event becomes typed in :mod:`ledger_client.events`, a new error gets its class
in :mod:`ledger_client.errors`). The hot path of batch issuance is encoded by hand at the end of
this module, since ``CertificateInput`` is a static struct.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ledger_client.artifacts import artifact_version, load_artifact

#: Decodes one 32-byte word of a static ABI type.
WordDecoder = Callable[[bytes], Any]


def _abi_type(item: Mapping[str, Any]) -> str:
    """The canonical type string of an ABI parameter (tuples expanded)."""
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _signature(item: Mapping[str, Any]) -> str:
    return f"{item['name']}({','.join(_abi_type(i) for i in item['inputs'])})"


def _uint(word: bytes) -> int:
    return int.from_bytes(word, "big")


def _int(word: bytes) -> int:
    return int.from_bytes(word, "big", signed=True)


def _address(word: bytes) -> str:
    return to_checksum_address(word[12:])


def _bool(word: bytes) -> bool:
    return word[-1] != 0


def _raw(word: bytes) -> bytes:
    return word


def word_decoder(abi_type: str) -> WordDecoder | None:
    """How one 32-byte word of ``abi_type`` decodes (``None`` for a dynamic or composite type)."""
    if abi_type.startswith("uint") and abi_type[4:].isdigit():
        return _uint
    if abi_type.startswith("int") and abi_type[3:].isdigit():
        return _int
    if abi_type == "address":
        return _address
    if abi_type == "bool":
        return _bool
    if abi_type.startswith("bytes") and abi_type[5:].isdigit():
        size = int(abi_type[5:])
        return lambda word: word[:size]
    return None


@dataclass(frozen=True)
class FunctionAbi:
    """One contract function: selector, input and output types."""

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @property
    def signature(self) -> str:
        """``name(type,...)``, as the selector hashes it."""
        return f"{self.name}({','.join(self.inputs)})"

    def encode(self, args: Sequence[Any]) -> bytes:
        """Calldata for ``args`` (selector + ABI-encoded arguments)."""
        return self.selector + abi_encode(list(self.inputs), list(args))

    def decode(self, output: bytes) -> tuple[Any, ...]:
        """The decoded return values."""
        return tuple(abi_decode(list(self.outputs), output))


@dataclass(frozen=True)
class EventAbi:
    """One event: topic0, indexed and non-indexed parameters as ``(name, type)``."""

    name: str
    topic: bytes
    indexed: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]
    _indexed_words: tuple[tuple[str, WordDecoder], ...] = field(init=False, repr=False, compare=False)
    _data_words: tuple[tuple[str, WordDecoder, int], ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # An indexed dynamic value (string, bytes, array) is only its keccak in the topic: kept raw.
        indexed = tuple((name, word_decoder(kind) or _raw) for name, kind in self.indexed)
        words = [(name, word_decoder(kind), 32 * i) for i, (name, kind) in enumerate(self.data)]
        static = all(decoder is not None for _, decoder, _ in words)
        object.__setattr__(self, "_indexed_words", indexed)
        object.__setattr__(self, "_data_words", tuple(words) if static else None)

    @property
    def static(self) -> bool:
        """Whether every data parameter is one static 32-byte word (decoded by slicing)."""
        return self._data_words is not None

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any]:
        """Decode a log of this event into its arguments by name (indexed ones from the topics)."""
        args: dict[str, Any] = {}
        for (name, decoder), topic in zip(self._indexed_words, topics[1:], strict=True):
            args[name] = decoder(bytes(topic))
        words = self._data_words
        if words is not None:
            for name, decoder, offset in words:
                args[name] = decoder(data[offset : offset + 32])
        else:
            values = abi_decode([kind for _, kind in self.data], bytes(data))
            for (name, _), value in zip(self.data, values, strict=True):
                args[name] = value
        return args


@dataclass(frozen=True)
class ErrorAbi:
    """One custom error: selector, parameter names and types."""

    name: str
    selector: bytes
    names: tuple[str, ...]
    types: tuple[str, ...]

    def decode(self, payload: bytes) -> tuple[Any, ...]:
        """The arguments of revert data without its selector (raises when they do not decode)."""
        return tuple(abi_decode(list(self.types), payload))


class LedgerCodec:
    """Every function, event and custom error of an artifact's ABI, resolved once."""

    def __init__(self, abi: Sequence[Mapping[str, Any]]) -> None:
        self.functions: dict[str, FunctionAbi] = {}
        self.events: dict[str, EventAbi] = {}
        self.events_by_topic: dict[bytes, EventAbi] = {}
        self.errors: dict[str, ErrorAbi] = {}
        self.errors_by_selector: dict[bytes, ErrorAbi] = {}
        for item in abi:
            kind = item.get("type")
            name = str(item.get("name", ""))
            if kind == "function":
                inputs = tuple(_abi_type(i) for i in item["inputs"])
                outputs = tuple(_abi_type(o) for o in item["outputs"])
                self.functions[name] = FunctionAbi(name, keccak(text=_signature(item))[:4], inputs, outputs)
            elif kind == "event":
                indexed = tuple((str(i["name"]), _abi_type(i)) for i in item["inputs"] if i["indexed"])
                data = tuple((str(i["name"]), _abi_type(i)) for i in item["inputs"] if not i["indexed"])
                event = EventAbi(name, keccak(text=_signature(item)), indexed, data)
                self.events[name] = event
                self.events_by_topic[event.topic] = event
            elif kind == "error":
                names = tuple(str(i["name"]) for i in item["inputs"])
                types = tuple(_abi_type(i) for i in item["inputs"])
                error = ErrorAbi(name, keccak(text=_signature(item))[:4], names, types)
                self.errors[name] = error
                self.errors_by_selector[error.selector] = error

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


@cache
def version_codec(contract: str, sources_sha256: str) -> LedgerCodec:
    """The codec of ``contract`` as built from ``sources_sha256`` (the current or a known earlier
    version: a deployment's own ABI); :func:`ledger_codec` for the current one."""
    artifact = artifact_version(contract, sources_sha256)
    if artifact is None:
        raise LookupError(f"no artifact of {contract} built from sources {sources_sha256}")
    if artifact.sources_sha256 == load_artifact(contract).sources_sha256:
        return ledger_codec(contract)
    return LedgerCodec(artifact.abi)


#: Selectors (hard-coded so that importing the package computes no hash before
#: ``ETH_HASH_BACKEND`` is chosen; tests/client/test_errors.py checks them).
_ISSUE_BATCH_SELECTOR = bytes.fromhex("2597d6cd")
_ISSUE_SELECTOR = bytes.fromhex("7577fea9")
_OFFSET_32 = (32).to_bytes(32, "big")


def encode_certificate_input(
    number: bytes, *, programmes: int, roles: int, flags: int, valid_from: int, valid_until: int, document_hash: bytes
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
