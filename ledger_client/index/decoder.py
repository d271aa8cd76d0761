"""Logs → typed events, driven by the contract ABI.

Static event data is sliced word by word (fast); only the two events with dynamic data
(``AdministrationRegistered``'s name and ``MraProposed``'s parties) go through ``eth_abi``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ledger_client.artifacts import load_artifact
from ledger_client.index.events import (
    AdministrationFrozenChanged,
    AdministrationRegistered,
    CertificateAmended,
    CertificateEventAcknowledged,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
    EventRecord,
    LedgerEvent,
    LogPosition,
    MraAccepted,
    MraProposed,
    MraStatusChanged,
    SignerChanged,
)
from ledger_client.index.sources import BlockLogs, RawLog
from ledger_client.models import CertificateAction, MraAction, MraStatus


@dataclass(frozen=True)
class EventSpec:
    """One ABI event: its topic, indexed and data parameters."""

    name: str
    topic: bytes
    indexed: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]

    @property
    def static(self) -> bool:
        """Whether every data parameter is a static 32-byte word."""
        return not any(typ in ("string", "bytes") or typ.endswith("]") for _, typ in self.data)


def _spec(entry: dict[str, Any]) -> EventSpec:
    inputs = entry["inputs"]
    signature = f"{entry['name']}({','.join(i['type'] for i in inputs)})"
    return EventSpec(
        name=entry["name"],
        topic=keccak(text=signature),
        indexed=tuple((i["name"], i["type"]) for i in inputs if i["indexed"]),
        data=tuple((i["name"], i["type"]) for i in inputs if not i["indexed"]),
    )


@cache
def event_specs() -> dict[bytes, EventSpec]:
    """The contract's events by topic 0."""
    specs = (_spec(e) for e in load_artifact("AeoLedger").abi if e["type"] == "event")
    return {spec.topic: spec for spec in specs}


@cache
def topic_of(name: str) -> bytes:
    """Topic 0 of the event called ``name``."""
    for spec in event_specs().values():
        if spec.name == name:
            return spec.topic
    raise KeyError(name)


def _word(typ: str, word: bytes) -> Any:
    if typ.startswith(("uint", "int")):
        return int.from_bytes(word, "big")
    if typ == "address":
        return to_checksum_address(word[12:])
    if typ == "bool":
        return word[-1] != 0
    if typ.startswith("bytes"):
        return word[: int(typ[5:])]
    raise ValueError(f"unsupported static type {typ}")


def decode_fields(spec: EventSpec, log: RawLog) -> dict[str, Any]:
    """The log's parameters by name (indexed from topics, the rest from data)."""
    fields: dict[str, Any] = {}
    for (name, typ), topic in zip(spec.indexed, log.topics[1:], strict=True):
        fields[name] = _word(typ, topic)
    if spec.static:
        data = log.data
        for index, (name, typ) in enumerate(spec.data):
            fields[name] = _word(typ, data[32 * index : 32 * index + 32])
    else:
        values = abi_decode([typ for _, typ in spec.data], log.data)
        for (name, _), value in zip(spec.data, values, strict=True):
            fields[name] = value
    return fields


def _code(raw: bytes) -> str:
    return raw.decode("latin-1")


def _number(raw: bytes) -> str:
    return raw.rstrip(b"\x00").decode("utf-8", "backslashreplace")


_CERT_STATUS_ACTIONS = {
    "CertificateSuspended": CertificateAction.SUSPENDED,
    "CertificateReinstated": CertificateAction.REINSTATED,
    "CertificateRevoked": CertificateAction.REVOKED,
    "CertificateAnnulled": CertificateAction.ANNULLED,
}
_MRA_STATUS_ACTIONS = {
    "MraSuspended": MraAction.SUSPENDED,
    "MraResumed": MraAction.RESUMED,
    "MraTerminated": MraAction.TERMINATED,
}


def _issuer(f: dict[str, Any]) -> str:
    return _code(f["issuer"]) if "issuer" in f else _code(f["id"][:2])


def _build(name: str, f: dict[str, Any]) -> LedgerEvent | None:
    """The typed event for decoded fields (``None`` for events the index does not use)."""
    if name == "CertificateIssued":
        return CertificateIssued(
            f["id"],
            _issuer(f),
            _number(f["number"]),
            f["programmes"],
            f["roles"],
            f["flags"],
            f["validFrom"],
            f["validUntil"],
            f["documentHash"],
            f["head"],
        )
    if name in _CERT_STATUS_ACTIONS:
        return CertificateStatusChanged(
            f["id"], _issuer(f), _CERT_STATUS_ACTIONS[name], f["sequence"], f["reasonCode"], f["head"]
        )
    if name == "CertificateAmended":
        return CertificateAmended(
            f["id"],
            _issuer(f),
            f["sequence"],
            f["programmes"],
            f["roles"],
            f["flags"],
            f["validFrom"],
            f["validUntil"],
            f["documentHash"],
            f["reasonCode"],
            f["head"],
        )
    if name == "CertificateRenewed":
        return CertificateRenewed(
            f["id"], _issuer(f), f["sequence"], f["validFrom"], f["validUntil"], f["documentHash"], f["head"]
        )
    if name == "CertificateEventAcknowledged":
        return CertificateEventAcknowledged(f["id"], _issuer(f), _code(f["partner"]), f["sequence"])
    if name == "MraProposed":
        return MraProposed(
            f["mraId"],
            _code(f["proposer"]),
            tuple(_code(p) for p in f["parties"]),
            f["programmes"],
            f["roles"],
            f["effectiveFrom"],
            f["documentHash"],
            f["head"],
        )
    if name == "MraAccepted":
        return MraAccepted(f["mraId"], _code(f["party"]), f["sequence"], MraStatus(f["status"]), f["head"])
    if name in _MRA_STATUS_ACTIONS:
        return MraStatusChanged(
            f["mraId"],
            _code(f["party"]),
            _MRA_STATUS_ACTIONS[name],
            f["sequence"],
            f.get("reasonCode", 0),
            f["head"],
        )
    return _build_administration(name, f)


def _build_administration(name: str, f: dict[str, Any]) -> LedgerEvent | None:
    if name == "AdministrationRegistered":
        return AdministrationRegistered(_code(f["code"]), str(f["name"]), f["signer"])
    if name in ("AdministrationFrozen", "AdministrationUnfrozen"):
        return AdministrationFrozenChanged(_code(f["code"]), name == "AdministrationFrozen")
    if name in ("SignerAdded", "SignerRemoved"):
        return SignerChanged(_code(f["code"]), f["signer"], f["by"], name == "SignerAdded")
    return None


def decode_log(log: RawLog) -> LedgerEvent | None:
    """The typed event of one log, or ``None`` when its topic is not a known ledger event."""
    if not log.topics:
        return None
    spec = event_specs().get(log.topics[0])
    if spec is None:
        return None
    return _build(spec.name, decode_fields(spec, log))


def decode_blocks(blocks: Iterable[BlockLogs]) -> list[EventRecord]:
    """Every ledger event of the blocks, in chain order, with positions."""
    records: list[EventRecord] = []
    append = records.append
    for block in blocks:
        header = block.header
        senders = block.senders
        for log in block.logs:
            event = decode_log(log)
            if event is not None:
                position = LogPosition(
                    header.number,
                    header.hash,
                    header.timestamp,
                    log.tx_hash,
                    log.tx_index,
                    log.log_index,
                    senders.get(log.tx_hash),
                )
                append(EventRecord(position, event))
    return records
