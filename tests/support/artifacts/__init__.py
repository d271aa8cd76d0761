"""Test-only contract artifacts (``AeoLedgerHarness``: the ledger with a settable clock) and a raw
web3 deployment for tests and benchmarks that drive a bare eth-tester chain.

scripts/compile.py writes ``AeoLedgerHarness.json`` here; it never ships in the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from eth_tester import EthereumTester, PyEVMBackend
from eth_typing import ChecksumAddress, HexStr
from web3 import Web3
from web3.contract import Contract

from ledger_client.artifacts import Artifact, load_artifact
from ledger_client.errors import TransactionFailedError

HERE = Path(__file__).resolve().parent


@cache
def harness_artifact(name: str) -> Artifact:
    """``AeoLedgerHarness`` from this folder, any other name from the package."""
    path = HERE / f"{name}.json"
    return Artifact.from_json(path.read_text()) if path.is_file() else load_artifact(name)


@dataclass(frozen=True)
class RawDeployment:
    """A contract deployed straight through web3 (see :func:`deploy_from_unlocked`)."""

    contract: Contract
    block_number: int


def deploy_from_unlocked(w3: Web3, sender: ChecksumAddress, name: str = "AeoLedger") -> RawDeployment:
    """Deploy the artifact ``name`` from ``sender``, an account the node unlocks (eth-tester).

    The library itself deploys with local signing (:func:`ledger_client.deployment.deploy`).
    ``sender`` becomes the governance address.
    """
    artifact = harness_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=HexStr(artifact.bytecode))
    receipt = w3.eth.get_transaction_receipt(factory.constructor(sender).transact({"from": sender}))
    address = receipt["contractAddress"]
    if receipt["status"] != 1 or address is None:
        raise TransactionFailedError(f"deploying {name} failed (status {receipt['status']})")
    return RawDeployment(w3.eth.contract(address=address, abi=artifact.abi), int(receipt["blockNumber"]))


@dataclass(frozen=True)
class TesterChain:
    """A fresh in-memory eth-tester chain with one contract deployed by its first account (governance)."""

    tester: EthereumTester
    w3: Web3
    accounts: list[ChecksumAddress]
    contract: Contract
    block_number: int  # the deployment block


def deploy_on_tester(name: str = "AeoLedger") -> TesterChain:
    """A new eth-tester chain (py-evm) with the artifact ``name`` deployed from ``accounts[0]``."""
    tester = EthereumTester(PyEVMBackend())
    w3 = Web3(Web3.EthereumTesterProvider(tester))
    accounts = list(w3.eth.accounts)
    deployed = deploy_from_unlocked(w3, accounts[0], name)
    return TesterChain(tester, w3, accounts, deployed.contract, deployed.block_number)
