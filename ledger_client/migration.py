"""Carrying a deployment's full state to a new contract version (issue #14), by replay.

Every write to the ledger is time-independent and every history head is a pure function of
the events before it (certificate ids derive from issuer and number, MRA ids are sequential,
the MRA head's actor is the party code, not an address). So re-sending every successful
transaction of the old deployment, in chain order, from the same accounts, to the new
deployment reproduces the state *and the history heads bit for bit*: an old head stays
provable because the new contract holds the very same head, and the old deployment (address
and block pinned in the :class:`MigrationRecord`) still answers for the old events.

A governance write relayed through the consortium's Safe (``execTransaction`` whose one call is
the old ledger's) is re-executed through that same Safe on the new deployment: a new Safe
transaction calling the new ledger with the same data, signed by the Safe's threshold of owners
(their keys among ``signers``) and submitted by the original sender. :func:`plan_migration`
checks all of it before anything is sent.

Across a change of the contract's sources the old deployment is read with its own version's
artifact (a known earlier version, :data:`ledger_client.artifacts.PREVIOUS`; the client opens it
read-only) and each of its writes is translated to the current ABI by that version's
:class:`~ledger_client.translation.Translation` while the plan is made: a write without a
translation refuses the migration before anything is sent. Verification reads the old deployment
with its artifact and the new one with the current one and compares what must be equal.

Limits (explicit): the replay needs the key of every original sender (and, for Safe-relayed
writes, of enough Safe owners); a transaction relayed through any other contract is refused, not
guessed; the new deployment runs the client's current version; the old deployment must be
quiet during the migration (the record pins the block the state was read at, and
:func:`verify_migration` compares at that block).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode

from ledger_client.artifacts import version_label
from ledger_client.codec import ledger_codec
from ledger_client.deployment import earlier_version
from ledger_client.errors import LedgerError
from ledger_client.governance.safe import EXEC, Safe, selector
from ledger_client.governance.safetx import CALL, SafeTx, pack, sign
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer
from ledger_client.translation import TranslationError, translate, translation_for


class MigrationError(LedgerError):
    """The old deployment cannot be replayed (missing key, relayed transaction) or differs after."""


@dataclass
class MigrationRecord:
    """Pins the old deployment and maps its ids to the new one's (identities, checked)."""

    old_address: str
    new_address: str
    chain_id: int
    old_block: int
    old_block_hash: str
    transactions: int
    #: of ``transactions``, the governance writes re-executed through the governance Safe
    relayed: int = 0
    #: the ``sourcesSha256`` of the old and the new deployment's contract ("" in earlier records)
    old_sources_sha256: str = ""
    new_sources_sha256: str = ""
    acknowledgements: int = 0
    certificates: dict[str, str] = field(default_factory=dict)
    mras: dict[str, int] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        """Write the record as sorted JSON."""
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        with partial.open("w") as out:  # written aside, then renamed: a crash never leaves a torn record
            out.write(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
        return target


def _logs(ledger: Ledger, to_block: int) -> list[Any]:
    logs = ledger.chain.get_logs(ledger.deployment.address, [], ledger.deployment.deployment_block, to_block)
    return sorted(logs, key=lambda log: (log.block_number, log.log_index))


def transactions_of(ledger: Ledger, to_block: int) -> list[bytes]:
    """The hashes of the successful transactions that wrote to the ledger, in chain order."""
    seen: dict[bytes, None] = {}
    for log in _logs(ledger, to_block):
        seen.setdefault(bytes(log.transaction_hash), None)
    return list(seen)


EXEC_SELECTOR = selector(EXEC)
EXEC_TYPES = EXEC[EXEC.index("(") + 1 : -1].split(",")


@dataclass(frozen=True)
class Step:
    """One write to replay: ``data`` for the ledger, sent by ``sender`` directly or through the Safe."""

    tx_hash: bytes
    sender: str
    data: bytes
    via_safe: bool


@dataclass(frozen=True)
class MigrationPlan:
    """What :func:`migrate` will send, read from the old deployment up to ``block``."""

    block: int
    steps: tuple[Step, ...]
    #: the governance Safe's owners whose keys sign the relayed writes (empty: none relayed)
    safe_owners: tuple[str, ...] = ()
    #: the old deployment's version, as errors and the CLI name it (its steps are translated from it)
    version: str = ""

    @property
    def relayed(self) -> int:
        """How many steps go through the governance Safe."""
        return sum(step.via_safe for step in self.steps)

    @property
    def senders(self) -> tuple[str, ...]:
        """The original senders, in order of first appearance."""
        return tuple(dict.fromkeys(step.sender for step in self.steps))


def relayed_call(old: Ledger, tx_hash: bytes, data: bytes) -> bytes:
    """The ledger calldata of a Safe ``execTransaction`` that called the old ledger; refused otherwise."""
    where = f"transaction 0x{tx_hash.hex()} reached the ledger through the governance Safe"
    if data[:4] != EXEC_SELECTOR:
        raise MigrationError(f"{where} but is not an execTransaction: it is not replayed")
    to, value, inner, operation = abi_decode(EXEC_TYPES, data[4:])[:4]
    if str(to).lower() != old.deployment.address.lower() or int(value) != 0 or int(operation) != CALL:
        raise MigrationError(f"{where} but does not simply call the ledger (to {to}, operation {operation})")
    return bytes(inner)


def translator(old: Ledger) -> Callable[[bytes, bytes], bytes]:
    """``(tx hash, old calldata) -> calldata for the current version``: unchanged when ``old`` runs the
    current version, else its version's translation (:mod:`ledger_client.translation`)."""
    deployment = old.deployment
    if earlier_version(deployment) is None:
        return lambda tx_hash, data: data
    try:
        translation = translation_for(deployment.contract, deployment.sources_sha256)
    except TranslationError as exc:
        raise MigrationError(str(exc)) from exc
    current = ledger_codec(deployment.contract)

    def carry(tx_hash: bytes, data: bytes) -> bytes:
        try:
            return translate(old.context.codec, current, translation, data)
        except TranslationError as exc:
            raise MigrationError(
                f"transaction 0x{tx_hash.hex()} of the old deployment cannot be sent to the current version, "
                f"nothing is sent: {exc}"
            ) from exc

    return carry


def plan_migration(old: Ledger, signers: Mapping[str, Signer], *, block: int | None = None) -> MigrationPlan:
    """Every write of ``old`` up to ``block`` (default: the latest), translated to the current
    version, and the keys they need.

    Raises :class:`MigrationError` before anything is sent: naming every original sender whose key
    is not in ``signers``, a write relayed through another contract than the governance Safe, a
    write of an earlier version without a translation, or fewer Safe owners' keys than the Safe's
    threshold.
    """
    at = old.chain.block_number() if block is None else block
    governance = old.administrations.governance().lower()
    carry = translator(old)
    version = version_label(old.deployment.contract, old.deployment.sources_sha256)
    steps: list[Step] = []
    for tx_hash in transactions_of(old, at):
        fields = old.chain.transaction(tx_hash)
        if fields is None:
            raise MigrationError(f"the node no longer holds transaction 0x{tx_hash.hex()}")
        to = (fields.to or "").lower()
        if to == old.deployment.address.lower():
            steps.append(Step(tx_hash, fields.sender, carry(tx_hash, bytes(fields.data)), via_safe=False))
        elif to == governance:
            inner = relayed_call(old, tx_hash, bytes(fields.data))
            steps.append(Step(tx_hash, fields.sender, carry(tx_hash, inner), via_safe=True))
        else:
            raise MigrationError(
                f"transaction 0x{tx_hash.hex()} reached the ledger through {fields.to}, which is neither the "
                "ledger nor its governance Safe: relayed writes are not replayed"
            )
    plan = MigrationPlan(at, tuple(steps), version=version)
    keys = {address.lower() for address in signers}
    missing = [sender for sender in plan.senders if sender.lower() not in keys]
    if missing:
        raise MigrationError(
            f"no key for {len(missing)} original sender(s) of the old deployment: {', '.join(missing)} "
            "(the replay sends each write from its original account)"
        )
    if not plan.relayed:
        return plan
    state = Safe(old.chain, old.administrations.governance()).state()
    owners = tuple(owner for owner in state.owners if owner.lower() in keys)
    if len(owners) < state.threshold:
        lacking = [owner for owner in state.owners if owner.lower() not in keys]
        raise MigrationError(
            f"{plan.relayed} governance write(s) go through the Safe {state.address}, which needs "
            f"{state.threshold} owners' keys; {len(owners)} given (missing: {', '.join(lacking)})"
        )
    return MigrationPlan(at, plan.steps, owners[: state.threshold], version)


def _through_safe(new: Ledger, executor: Signer, owners: list[Signer], data: bytes) -> None:
    safe = Safe(new.chain, new.administrations.governance())
    nonce = safe.state().nonce
    transaction = SafeTx(new.chain.chain_id, safe.address, new.deployment.address, data, nonce)
    signatures = {owner.address: sign(transaction, owner) for owner in owners}
    safe.execute(new.context.sender, executor, transaction, pack(signatures))
    new.context.forget_codes()


def migrate(
    old: Ledger, new: Ledger, signers: Mapping[str, Signer], *, plan: MigrationPlan | None = None
) -> MigrationRecord:
    """Replay every write of ``old`` on ``new`` (a fresh deployment with the same governance).

    ``signers`` maps checksummed addresses to their keys (original senders, and Safe owners when
    governance writes were relayed through the Safe); ``plan`` is :func:`plan_migration`'s (made
    now when not given). Returns the migration record after :func:`verify_migration` found the two
    deployments equal.
    """
    if new.context.read_only is not None:
        raise MigrationError(f"the new deployment must run the current version: {new.context.read_only}")
    if new.administrations.codes():
        raise MigrationError(f"the new deployment {new.deployment.address} is not empty")
    if new.administrations.governance() != old.administrations.governance():
        raise MigrationError("the new deployment must have the old deployment's governance address")
    plan = plan or plan_migration(old, signers)
    keys = {address.lower(): signer for address, signer in signers.items()}
    owners = [keys[owner.lower()] for owner in plan.safe_owners]
    for step in plan.steps:
        signer = keys[step.sender.lower()]
        if step.via_safe:
            _through_safe(new, signer, owners, step.data)
        else:
            new.context.sender.transact(signer, new.deployment.address, step.data)
    record = MigrationRecord(
        old_address=old.deployment.address,
        new_address=new.deployment.address,
        chain_id=old.chain.chain_id,
        old_block=plan.block,
        old_block_hash="0x" + old.chain.block(plan.block).hash.hex(),
        transactions=len(plan.steps),
        relayed=plan.relayed,
        old_sources_sha256=old.deployment.sources_sha256,
        new_sources_sha256=new.deployment.sources_sha256,
    )
    verify_migration(old, new, record)
    return record


def _certificate_ids(ledger: Ledger, to_block: int) -> list[bytes]:
    topic = ledger.context.codec.topic("CertificateIssued")
    logs = ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block, to_block)
    return [bytes(log.topics[1]) for log in logs]


