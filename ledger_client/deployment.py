"""Deploying the ledger contract and the deployment manifest ``deployments/<name>.json``.

The manifest records where the ledger lives and what it is: chain id, address, deployment
block and its hash (a node restarted empty, or another chain behind the same URL, has another
block there: see :mod:`ledger_client.guard`), and two hashes — the artifact's
``sourcesSha256`` (which Solidity sources it was built from) and the sha256 of the code actually
at the address (runtime bytecode with immutables).
:func:`verify_deployment` checks all of it on connect, so a client never talks to the wrong
chain, an empty address, or a contract built from other sources than its ABI. A deployment of a
known earlier version (:data:`ledger_client.artifacts.PREVIOUS`) is accepted with that version's
artifact, read-only (:func:`earlier_version`): reads, events and audits work, writes are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address

from ledger_client.artifacts import PREVIOUS, Artifact, artifact_version, load_artifact, version_label
from ledger_client.chain import Chain
from ledger_client.errors import ConfigurationError, TransactionFailedError
from ledger_client.evm import require_cancun
from ledger_client.settings import GasStrategy
from ledger_client.signers import Signer
from ledger_client.transactions import TransactionSender

MANIFEST_VERSION = 1
#: Gas limit of the deployment in ``simulate`` mode (the contract costs ~3.5M).
DEPLOY_GAS = 8_000_000


@dataclass(frozen=True)
class Deployment:
    """A deployed ledger, as recorded in its manifest."""

    name: str
    chain_id: int
    address: str
    deployment_block: int
    transaction_hash: str
    governance: str
    contract: str
    sources_sha256: str
    code_sha256: str
    compiler_version: str
    deployed_at: str
    version: int = MANIFEST_VERSION
    #: 0x-hex hash of the deployment block ("" in manifests written before it was recorded).
    deployment_block_hash: str = ""

    def to_json(self) -> str:
        """The manifest text (sorted keys, trailing newline)."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "manifest") -> Deployment:
        """Parse a manifest document, with a clear error for missing or wrong fields."""
        fields = cls.__dataclass_fields__
        optional = ("version", "deployment_block_hash")
        missing = sorted(name for name in fields if name not in data and name not in optional)
        if missing:
            raise ConfigurationError(f"{source} lacks {', '.join(missing)}")
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigurationError(f"{source} has unknown fields {', '.join(unknown)}")
        if data.get("version", MANIFEST_VERSION) != MANIFEST_VERSION:
            raise ConfigurationError(
                f"{source} is manifest version {data['version']}; this client reads {MANIFEST_VERSION}"
            )
        try:
            deployment = cls(**data)
            int(deployment.chain_id), int(deployment.deployment_block)
            to_checksum_address(deployment.address)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"{source} is malformed: {exc}") from exc
        return deployment

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the manifest atomically."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".tmp")
        temporary.write_text(self.to_json())
        os.replace(temporary, target)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Deployment:
        """Read a manifest file."""
        source = Path(path)
        try:
            data = json.loads(source.read_text())
        except FileNotFoundError:
            raise ConfigurationError(
                f"deployment manifest {source} not found; deploy first (aeo-ledger deploy) or pass --deployment"
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"deployment manifest {source} is not JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise ConfigurationError(f"deployment manifest {source} must hold a JSON object")
        return cls.from_dict(data, str(source))


def code_sha256(code: bytes) -> str:
    """The sha256 (hex) of runtime code."""
    return hashlib.sha256(code).hexdigest()


def deploy(
    sender: TransactionSender,
    deployer: Signer,
    governance: str,
    *,
    name: str = "local",
    contract: str = "AeoLedger",
    artifact: Artifact | None = None,
) -> Deployment:
    """Deploy ``contract`` with ``governance`` as its consortium governance address.

    ``artifact`` (default: the current artifact of ``contract``) deploys another build, e.g. a known
    earlier version to test a migration from it. Raises
    :class:`~ledger_client.errors.UnsupportedEvmError` before sending anything when the node's EVM
    is older than Cancun.
    """
    require_cancun(sender.chain)
    artifact = artifact or load_artifact(contract)
    data = bytes.fromhex(artifact.bytecode.removeprefix("0x")) + abi_encode(
        ["address"], [to_checksum_address(governance)]
    )
    chain = sender.chain
    if sender.gas_strategy is GasStrategy.ESTIMATE:
        gas = int(chain.estimate_gas(None, data, deployer.address) * sender.gas_margin)
    else:
        gas = DEPLOY_GAS
    gas = min(gas, sender.max_gas())
    tx_hash = sender.send(deployer, None, data, gas)
    sent = sender.confirm(deployer, tx_hash, None, data)
    address = sent.receipt.contract_address
    if address is None:
        raise TransactionFailedError(f"deployment 0x{tx_hash.hex()} created no contract")
    code = chain.get_code(address)
    block_hash = chain.block(sent.block_number).hash
    return Deployment(
        name=name,
        chain_id=chain.chain_id,
        address=address,
        deployment_block=sent.block_number,
        transaction_hash="0x" + tx_hash.hex(),
        governance=to_checksum_address(governance),
        contract=contract,
        sources_sha256=artifact.sources_sha256,
        code_sha256=code_sha256(code),
        compiler_version=artifact.compiler_version,
        deployed_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        deployment_block_hash="0x" + block_hash.hex(),
    )


def verify_deployment(chain: Chain, deployment: Deployment) -> None:
    """Check a manifest against the chain and the client's artifacts.

    Raises :class:`ConfigurationError` naming what differs: the chain id, missing or different
    code at the address, or artifacts built from other sources than the deployed contract.
    """
    actual_chain = chain.chain_id
    if actual_chain != deployment.chain_id:
        raise ConfigurationError(
            f"deployment {deployment.name!r} is on chain {deployment.chain_id}, but the node serves chain "
            f"{actual_chain}: wrong RPC URL or wrong manifest"
        )
    code = chain.get_code(deployment.address)
    if not code:
        raise ConfigurationError(
            f"no contract at {deployment.address} on chain {actual_chain}: the chain was reset or the manifest "
            f"{deployment.name!r} belongs to another network; redeploy"
        )
    if code_sha256(code) != deployment.code_sha256:
        raise ConfigurationError(
            f"the code at {deployment.address} (sha256 {code_sha256(code)[:16]}…) is not the code recorded in "
            f"deployment {deployment.name!r} (sha256 {deployment.code_sha256[:16]}…)"
        )
    if deployment.deployment_block_hash:
        number = deployment.deployment_block
        block_hash = "0x" + chain.block(number).hash.hex() if chain.block_number() >= number else ""
        if block_hash != deployment.deployment_block_hash.lower():
            raise ConfigurationError(
                f"block {deployment.deployment_block} of chain {actual_chain} is not the deployment block of "
                f"{deployment.name!r} (hash {block_hash or 'missing: the chain is shorter'}, manifest "
                f"{deployment.deployment_block_hash}): the chain was reset or the manifest belongs to another "
                "network; redeploy"
            )
    deployment_artifact(deployment)


def deployment_artifact(deployment: Deployment) -> Artifact:
    """The artifact ``deployment`` was built from: the client's current one or a known earlier version.

    Raises :class:`ConfigurationError` for sources this client does not know, naming the versions it reads.
    """
    artifact = artifact_version(deployment.contract, deployment.sources_sha256)
    if artifact is None:
        current = load_artifact(deployment.contract).sources_sha256
        earlier = [f"{v.label} ({sha[:12]})" for sha, v in PREVIOUS.get(deployment.contract, {}).items()]
        raise ConfigurationError(
            f"deployment {deployment.name!r} was built from sources {deployment.sources_sha256[:16]}…, which this "
            f"client does not know: its {deployment.contract} artifact is from {current[:16]}… and the earlier "
            f"versions it reads are {', '.join(earlier) or 'none'}: upgrade the client or redeploy"
        )
    return artifact


def earlier_version(deployment: Deployment) -> str | None:
    """Why writes to ``deployment`` are refused: it runs an earlier version than the client's (None:
    the current version). The deployment must be known (:func:`deployment_artifact`)."""
    current = load_artifact(deployment.contract).sources_sha256
    if deployment.sources_sha256 == current:
        return None
    return (
        f"deployment {deployment.name!r} at {deployment.address} runs {deployment.contract} version "
        f"{version_label(deployment.contract, deployment.sources_sha256)}, this client writes version "
        f"{version_label(deployment.contract, current)}: an earlier version is read-only "
        "(aeo-ledger migrate carries it to the current version)"
    )
