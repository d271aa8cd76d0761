"""Helpers of the contract tests.

- :class:`Deployment`: the seeded ``AeoLedgerHarness`` with its accounts, and the verbs the tests
  use on it (send a transaction, expect a named custom error with its exact arguments, decode the
  events of a receipt, move the harness clock, snapshot and revert).
- Custom-error decoding from raw revert data with the ABI (selector = ``keccak(signature)[:4]``).
- :class:`Terms` (certificate terms) and plain-Python models of certificates (:class:`CertificateBook`)
  and MRAs (:class:`MraBook`) whose ids and heads come from :mod:`ledger_client.hashing`. The
  models predict, for any call, either the events it emits or the custom error it reverts with.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_tester import EthereumTester
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from ledger_client import hashing
from ledger_client.models import (
    FLAG_CONSENT_WITHHELD,
    FLAG_SME,
    CertificateAction,
    CertificateStatus,
    MraAction,
    MraStatus,
)

#: The harness clock at the start of every test (2025-06-15T15:06:40Z).
T0 = 1_750_000_000
DAY = 86_400
YEAR = 365 * DAY
#: Gas of an ordinary transaction (explicit, so that web3 does not estimate: 3x faster on eth-tester).
GAS = 1_000_000
#: Gas of the large transactions (batches, 16-party MRAs).
BIG_GAS = 25_000_000

DOC = keccak(text="aeo certificate document, version 1")
DOC2 = keccak(text="aeo certificate document, version 2")
MRA_DOC = keccak(text="signed mutual recognition agreement")
ZERO32 = b"\x00" * 32
ZERO16 = b"\x00" * 16
ZERO_ADDRESS = "0x" + "00" * 20

#: Administrations registered by the session fixture, in registration order.
ADMINISTRATIONS: dict[str, str] = {
    "CR": "Costa Rica",
    "PE": "Peru",
    "MX": "Mexico",
    "CL": "Chile",
    "CO": "Colombia",
}

#: ``ContractFunction`` of the ledger, bound to its arguments.
Call = ContractFunction
#: A decoded event: its name and its arguments by name.
Event = tuple[str, dict[str, Any]]
#: A custom error: its name and its arguments in declaration order.
ErrorCall = tuple[str, tuple[Any, ...]]


# --------------------------------------------------------------------------------------------
# ABI: custom errors and events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AbiItem:
    """One custom error or event of the ABI."""

    name: str
    types: tuple[str, ...]
    names: tuple[str, ...]
    indexed: tuple[bool, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"


def _items(abi: Sequence[Mapping[str, Any]], kind: str) -> dict[str, AbiItem]:
    items: dict[str, AbiItem] = {}
    for entry in abi:
        if entry.get("type") != kind:
            continue
        inputs = entry.get("inputs", [])
        items[entry["name"]] = AbiItem(
            name=entry["name"],
            types=tuple(i["type"] for i in inputs),
            names=tuple(i["name"] for i in inputs),
            indexed=tuple(bool(i.get("indexed", False)) for i in inputs),
        )
    return items


def abi_errors(abi: Sequence[Mapping[str, Any]]) -> dict[str, AbiItem]:
    """The custom errors of an ABI by name."""
    return _items(abi, "error")


def abi_events(abi: Sequence[Mapping[str, Any]]) -> dict[str, AbiItem]:
    """The events of an ABI by name."""
    return _items(abi, "event")


def normalize(abi_type: str, value: Any) -> Any:
    """A canonical Python value of ``value`` as ABI type ``abi_type``, for comparisons.

    Administration codes may be given as text (``"CR"``), addresses in any case, enums as ints.
    """
    if abi_type.endswith("[]"):
        return tuple(normalize(abi_type[:-2], v) for v in value)
    if abi_type == "address":
        return str(value).lower()
    if abi_type.startswith("bytes") and abi_type != "bytes":
        size = int(abi_type[5:])
        if isinstance(value, str):
            raw = bytes.fromhex(value[2:]) if value.startswith("0x") else value.encode("ascii")
        else:
            raw = bytes(value)
        assert len(raw) == size, f"{value!r} is not a {abi_type}"
        return raw
    if abi_type.startswith(("uint", "int")):
        return int(value)
    return value


def revert_data(exc: BaseException) -> bytes:
    """The raw revert data carried by an exception raised by web3 or eth-tester.

    web3's ``ContractCustomError`` carries it as hex in ``.data``; through ``EthereumTesterProvider``
    eth-tester's ``TransactionFailed`` carries it as a bytes literal after ``execution reverted: ``.
    """
    data = getattr(exc, "data", None)
    if isinstance(data, bytes):
        return data
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    message = exc.args[0] if exc.args else ""
    if isinstance(message, bytes):
        return message
    text = str(message)
    prefix = "execution reverted: "
    if text.startswith(prefix):
        text = text[len(prefix) :]
    if text.startswith(("b'", 'b"')):
        value = ast.literal_eval(text)
        assert isinstance(value, bytes)
        return value
    raise AssertionError(f"no revert data in {type(exc).__name__}: {exc}")


def decode_error(errors: Mapping[str, AbiItem], data: bytes) -> ErrorCall:
    """Decode raw revert data into the custom error's name and its arguments."""
    assert len(data) >= 4, f"revert without a custom error (data {data.hex() or 'empty'})"
    for item in errors.values():
        if keccak(text=item.signature)[:4] == data[:4]:
            args = abi_decode(list(item.types), data[4:])
            return item.name, tuple(normalize(t, v) for t, v in zip(item.types, args, strict=True))
    raise AssertionError(f"revert data 0x{data.hex()} matches no custom error of the ABI")


