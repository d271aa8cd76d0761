"""Fixtures of the contract tests: eth-tester → web3 → accounts → a deployed and seeded
``AeoLedgerHarness`` (session scope), and per-test isolation by eth-tester snapshot and revert.

The session deployment has governance ``accounts[0]``, the administrations of
:data:`helpers.ADMINISTRATIONS` with one signer each (``accounts[1..5]``), a stranger
(``accounts[6]``) and spare funded accounts; the harness clock is pinned to :data:`helpers.T0`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from tests.contracts.helpers import ADMINISTRATIONS, T0, Deployment, code
from tests.support.artifacts import harness_artifact

#: Funded genesis accounts: governance, 5 signers, a stranger, and spares.
ACCOUNTS = 48


@pytest.fixture(scope="session")
def tester() -> EthereumTester:
    """An in-memory eth-tester chain (py-evm) with :data:`ACCOUNTS` funded accounts."""
    backend = PyEVMBackend(genesis_state=PyEVMBackend.generate_genesis_state(num_accounts=ACCOUNTS))
    return EthereumTester(backend)


@pytest.fixture(scope="session")
def w3(tester: EthereumTester) -> Web3:
    """web3 over the eth-tester chain.

    A default account spares every ``call()`` without ``from`` the provider's guess, which lists all
    accounts each time (tens of milliseconds).
    """
    w3 = Web3(EthereumTesterProvider(tester))
    w3.eth.default_account = w3.eth.accounts[0]
    return w3


@pytest.fixture(scope="session")
def accounts(w3: Web3) -> list[str]:
    """The funded accounts, checksummed."""
    return [str(a) for a in w3.eth.accounts]


@pytest.fixture(scope="session")
def deployment(w3: Web3, tester: EthereumTester, accounts: list[str]) -> Deployment:
    """The seeded ``AeoLedgerHarness`` (deployed once per session; tests are isolated by revert)."""
    artifact = harness_artifact("AeoLedgerHarness")
    governance = accounts[0]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = factory.constructor(governance).transact({"from": governance, "gas": 8_000_000})
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    ledger = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
    signers = dict(zip(ADMINISTRATIONS, accounts[1:], strict=False))
    d = Deployment(
        w3=w3,
        tester=tester,
        ledger=ledger,
        governance=governance,
        signers=signers,
        stranger=accounts[6],
        spare=list(accounts[7:]),
    )
    for admin, name in ADMINISTRATIONS.items():
        d.send(ledger.functions.registerAdministration(code(admin), name, signers[admin]), governance)
    d.set_time(T0)
    return d


@pytest.fixture(autouse=True)
def _isolate(tester: EthereumTester, deployment: Deployment) -> Iterator[None]:
    """Revert the chain after each test; the deployment's mutable bookkeeping is restored too."""
    snapshot = tester.take_snapshot()
    signers = dict(deployment.signers)
    spare = list(deployment.spare)
    yield
    tester.revert_to_snapshot(snapshot)
    deployment.signers = signers
    deployment.spare = spare


@pytest.fixture
def d(deployment: Deployment) -> Deployment:
    """Short alias of the seeded deployment."""
    return deployment
