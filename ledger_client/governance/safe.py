"""A Safe (1.4.1) on the chain: deployment (singleton, proxy factory, the consortium's proxy), reads, execution.

Everything is signed locally and sent through the library's :class:`~ledger_client.transactions.TransactionSender`
(nonces, fees, receipts), so it works on every backend: in-memory, the embedded node, anvil, Besu.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from ledger_client.chain import Chain, Receipt
from ledger_client.errors import LedgerError, TransactionFailedError
from ledger_client.governance.artifacts import VERSION, load_safe_artifact
from ledger_client.governance.errors import NotASafeError, ProposalFileError
from ledger_client.governance.safetx import ZERO_ADDRESS, SafeTx
from ledger_client.settings import GasStrategy
from ledger_client.signers import Signer
from ledger_client.transactions import SentTransaction, TransactionSender

#: Gas of each step when the backend does not estimate (the embedded chain): measured x ~1.5.
GAS_SINGLETON = 7_000_000
GAS_FACTORY = 1_500_000
GAS_PROXY = 800_000
#: A Safe transaction: the ledger's most expensive governance write (recovery, ~350k modelled) plus
#: the Safe's own work (signature checks, nonce, events).
GAS_EXEC = 600_000

SETUP = "setup(address[],uint256,address,bytes,address,address,uint256,address)"
CREATE_PROXY = "createProxyWithNonce(address,bytes,uint256)"
EXEC = "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"
GET_TRANSACTION_HASH = "getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,uint256)"
PROXY_CREATION = keccak(text="ProxyCreation(address,address)")
EXECUTION_SUCCESS = keccak(text="ExecutionSuccess(bytes32,uint256)")

#: Safe's revert reasons (``GS0xx``) the executor may still meet, in words.
SAFE_REASONS = {
    "GS013": "the ledger refused the governance call",
    "GS020": "the signatures are too short for the threshold",
    "GS025": "a signature is not a valid approval of this safeTxHash",
    "GS026": "a signature is not by an owner, or the signatures are not sorted by owner",
}


def selector(signature: str) -> bytes:
    """The 4-byte function selector of ``name(type,…)``."""
    return keccak(text=signature)[:4]


def calldata(signature: str, *arguments: Any) -> bytes:
    """ABI-encoded call of ``signature`` with ``arguments``."""
    types = signature[signature.index("(") + 1 : -1]
    return selector(signature) + abi_encode([t for t in types.split(",") if t], list(arguments))


@dataclass(frozen=True)
class SafeState:
    """What the chain says of a Safe now."""

    address: str
    version: str
    owners: tuple[str, ...]
    threshold: int
    nonce: int


class Safe:
    """Reads of one Safe proxy, and ``execTransaction``."""

    def __init__(self, chain: Chain, address: str) -> None:
        if not is_address(address):
            raise NotASafeError(f"{address!r} is not an address")
        self.chain = chain
        self.address = to_checksum_address(address)

    def _call(self, signature: str, output: list[str], *arguments: Any) -> tuple[Any, ...]:
        return tuple(abi_decode(output, self.chain.call(self.address, calldata(signature, *arguments))))

    def state(self) -> SafeState:
        """Version, owners, threshold and nonce; :class:`NotASafeError` when the address holds no Safe 1.4.1."""
        if not self.chain.get_code(self.address):
            raise NotASafeError(f"{self.address} holds no contract: it is not a Safe (an EOA governance key?)")
        try:
            (version,) = self._call("VERSION()", ["string"])
            (owners,) = self._call("getOwners()", ["address[]"])
            (threshold,) = self._call("getThreshold()", ["uint256"])
            (nonce,) = self._call("nonce()", ["uint256"])
        except (LedgerError, ValueError) as exc:
            raise NotASafeError(f"{self.address} does not answer as a Safe: {exc}") from exc
        if version != VERSION:
            raise NotASafeError(f"{self.address} is a Safe {version}; the ledger's governance speaks Safe {VERSION}")
        return SafeState(
            self.address, str(version), tuple(to_checksum_address(o) for o in owners), int(threshold), int(nonce)
        )

    def transaction_hash(self, transaction: SafeTx) -> bytes:
        """The Safe's own ``getTransactionHash`` of ``transaction`` (to cross-check the local EIP-712 hash)."""
        (digest,) = self._call(
            GET_TRANSACTION_HASH,
            ["bytes32"],
            *transaction.exec_arguments(b"")[:9],
            transaction.nonce,
        )
        return bytes(digest)

    def execute(
        self, sender: TransactionSender, executor: Signer, transaction: SafeTx, signatures: bytes
    ) -> SentTransaction:
        """``execTransaction`` signed and paid by ``executor`` (any account); raises the decoded refusal."""
        data = calldata(EXEC, *transaction.exec_arguments(signatures))
        try:
            gas = sender.preflight(executor, self.address, data, gas_model=GAS_EXEC)
            sent = sender.confirm(executor, sender.send(executor, self.address, data, gas), self.address, data)
        except TransactionFailedError as exc:
            raise _explained(exc) from exc
        if not any(log.topics and log.topics[0] == EXECUTION_SUCCESS for log in sent.receipt.logs):
            raise TransactionFailedError(f"Safe transaction 0x{sent.tx_hash.hex()} landed without ExecutionSuccess")
        return sent