# --------------------------------------------------------------------------------------------
# Certificate terms
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The terms of a certificate: scope, SME flag, validity and document."""

    programmes: int = 0b0011
    roles: int = 0b0000_0011
    flags: int = 0
    valid_from: int = T0 - DAY
    valid_until: int = T0 + YEAR
    document_hash: bytes = DOC

    def input(self, number: str) -> tuple[Any, ...]:
        """The ``CertificateInput`` tuple of certificate ``number`` with these terms."""
        return (
            hashing.number_bytes(number),
            self.programmes,
            self.roles,
            self.flags,
            self.valid_from,
            self.valid_until,
            self.document_hash,
        )

    def with_(self, **changes: Any) -> Terms:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def error(self) -> ErrorCall | None:
        """The custom error these terms are rejected with, or None when they are valid."""
        if self.programmes == 0 or self.roles == 0:
            return ("InvalidScope", (self.programmes, self.roles))
        if self.flags & ~(FLAG_SME | FLAG_CONSENT_WITHHELD):
            return ("UnknownFlags", (self.flags,))
        if self.valid_until != 0 and self.valid_until <= self.valid_from:
            return ("InvalidValidity", (self.valid_from, self.valid_until))
        if self.document_hash == ZERO32:
            return ("EmptyDocumentHash", ())
        return None


# --------------------------------------------------------------------------------------------
# The deployment
# --------------------------------------------------------------------------------------------


@dataclass
class Deployment:
    """The seeded ``AeoLedgerHarness`` and the accounts around it."""

    w3: Web3
    tester: EthereumTester
    ledger: Contract
    governance: str
    #: First signer of each seeded administration.
    signers: dict[str, str]
    #: A funded account that is nothing on the ledger.
    stranger: str
    #: Funded accounts, not registered anywhere, for tests that need more signers.
    spare: list[str]
    errors: dict[str, AbiItem] = field(init=False)
    events_abi: dict[str, AbiItem] = field(init=False)
    _by_topic: dict[bytes, str] = field(init=False)

    def __post_init__(self) -> None:
        self.errors = abi_errors(self.ledger.abi)
        self.events_abi = abi_events(self.ledger.abi)
        self._by_topic = {keccak(text=e.signature): name for name, e in self.events_abi.items()}

    # chain ---------------------------------------------------------------------------------

    def snapshot(self) -> int:
        """Take an eth-tester snapshot of the chain."""
        return int(self.tester.take_snapshot())

    def revert(self, snapshot_id: int) -> None:
        """Revert the chain to a snapshot (which stays usable)."""
        self.tester.revert_to_snapshot(snapshot_id)

    def set_time(self, timestamp: int) -> None:
        """Pin the harness clock (``_time()``)."""
        self.send(self.ledger.functions.setTime(timestamp), self.governance)

    @property
    def functions(self) -> Any:
        """The ledger's contract functions."""
        return self.ledger.functions

    # transactions ----------------------------------------------------------------------------

    def send(self, fn: Call, sender: str, gas: int = GAS) -> TxReceipt:
        """Send a transaction; fail with the decoded custom error if it reverts."""
        tx_hash = fn.transact({"from": sender, "gas": gas})
        receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            error = self.error_of(fn, sender)
            reason = error or f"no custom error (gas used {receipt['gasUsed']} of {gas}: out of gas?)"
            raise AssertionError(f"{fn.fn_name} from {sender} reverted: {reason}")
        return receipt

    def error_of(self, fn: Call, sender: str) -> ErrorCall | None:
        """The custom error ``fn`` reverts with when called by ``sender`` now (None if it does not)."""
        try:
            fn.call({"from": sender})
        except Exception as exc:  # web3 and eth-tester raise several unrelated types
            return decode_error(self.errors, revert_data(exc))
        return None

    def expect_revert(self, fn: Call, sender: str, name: str, *args: Any, send: bool = False) -> None:
        """Assert that ``fn`` called by ``sender`` reverts with custom error ``name(*args)``.

        The error and every argument are compared after ABI normalisation (codes may be given as
        ``"CR"``). With ``send``, also send the transaction and assert that it fails on-chain.
        """
        assert name in self.errors, f"{name} is not a custom error of the ABI"
        item = self.errors[name]
        assert len(args) == len(item.types), f"{name} takes {len(item.types)} arguments"
        expected = (name, tuple(normalize(t, v) for t, v in zip(item.types, args, strict=True)))
        actual = self.error_of(fn, sender)
        assert actual is not None, f"{fn.fn_name} from {sender} did not revert; expected {name}"
        assert actual == expected
        if send:
            tx_hash = fn.transact({"from": sender, "gas": GAS})
            assert self.w3.eth.get_transaction_receipt(tx_hash)["status"] == 0

    # events ------------------------------------------------------------------------------------

    def decode_logs(self, logs: Iterable[Any]) -> list[Event]:
        """Decode the ledger's logs into (event name, normalised arguments)."""
        decoded: list[Event] = []
        for log in logs:
            if log["address"] != self.ledger.address or not log["topics"]:
                continue
            name = self._by_topic[bytes(log["topics"][0])]
            data = self.ledger.events[name]().process_log(log)
            item = self.events_abi[name]
            decoded.append(
                (name, {n: normalize(t, data["args"][n]) for n, t in zip(item.names, item.types, strict=True)})
            )
        return decoded

    def events(self, receipt: TxReceipt) -> list[Event]:
        """The events a transaction emitted, in order."""
        return self.decode_logs(receipt["logs"])

    def event(self, name: str, /, **args: Any) -> Event:
        """An expected event with normalised arguments (every argument must be given)."""
        item = self.events_abi[name]
        assert set(args) == set(item.names), f"{name} has arguments {item.names}, got {sorted(args)}"
        return name, {n: normalize(t, args[n]) for n, t in zip(item.names, item.types, strict=True)}

    def assert_events(self, receipt: TxReceipt, *expected: Event) -> None:
        """Assert that a transaction emitted exactly these events, in this order."""
        assert self.events(receipt) == list(expected)

    # domain shortcuts --------------------------------------------------------------------------

    def signer(self, code: str) -> str:
        """The first signer of a seeded administration."""
        return self.signers[code]

    def issue(self, code: str, number: str, terms: Terms | None = None) -> bytes:
        """Issue a certificate as ``code``'s first signer; return its id."""
        terms = terms or Terms()
        self.send(self.functions.issue(terms.input(number)), self.signer(code))
        return hashing.certificate_id(code, number)

    def propose(
        self,
        proposer: str,
        parties: Sequence[str],
        programmes: int = 0b0011,
        roles: int = 0b0000_0011,
        effective_from: int = 0,
        document_hash: bytes = MRA_DOC,
        *,
        accept: bool = False,
    ) -> int:
        """Propose an MRA as ``proposer`` (its first signer); with ``accept`` every party accepts it."""
        fn = self.functions.proposeMra(
            [hashing.code_bytes(p) for p in parties], programmes, roles, effective_from, document_hash
        )
        self.send(fn, self.signer(proposer), gas=BIG_GAS)
        mra_id = int(self.functions.mraCount().call())
        if accept:
            for party in parties:
                if party != proposer:
                    self.send(self.functions.acceptMra(mra_id), self.signer(party), gas=BIG_GAS)
        return mra_id

    def new_account(self) -> str:
        """A funded account that is nothing on the ledger (taken from the spare accounts)."""
        return self.spare.pop()

    def register(self, code: str, name: str | None = None) -> str:
        """Register a new administration with a fresh signer; return the signer."""
        signer = self.new_account()
        self.send(
            self.functions.registerAdministration(hashing.code_bytes(code), name or f"Administration {code}", signer),
            self.governance,
        )
        self.signers[code] = signer
        return signer


