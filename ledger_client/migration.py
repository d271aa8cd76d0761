"""Carrying a deployment's full state to a new contract version (issue #14), by replay.

Every write to the ledger is time-independent and every history head is a pure function of
the events before it (certificate ids derive from issuer and number, MRA ids are sequential,
the MRA head's actor is the party code, not an address). So re-sending every successful
transaction of the old deployment, in chain order, from the same accounts, to the new
deployment reproduces the state *and the history heads bit for bit*: an old head stays
provable because the new contract holds the very same head, and the old deployment (address
and block pinned in the :class:`MigrationRecord`) still answers for the old events.

Limits (explicit): the replay needs the key of every original sender (in the embedded/dev chain
they are local); a transaction relayed through another contract (e.g. a governance Safe) is
refused, not guessed; the old deployment must be quiet during the migration (the record pins
the block the state was read at, and :func:`verify_migration` compares at that block).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledger_client.errors import LedgerError
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer


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


def migrate(old: Ledger, new: Ledger, signers: Mapping[str, Signer]) -> MigrationRecord:
    """Replay every write of ``old`` on ``new`` (a fresh deployment with the same governance).

    ``signers`` maps checksummed addresses to their keys. Returns the migration record after
    :func:`verify_migration` found the two deployments equal.
    """
    if new.administrations.codes():
        raise MigrationError(f"the new deployment {new.deployment.address} is not empty")
    if new.administrations.governance() != old.administrations.governance():
        raise MigrationError("the new deployment must have the old deployment's governance address")
    block = old.chain.block_number()
    keys = {address.lower(): signer for address, signer in signers.items()}
    hashes = transactions_of(old, block)
    for tx_hash in hashes:
        fields = old.chain.transaction(tx_hash)
        if fields is None:
            raise MigrationError(f"the node no longer holds transaction 0x{tx_hash.hex()}")
        if fields.to is None or fields.to.lower() != old.deployment.address.lower():
            raise MigrationError(
                f"transaction 0x{tx_hash.hex()} reached the ledger through {fields.to}: relayed writes are not replayed"
            )
        signer = keys.get(fields.sender.lower())
        if signer is None:
            raise MigrationError(f"no key for {fields.sender}, the sender of 0x{tx_hash.hex()}")
        new.context.sender.transact(signer, new.deployment.address, fields.data)
    record = MigrationRecord(
        old_address=old.deployment.address,
        new_address=new.deployment.address,
        chain_id=old.chain.chain_id,
        old_block=block,
        old_block_hash="0x" + old.chain.block(block).hash.hex(),
        transactions=len(hashes),
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
    fill the record's id maps and heads. Raises :class:`MigrationError` on the first difference."""
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
    same("acknowledgements", sorted(acks), sorted(_acknowledgements(new, "latest")))
    for cid, partner, sequence in acks:
        same(
            f"acknowledgement {partner} 0x{cid.hex()}#{sequence}",
            True,
            new.recognition.is_acknowledged(cid, partner, sequence),
        )