def _explained(exc: TransactionFailedError) -> TransactionFailedError:
    text = str(exc)
    for code, meaning in SAFE_REASONS.items():
        if code in text:
            return TransactionFailedError(f"the Safe refused the transaction ({code}: {meaning}): {text}")
    return exc


@dataclass(frozen=True)
class SafeDeployment:
    """The consortium's Safe: its proxy, singleton and factory, owners and threshold at creation."""

    chain_id: int
    safe: str
    singleton: str
    factory: str
    owners: tuple[str, ...]
    threshold: int
    version: str = VERSION

    def save(self, path: Path) -> None:
        """Write as JSON (atomically)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        data = asdict(self)
        data["owners"] = list(self.owners)
        temporary.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> SafeDeployment:
        """Read what :meth:`save` wrote."""
        try:
            data = json.loads(path.read_text())
            return cls(**{**data, "owners": tuple(data["owners"])})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProposalFileError(f"cannot read the Safe deployment {path}: {exc}") from exc


def _create(sender: TransactionSender, deployer: Signer, bytecode: bytes, gas_model: int) -> str:
    gas = _gas(sender, deployer, None, bytecode, gas_model)
    sent = sender.confirm(deployer, sender.send(deployer, None, bytecode, gas), None, bytecode)
    if sent.receipt.contract_address is None:
        raise TransactionFailedError(f"deployment 0x{sent.tx_hash.hex()} created no contract")
    return to_checksum_address(sent.receipt.contract_address)


def _gas(sender: TransactionSender, signer: Signer, to: str | None, data: bytes, gas_model: int) -> int:
    if sender.gas_strategy is GasStrategy.ESTIMATE:
        return min(
            int(sender.chain.estimate_gas(to, data, signer.address) * sender.gas_margin) + 10_000, sender.max_gas()
        )
    return min(gas_model, sender.max_gas())


def check_owners(owners: Sequence[str], threshold: int) -> tuple[str, ...]:
    """Checksummed, distinct, non-zero owners and 1 ≤ threshold ≤ owners; :class:`ValueError` subclass otherwise."""
    from ledger_client.errors import LedgerValueError

    checked = []
    for owner in owners:
        if not is_address(owner) or int(owner, 16) == 0:
            raise LedgerValueError(f"Safe owner {owner!r} is not a non-zero address")
        checked.append(to_checksum_address(owner))
    if len(set(checked)) != len(checked):
        raise LedgerValueError("the Safe's owners must be distinct")
    if not 1 <= threshold <= len(checked):
        raise LedgerValueError(f"the threshold must be 1..{len(checked)} (the number of owners), got {threshold}")
    return tuple(checked)


def deploy_safe(
    sender: TransactionSender, deployer: Signer, owners: Sequence[str], threshold: int, *, salt_nonce: int = 0
) -> SafeDeployment:
    """Deploy Safe's singleton (``SafeL2``) and ``SafeProxyFactory`` from the npm artifacts, then the
    consortium's Safe: a proxy set up with ``owners`` and ``threshold`` (no modules, no fallback handler)."""
    checked = check_owners(owners, threshold)
    singleton = _create(sender, deployer, load_safe_artifact("SafeL2").bytecode, GAS_SINGLETON)
    factory = _create(sender, deployer, load_safe_artifact("SafeProxyFactory").bytecode, GAS_FACTORY)
    setup = calldata(SETUP, list(checked), threshold, ZERO_ADDRESS, b"", ZERO_ADDRESS, ZERO_ADDRESS, 0, ZERO_ADDRESS)
    data = calldata(CREATE_PROXY, singleton, setup, salt_nonce)
    gas = _gas(sender, deployer, factory, data, GAS_PROXY)
    sent = sender.confirm(deployer, sender.send(deployer, factory, data, gas), factory, data)
    safe = _created_proxy(sent.receipt, factory)
    state = Safe(sender.chain, safe).state()
    if set(state.owners) != set(checked) or state.threshold != threshold:
        raise TransactionFailedError(
            f"the Safe {safe} was not set up as asked (owners {state.owners}, threshold {state.threshold})"
        )
    return SafeDeployment(sender.chain.chain_id, safe, singleton, factory, checked, threshold)


def _created_proxy(receipt: Receipt, factory: str) -> str:
    for log in receipt.logs:
        if to_checksum_address(log.address) == factory and log.topics and log.topics[0] == PROXY_CREATION:
            return to_checksum_address(log.topics[1][-20:])
    raise TransactionFailedError(f"the proxy factory's transaction 0x{receipt.transaction_hash.hex()} created no Safe")