def _acknowledgements(ledger: Ledger, to_block: int | str) -> list[tuple[bytes, str, int]]:
    topic = ledger.context.codec.topic("CertificateEventAcknowledged")
    logs = ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block, to_block)
    found = []
    for log in logs:
        decoded = ledger.context.codec.decode_log(log.topics, log.data)
        assert decoded is not None
        args = decoded[1]
        found.append((bytes(args["id"]), bytes(args["partner"]).decode("ascii"), int(args["sequence"])))
    return found


def verify_migration(old: Ledger, new: Ledger, record: MigrationRecord) -> None:
    """Compare every administration, exchange key, certificate (terms, status, history head),
    MRA, acknowledgement and recognition answer of ``old`` (at the pinned block) and ``new``;
    fill the record's id maps and heads. Raises :class:`MigrationError` on the first difference.

    Each side is read with its own version's ABI (``old.context.codec``: an earlier version's
    artifact when it runs one). An earlier version without exchange keys reads as having none
    published, which the new deployment must match. Every compared value must be equal, heads
    included: the versions this client knows hash the same fields into every head (see
    :mod:`ledger_client.translation`)."""
    block = record.old_block
    head = old.chain.block_number()
    if head > block and old.chain.get_logs(old.deployment.address, [], block + 1, head):
        raise MigrationError(
            f"the old deployment was written after block {block}, the block the migration read: "
            "quiet it and migrate again"
        )

    def same(what: str, before: object, after: object) -> None:
        if before != after:
            raise MigrationError(f"{what} differs after the migration: {before!r} != {after!r}")

    codes = old.administrations.codes()
    same("administration codes", codes, new.administrations.codes())
    for code in codes:
        same(f"administration {code}", old.administrations.get(code), new.administrations.get(code))
        same(f"exchange key of {code}", old.administrations.exchange_key(code), new.administrations.exchange_key(code))
    for cid in _certificate_ids(old, block):
        before = old.certificates.get(cid, block=block)
        same(f"certificate 0x{cid.hex()}", before, new.certificates.get(cid))
        record.certificates["0x" + cid.hex()] = "0x" + cid.hex()
        record.heads["0x" + cid.hex()] = "0x" + before.head.hex()
        for code in codes:
            if code != before.issuer:
                same(
                    f"recognition of 0x{cid.hex()} by {code}",
                    old.recognition.now(cid, code),
                    new.recognition.now(cid, code),
                )
    (count,) = old.context.call("mraCount", block=block)
    same("MRA count", int(count), new.mras.count())
    for mra_id in range(1, int(count) + 1):
        same(f"MRA {mra_id}", old.mras.get(mra_id, block=block), new.mras.get(mra_id))
        record.mras[str(mra_id)] = mra_id
    acks = _acknowledgements(old, block)
    record.acknowledgements = len(acks)
    same("acknowledgements", sorted(acks), sorted(_acknowledgements(new, "latest")))
    for cid, partner, sequence in acks:
        same(
            f"acknowledgement {partner} 0x{cid.hex()}#{sequence}",
            True,
            new.recognition.is_acknowledged(cid, partner, sequence),
        )