def code(text: str) -> bytes:
    """An administration code as ``bytes2``."""
    return hashing.code_bytes(text)


def alpha2(index: int) -> str:
    """The index-th two-letter code from ``AA`` (``AA``, ``AB`` … ``ZZ``)."""
    return chr(0x41 + index // 26) + chr(0x41 + index % 26)


# --------------------------------------------------------------------------------------------
# Model of certificates
# --------------------------------------------------------------------------------------------

#: The outcome of an operation: the events it emits, or the custom error it reverts with.
Outcome = list[Event] | ErrorCall


def is_error(outcome: Outcome) -> bool:
    """Whether an outcome is a revert."""
    return isinstance(outcome, tuple)


@dataclass
class CertificateModel:
    """One certificate as the model sees it."""

    id: bytes
    issuer: str
    number: str
    status: CertificateStatus
    terms: Terms
    event_count: int = 0
    head: bytes = ZERO16

    def state(self) -> int:
        """The state word that enters the history head."""
        t = self.terms
        return hashing.pack_state(int(self.status), t.programmes, t.roles, t.flags, t.valid_from, t.valid_until)

    def advance(self, action: CertificateAction, document_hash: bytes = ZERO32, reason: int = 0) -> None:
        """Record one event: next sequence number and head, from the current (new) state."""
        self.event_count += 1
        self.head = hashing.certificate_head(
            self.head, self.id, self.event_count, int(action), self.state(), document_hash, reason
        )

    def record(self) -> tuple[Any, ...]:
        """The expected return value of ``certificate(id)``."""
        t = self.terms
        return (
            int(self.status),
            t.programmes,
            t.roles,
            t.flags,
            t.valid_from,
            t.valid_until,
            self.event_count,
            self.head,
        )

    def valid_at(self, now: int) -> bool:
        """Active and inside its validity period."""
        t = self.terms
        return (
            self.status == CertificateStatus.ACTIVE
            and t.valid_from <= now
            and (t.valid_until == 0 or now <= t.valid_until)
        )


def _ev(name: str, /, **args: Any) -> Event:
    return name, args


class CertificateBook:
    """Plain-Python model of the certificate registry: the lifecycle table of design.md.

    Each operation returns the outcome the ledger must produce and, on success, applies it.
    Arguments are validated before the certificate is looked up, then the caller, then the status.
    """

    CLOSED = (CertificateStatus.REVOKED, CertificateStatus.ANNULLED)

    def __init__(self) -> None:
        self.certificates: dict[bytes, CertificateModel] = {}
        self.events: list[Event] = []

    def _emit(self, events: list[Event]) -> list[Event]:
        self.events.extend(events)
        return events

    def get(self, cert_id: bytes) -> CertificateModel | None:
        """The model of a certificate, if issued."""
        return self.certificates.get(cert_id)

    def _issue_one(self, issuer: str, number: str, terms: Terms, pending: dict[bytes, CertificateModel]) -> Outcome:
        if hashing.number_bytes(number) == ZERO32:
            return ("EmptyCertificateNumber", ())
        error = terms.error()
        if error:
            return error
        cert_id = hashing.certificate_id(issuer, number)
        if cert_id in self.certificates or cert_id in pending:
            return ("CertificateAlreadyIssued", (cert_id,))
        cert = CertificateModel(cert_id, issuer, number, CertificateStatus.ACTIVE, terms)
        cert.advance(CertificateAction.ISSUED, terms.document_hash)
        pending[cert_id] = cert
        return [
            _ev(
                "CertificateIssued",
                id=cert_id,
                issuer=issuer,
                number=hashing.number_bytes(number),
                programmes=terms.programmes,
                roles=terms.roles,
                flags=terms.flags,
                validFrom=terms.valid_from,
                validUntil=terms.valid_until,
                documentHash=terms.document_hash,
                head=cert.head,
            )
        ]

    def issue_batch(self, issuer: str, items: Sequence[tuple[str, Terms]]) -> Outcome:
        """Issue certificates all or nothing (``issue`` is a batch of one)."""
        if not items:
            return ("EmptyBatch", ())
        pending: dict[bytes, CertificateModel] = {}
        events: list[Event] = []
        for number, terms in items:
            outcome = self._issue_one(issuer, number, terms, pending)
            if is_error(outcome):
                return outcome
            assert isinstance(outcome, list)
            events.extend(outcome)
        self.certificates.update(pending)
        return self._emit(events)

    def issue(self, issuer: str, number: str, terms: Terms) -> Outcome:
        """Issue one certificate."""
        return self.issue_batch(issuer, [(number, terms)])

    def _load(self, caller: str, cert_id: bytes) -> CertificateModel | ErrorCall:
        cert = self.certificates.get(cert_id)
        if cert is None:
            return ("UnknownCertificate", (cert_id,))
        if cert.issuer != caller:
            return ("NotIssuer", (cert_id, cert.issuer, caller))
        return cert

    def _load_open(self, caller: str, cert_id: bytes) -> CertificateModel | ErrorCall:
        cert = self._load(caller, cert_id)
        if isinstance(cert, CertificateModel) and cert.status in self.CLOSED:
            return ("CertificateClosed", (cert_id, int(cert.status)))
        return cert

    def _status_event(self, name: str, cert: CertificateModel, action: CertificateAction, reason: int) -> list[Event]:
        cert.advance(action, ZERO32, reason)
        return self._emit(
            [_ev(name, id=cert.id, issuer=cert.issuer, sequence=cert.event_count, reasonCode=reason, head=cert.head)]
        )

    def suspend(self, caller: str, cert_id: bytes, reason: int) -> Outcome:
        """Active → Suspended."""
        if reason == 0:
            return ("MissingReasonCode", ())
        cert = self._load(caller, cert_id)
        if not isinstance(cert, CertificateModel):
            return cert
        if cert.status != CertificateStatus.ACTIVE:
            return ("CertificateNotActive", (cert_id, int(cert.status)))
        cert.status = CertificateStatus.SUSPENDED
        return self._status_event("CertificateSuspended", cert, CertificateAction.SUSPENDED, reason)

    def reinstate(self, caller: str, cert_id: bytes, reason: int) -> Outcome:
        """Suspended → Active (the reason code is optional)."""
        cert = self._load(caller, cert_id)
        if not isinstance(cert, CertificateModel):
            return cert
        if cert.status != CertificateStatus.SUSPENDED:
            return ("CertificateNotSuspended", (cert_id, int(cert.status)))
        cert.status = CertificateStatus.ACTIVE
        return self._status_event("CertificateReinstated", cert, CertificateAction.REINSTATED, reason)

    def _close(self, caller: str, cert_id: bytes, reason: int, status: CertificateStatus) -> Outcome:
        if reason == 0:
            return ("MissingReasonCode", ())
        cert = self._load_open(caller, cert_id)
        if not isinstance(cert, CertificateModel):
            return cert
        cert.status = status
        if status == CertificateStatus.REVOKED:
            return self._status_event("CertificateRevoked", cert, CertificateAction.REVOKED, reason)
        return self._status_event("CertificateAnnulled", cert, CertificateAction.ANNULLED, reason)

    def revoke(self, caller: str, cert_id: bytes, reason: int) -> Outcome:
        """Active|Suspended → Revoked (terminal)."""
        return self._close(caller, cert_id, reason, CertificateStatus.REVOKED)

    def annul(self, caller: str, cert_id: bytes, reason: int) -> Outcome:
        """Active|Suspended → Annulled (terminal)."""
        return self._close(caller, cert_id, reason, CertificateStatus.ANNULLED)

    def amend(self, caller: str, cert_id: bytes, terms: Terms, reason: int) -> Outcome:
        """New scope, flags, dates and document; status unchanged."""
        error = terms.error()
        if error:
            return error
        cert = self._load_open(caller, cert_id)
        if not isinstance(cert, CertificateModel):
            return cert
        consent_changed = (cert.terms.flags ^ terms.flags) & FLAG_CONSENT_WITHHELD
        cert.terms = terms
        cert.advance(CertificateAction.AMENDED, terms.document_hash, reason)
        consent = [
            _ev(
                "CertificateConsentChanged",
                id=cert_id,
                issuer=cert.issuer,
                sequence=cert.event_count,
                consent=not terms.flags & FLAG_CONSENT_WITHHELD,
            )
        ]
        return self._emit(
            [
                _ev(
                    "CertificateAmended",
                    id=cert_id,
                    issuer=cert.issuer,
                    sequence=cert.event_count,
                    programmes=terms.programmes,
                    roles=terms.roles,
                    flags=terms.flags,
                    validFrom=terms.valid_from,
                    validUntil=terms.valid_until,
                    documentHash=terms.document_hash,
                    reasonCode=reason,
                    head=cert.head,
                )
            ]
            + (consent if consent_changed else [])
        )

    def renew(self, caller: str, cert_id: bytes, valid_from: int, valid_until: int, document_hash: bytes) -> Outcome:
        """New validity period and document; scope and status unchanged."""
        if valid_until != 0 and valid_until <= valid_from:
            return ("InvalidValidity", (valid_from, valid_until))
        if document_hash == ZERO32:
            return ("EmptyDocumentHash", ())
        cert = self._load_open(caller, cert_id)
        if not isinstance(cert, CertificateModel):
            return cert
        cert.terms = cert.terms.with_(valid_from=valid_from, valid_until=valid_until, document_hash=document_hash)
        cert.advance(CertificateAction.RENEWED, document_hash, 0)
        return self._emit(
            [
                _ev(
                    "CertificateRenewed",
                    id=cert_id,
                    issuer=cert.issuer,
                    sequence=cert.event_count,
                    validFrom=valid_from,
                    validUntil=valid_until,
                    documentHash=document_hash,
                    head=cert.head,
                )
            ]
        )


def replay_certificate_heads(events: Iterable[Event]) -> dict[bytes, tuple[int, bytes, CertificateStatus]]:
    """What an auditor does: rebuild each certificate's (event count, head, status) from its events alone."""
    heads: dict[bytes, tuple[int, bytes, CertificateStatus]] = {}
    terms: dict[bytes, Terms] = {}
    status_of = {
        "CertificateSuspended": (CertificateAction.SUSPENDED, CertificateStatus.SUSPENDED),
        "CertificateReinstated": (CertificateAction.REINSTATED, CertificateStatus.ACTIVE),
        "CertificateRevoked": (CertificateAction.REVOKED, CertificateStatus.REVOKED),
        "CertificateAnnulled": (CertificateAction.ANNULLED, CertificateStatus.ANNULLED),
    }
    for name, args in events:
        if not name.startswith("Certificate") or name in ("CertificateEventAcknowledged", "CertificateConsentChanged"):
            continue
        cert_id = args["id"]
        count, head, status = heads.get(cert_id, (0, ZERO16, CertificateStatus.NONE))
        reason = 0
        document = ZERO32
        if name == "CertificateIssued":
            action, status = CertificateAction.ISSUED, CertificateStatus.ACTIVE
            terms[cert_id] = Terms(
                args["programmes"],
                args["roles"],
                args["flags"],
                args["validFrom"],
                args["validUntil"],
                args["documentHash"],
            )
            document = args["documentHash"]
        elif name == "CertificateAmended":
            action = CertificateAction.AMENDED
            terms[cert_id] = Terms(
                args["programmes"],
                args["roles"],
                args["flags"],
                args["validFrom"],
                args["validUntil"],
                args["documentHash"],
            )
            document, reason = args["documentHash"], args["reasonCode"]
        elif name == "CertificateRenewed":
            action = CertificateAction.RENEWED
            terms[cert_id] = terms[cert_id].with_(
                valid_from=args["validFrom"], valid_until=args["validUntil"], document_hash=args["documentHash"]
            )
            document = args["documentHash"]
        else:
            action, status = status_of[name]
            reason = args["reasonCode"]
        t = terms[cert_id]
        state = hashing.pack_state(int(status), t.programmes, t.roles, t.flags, t.valid_from, t.valid_until)
        count += 1
        assert name == "CertificateIssued" or args["sequence"] == count, f"{name} out of sequence"
        head = hashing.certificate_head(head, cert_id, count, int(action), state, document, reason)
        assert args["head"] == head, f"{name} #{count} of 0x{cert_id.hex()} carries a head the auditor cannot rebuild"
        heads[cert_id] = (count, head, status)
    return heads


# --------------------------------------------------------------------------------------------
# Model of MRAs
# --------------------------------------------------------------------------------------------

MAX_PARTIES = 16
MAX_LIVE_MRAS_PER_PAIR = 8


@dataclass
class MraModel:
    """One MRA as the model sees it."""

    id: int
    proposer: str
    parties: tuple[str, ...]
    programmes: int
    roles: int
    effective_from: int
    document_hash: bytes
    status: MraStatus = MraStatus.PROPOSED
    accepted: set[str] = field(default_factory=set)
    event_count: int = 0
    head: bytes = ZERO32

    @property
    def terms_hash(self) -> bytes:
        return hashing.mra_terms_hash(
            self.programmes, self.roles, self.effective_from, self.document_hash, self.parties
        )

    def advance(self, action: MraAction, actor: str, reason: int = 0) -> None:
        """Record one event from the current (new) status."""
        self.event_count += 1
        self.head = hashing.mra_head(
            self.head, self.id, self.event_count, int(action), actor, int(self.status), self.terms_hash, reason
        )

    @property
    def live(self) -> bool:
        """Every party accepted and not terminated."""
        return self.status in (MraStatus.ACTIVE, MraStatus.SUSPENDED)

    def in_force(self, now: int) -> bool:
        """Active and effective."""
        return self.status == MraStatus.ACTIVE and self.effective_from <= now

    def record(self) -> tuple[Any, ...]:
        """The expected return value of ``mra(id)``."""
        return (
            int(self.status),
            hashing.code_bytes(self.proposer),
            self.programmes,
            self.roles,
            self.effective_from,
            len(self.accepted),
            self.event_count,
            self.document_hash,
            self.head,
            self.terms_hash,
            [hashing.code_bytes(p) for p in self.parties],
        )


class MraBook:
    """Plain-Python model of the MRA registry (callers are assumed to be active signers)."""

    def __init__(self, active: Iterable[str]) -> None:
        self.active = set(active)
        self.mras: dict[int, MraModel] = {}
        self.events: list[Event] = []

    def _emit(self, event: Event) -> list[Event]:
        self.events.append(event)
        return [event]

    def live_between(self, a: str, b: str) -> set[int]:
        """Ids of the live MRAs joining ``a`` and ``b``."""
        if a == b:
            return set()
        return {m.id for m in self.mras.values() if m.live and a in m.parties and b in m.parties}

    def mras_of(self, administration: str) -> list[int]:
        """Ids of every MRA ``administration`` is party to, in proposal order."""
        return [m.id for m in self.mras.values() if administration in m.parties]

    def propose(
        self,
        caller: str,
        parties: Sequence[str],
        programmes: int,
        roles: int,
        effective_from: int,
        document_hash: bytes,
    ) -> Outcome:
        """Propose; the proposer's acceptance is implied."""
        if len(parties) < 2:
            return ("TooFewParties", (len(parties),))
        if len(parties) > MAX_PARTIES:
            return ("TooManyParties", (len(parties), MAX_PARTIES))
        if programmes == 0 or roles == 0:
            return ("InvalidMraScope", (programmes, roles))
        if document_hash == ZERO32:
            return ("EmptyMraDocument", ())
        seen: set[str] = set()
        for party in parties:
            if party not in self.active:
                return ("UnknownAdministration", (party,))
            if party in seen:
                return ("DuplicateParty", (party,))
            seen.add(party)
        if caller not in seen:
            return ("ProposerNotParty", (caller,))
        mra = MraModel(len(self.mras) + 1, caller, tuple(parties), programmes, roles, effective_from, document_hash)
        mra.accepted.add(caller)
        self.mras[mra.id] = mra
        mra.advance(MraAction.PROPOSED, caller)
        return self._emit(
            _ev(
                "MraProposed",
                mraId=mra.id,
                proposer=caller,
                parties=list(parties),
                programmes=programmes,
                roles=roles,
                effectiveFrom=effective_from,
                documentHash=document_hash,
                head=mra.head,
            )
        )

    def _for_party(self, caller: str, mra_id: int) -> MraModel | ErrorCall:
        mra = self.mras.get(mra_id)
        if mra is None:
            return ("UnknownMra", (mra_id,))
        if caller not in mra.parties:
            return ("NotMraParty", (mra_id, caller))
        return mra

    def accept(self, caller: str, mra_id: int) -> Outcome:
        """Accept; Active once every party has accepted (if no pair exceeds its live MRAs)."""
        mra = self._for_party(caller, mra_id)
        if not isinstance(mra, MraModel):
            return mra
        if mra.status != MraStatus.PROPOSED:
            return ("MraNotProposed", (mra_id, int(mra.status)))
        if caller in mra.accepted:
            return ("MraAlreadyAccepted", (mra_id, caller))
        if len(mra.accepted) + 1 == len(mra.parties):
            for i, a in enumerate(mra.parties):
                for b in mra.parties[i + 1 :]:
                    if len(self.live_between(a, b)) >= MAX_LIVE_MRAS_PER_PAIR:
                        return ("TooManyMrasBetween", (a, b, MAX_LIVE_MRAS_PER_PAIR))
            mra.status = MraStatus.ACTIVE
        mra.accepted.add(caller)
        mra.advance(MraAction.ACCEPTED, caller)
        return self._emit(
            _ev(
                "MraAccepted",
                mraId=mra_id,
                party=caller,
                sequence=mra.event_count,
                status=int(mra.status),
                head=mra.head,
            )
        )

    def suspend(self, caller: str, mra_id: int, reason: int) -> Outcome:
        """Active → Suspended."""
        if reason == 0:
            return ("MissingMraReason", ())
        mra = self._for_party(caller, mra_id)
        if not isinstance(mra, MraModel):
            return mra
        if mra.status != MraStatus.ACTIVE:
            return ("MraNotActive", (mra_id, int(mra.status)))
        mra.status = MraStatus.SUSPENDED
        mra.advance(MraAction.SUSPENDED, caller, reason)
        return self._emit(
            _ev("MraSuspended", mraId=mra_id, party=caller, sequence=mra.event_count, reasonCode=reason, head=mra.head)
        )

    def resume(self, caller: str, mra_id: int) -> Outcome:
        """Suspended → Active."""
        mra = self._for_party(caller, mra_id)
        if not isinstance(mra, MraModel):
            return mra
        if mra.status != MraStatus.SUSPENDED:
            return ("MraNotSuspended", (mra_id, int(mra.status)))
        mra.status = MraStatus.ACTIVE
        mra.advance(MraAction.RESUMED, caller)
        return self._emit(_ev("MraResumed", mraId=mra_id, party=caller, sequence=mra.event_count, head=mra.head))

    def terminate(self, caller: str, mra_id: int, reason: int) -> Outcome:
        """Any non-terminated status → Terminated (final)."""
        if reason == 0:
            return ("MissingMraReason", ())
        mra = self._for_party(caller, mra_id)
        if not isinstance(mra, MraModel):
            return mra
        if mra.status == MraStatus.TERMINATED:
            return ("MraAlreadyTerminated", (mra_id,))
        mra.status = MraStatus.TERMINATED
        mra.advance(MraAction.TERMINATED, caller, reason)
        return self._emit(
            _ev("MraTerminated", mraId=mra_id, party=caller, sequence=mra.event_count, reasonCode=reason, head=mra.head)
        )

    def recognition(self, cert: CertificateModel | None, recognizer: str, now: int) -> tuple[bool, int, set[int]]:
        """(recognised, programmes, the MRAs that grant it) as defined by IRecognition."""
        if cert is None or not cert.valid_at(now) or recognizer == cert.issuer:
            return False, 0, set()
        if cert.terms.flags & FLAG_CONSENT_WITHHELD:  # the operator withholds consent: no partner recognises it
            return False, 0, set()
        programmes = 0
        granting: set[int] = set()
        for mra_id in self.live_between(cert.issuer, recognizer):
            mra = self.mras[mra_id]
            overlap = mra.programmes & cert.terms.programmes
            if mra.in_force(now) and overlap and mra.roles & cert.terms.roles:
                programmes |= overlap
                granting.add(mra_id)
        return programmes != 0, programmes, granting


def mra_record(d: Deployment, mra_id: int) -> tuple[Any, ...]:
    """``mra(id)`` as a comparable tuple (the parties as a list of ``bytes2``)."""
    raw = d.functions.mra(mra_id).call()
    return (
        *(normalize("bytes32", v) if isinstance(v, bytes) and len(v) == 32 else v for v in raw[:10]),
        [bytes(p) for p in raw[10]],
    )


def cert_record(d: Deployment, cert_id: bytes) -> tuple[Any, ...]:
    """``certificate(id)`` as a comparable tuple."""
    return tuple(bytes(v) if isinstance(v, bytes) else v for v in d.functions.certificate(cert_id).call())


def expected_events(d: Deployment, outcome: Outcome) -> list[Event]:
    """The model's predicted events, normalised like decoded ones."""
    assert isinstance(outcome, list), f"the model predicts a revert: {outcome}"
    return [d.event(name, **args) for name, args in outcome]
