"""A ledger whose governance is a 3-of-5 Safe (Safe 1.4.1 from its npm artifacts), on the in-memory chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ledger_client.artifacts import Artifact
from ledger_client.chain import Chain
from ledger_client.deployment import deploy
from ledger_client.governance import SafeDeployment, deploy_safe
from ledger_client.ledger import Ledger, transaction_sender
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.support.previous import client_of_its_time

OWNERS = 5
THRESHOLD = 3


@dataclass
class Governed:
    """The ledger (acting as development account 0, the executor), its Safe and the owners' keys."""

    ledger: Ledger
    safe: SafeDeployment
    owners: list[Signer]
    executor: Signer


def governed_ledger(chain: Chain, deployer: Signer, settings: Settings, artifact: Artifact | None = None) -> Governed:
    """Deploy the Safe, then the ledger with the Safe as its governance (``artifact``: a known earlier
    version, with a writable client of its time; the deployer must be development account 0)."""
    owners = [Signer.create() for _ in range(OWNERS)]
    sender = transaction_sender(chain, settings)
    safe = deploy_safe(sender, deployer, [o.address for o in owners], THRESHOLD)
    deployment = deploy(sender, deployer, safe.safe, artifact=artifact)
    if chain.embedded:
        fund_for_calls(chain, deployer, safe.safe)
    if artifact is not None:
        return Governed(client_of_its_time(chain, deployment, settings), safe, owners, deployer)
    return Governed(Ledger.attach(chain, deployment, signer=deployer, settings=settings), safe, owners, deployer)


def fund_for_calls(chain: Chain, funder: Signer, address: str) -> None:
    """eth-tester refuses an ``eth_call`` from an account that cannot pay its gas (other nodes do not): give the
    Safe one ether so that the ledger's answer to it can be simulated (a transfer to a Safe runs its ``receive``)."""
    transaction = {
        "chainId": chain.chain_id, "nonce": chain.transaction_count(funder.address), "gas": 100_000,
        "gasPrice": chain.gas_price(), "to": address, "value": 10**18, "data": b"",
    }  # fmt: skip
    assert chain.wait_for_receipt(chain.send_raw(funder.sign_transaction(transaction))).status == 1


@pytest.fixture
def governed() -> Iterator[Governed]:
    """A fresh in-memory chain per test (a snapshot revert would leave the clients' nonce managers ahead)."""
    chain = Chain.in_memory()
    yield governed_ledger(chain, chain.dev_signers()[0], Settings())
    chain.close()
