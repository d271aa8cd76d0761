"""A governance proposal file: one Safe transaction, what it does, and the owners' signatures so far.

``prepare`` writes it, each owner adds a signature offline (``sign``: only the file and the owner's
keystore are needed), ``execute`` submits it once the threshold is met and records the outcome::

    {"format": "aeo-ledger/safe-proposal/1", "description": "freeze administration CR",
     "action": {"name": "freeze", "arguments": {"code": "CR"}},
     "chain_id": 31337, "safe": "0x…", "ledger": "0x…", "owners": ["0x…", …], "threshold": 3,
     "transaction": {"to": "0x…", "value": 0, "data": "0x…", "operation": 0, "safe_tx_gas": 0, "base_gas": 0,
                     "gas_price": 0, "gas_token": "0x0…", "refund_receiver": "0x0…", "nonce": 7},
     "safe_tx_hash": "0x…", "signatures": {"0xOwner": "0x<65 bytes>"}, "executed": null}

Every read re-derives the safeTxHash from the fields and refuses a file whose hash or signatures do
not match them (an edited file cannot collect or carry signatures of something else).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address

from ledger_client.governance.actions import Action
from ledger_client.governance.errors import NotAnOwnerError, ProposalFileError
from ledger_client.governance.safetx import SafeTx, recover, sign
from ledger_client.signers import Signer

FORMAT = "aeo-ledger/safe-proposal/1"


@dataclass(frozen=True)
class Execution:
    """Where an executed proposal landed."""

    tx_hash: str
    block_number: int
    executor: str


@dataclass(frozen=True)
class Proposal:
    """One Safe transaction of the ledger's governance, with the owners' signatures collected so far."""

    action: Action
    transaction: SafeTx
    ledger: str
    owners: tuple[str, ...]
    threshold: int
    signatures: dict[str, bytes] = field(default_factory=dict)
    executed: Execution | None = None

    @property
    def safe_tx_hash(self) -> bytes:
        """The EIP-712 hash the owners sign."""
        return self.transaction.safe_tx_hash()

    @property
    def description(self) -> str:
        """What the proposal does, in words."""
        return self.action.describe()

    def missing(self) -> int:
        """How many more signatures the threshold needs (as recorded at preparation)."""
        return max(0, self.threshold - len(self.signatures))

    def signed_by(self, signer: Signer) -> Proposal:
        """This proposal with ``signer``'s signature added; :class:`NotAnOwnerError` unless it is an owner."""
        if self.executed is not None:
            raise ProposalFileError(
                f"the proposal was executed in transaction {self.executed.tx_hash}: nothing to sign"
            )
        if signer.address not in self.owners:
            raise NotAnOwnerError(
                f"{signer.address} is not an owner of the Safe {self.transaction.safe}; its owners are "
                f"{', '.join(self.owners)}"
            )
        return replace(self, signatures={**self.signatures, signer.address: sign(self.transaction, signer)})

    def to_json(self) -> dict[str, Any]:
        """The file's JSON object."""
        t = self.transaction
        return {
            "format": FORMAT,
            "description": self.description,
            "action": {"name": self.action.name, "arguments": dict(self.action.arguments)},
            "chain_id": t.chain_id,
            "safe": t.safe,
            "ledger": self.ledger,
            "owners": list(self.owners),
            "threshold": self.threshold,
            "transaction": {
                "to": t.to,
                "value": t.value,
                "data": "0x" + t.data.hex(),
                "operation": t.operation,
                "safe_tx_gas": t.safe_tx_gas,
                "base_gas": t.base_gas,
                "gas_price": t.gas_price,
                "gas_token": t.gas_token,
                "refund_receiver": t.refund_receiver,
                "nonce": t.nonce,
            },
            "safe_tx_hash": "0x" + self.safe_tx_hash.hex(),
            "signatures": {owner: "0x" + s.hex() for owner, s in sorted(self.signatures.items())},
            "executed": None if self.executed is None else vars(self.executed),
        }

    @classmethod
    def from_json(cls, data: Any, source: str = "proposal") -> Proposal:
        """Parse and check a proposal file's object; :class:`ProposalFileError` names what is wrong."""
        try:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ProposalFileError(f"{source} is not a governance proposal ({FORMAT})")
            raw, tx = data["action"], data["transaction"]
            action = Action.of(str(raw["name"]), **{str(k): str(v) for k, v in dict(raw["arguments"]).items()})
            transaction = SafeTx(
                chain_id=int(data["chain_id"]),
                safe=_address(data["safe"], "safe"),
                to=_address(tx["to"], "transaction.to"),
                data=bytes.fromhex(str(tx["data"]).removeprefix("0x")),
                nonce=int(tx["nonce"]),
                value=int(tx["value"]),
                operation=int(tx["operation"]),
                safe_tx_gas=int(tx["safe_tx_gas"]),
                base_gas=int(tx["base_gas"]),
                gas_price=int(tx["gas_price"]),
                gas_token=_address(tx["gas_token"], "transaction.gas_token"),
                refund_receiver=_address(tx["refund_receiver"], "transaction.refund_receiver"),
            )
            signatures = {
                _address(owner, "signature owner"): bytes.fromhex(str(value).removeprefix("0x"))
                for owner, value in dict(data["signatures"]).items()
            }
            executed = None if data.get("executed") is None else Execution(**data["executed"])
            proposal = cls(
                action,
                transaction,
                _address(data["ledger"], "ledger"),
                tuple(_address(o, "owner") for o in data["owners"]),
                int(data["threshold"]),
                signatures,
                executed,
            )
        except ProposalFileError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ProposalFileError(f"{source} is malformed: {type(exc).__name__}: {exc}") from exc
        proposal.check(str(data.get("safe_tx_hash", "")), source)
        return proposal

    def check(self, recorded_hash: str, source: str) -> None:
        """The fields hash to ``recorded_hash``, the call is the action's, every signature is its owner's."""
        if recorded_hash.lower() != "0x" + self.safe_tx_hash.hex():
            raise ProposalFileError(
                f"{source}: its fields hash to 0x{self.safe_tx_hash.hex()}, not the safe_tx_hash {recorded_hash} it "
                "records (the file was edited): prepare it again"
            )
        if self.transaction.data != self.action.calldata() or self.transaction.to != self.ledger:
            raise ProposalFileError(f"{source}: its transaction is not the call of the ledger its action describes")
        for owner, signature in self.signatures.items():
            if recover(self.safe_tx_hash, signature) != owner:
                raise NotAnOwnerError(f"{source}: the signature filed under {owner} is not {owner}'s signature of it")


def _address(value: object, what: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise ProposalFileError(f"{what} {value!r} is not an address")
    return to_checksum_address(value)


def read_proposal(path: Path) -> Proposal:
    """The proposal in ``path``, checked."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ProposalFileError(f"cannot read the proposal {path}: {exc}") from exc
    return Proposal.from_json(data, str(path))


def write_proposal(proposal: Proposal, path: Path, *, overwrite: bool = True) -> None:
    """Write ``proposal`` to ``path`` atomically (refusing an existing file unless ``overwrite``)."""
    if path.exists() and not overwrite:
        raise ProposalFileError(f"{path} exists: choose another --out, or remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(proposal.to_json(), indent=1) + "\n")
    os.replace(temporary, path)
