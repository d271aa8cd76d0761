"""Fixtures: eth-tester chain → web3 → accounts → deployed AeoLedgerHarness → index, with
snapshot/revert isolation per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_tester import EthereumTester
from web3 import Web3
from web3.contract import Contract

from ledger_client.hashing import certificate_id, code_bytes, number_bytes
from ledger_client.index import EthTesterLogSource, Index
from tests.support.artifacts import deploy_on_tester

DOC = Web3.keccak(text="certificate document")
MRA_DOC = Web3.keccak(text="mra document")


@dataclass
class Chain:
    """A deployed harness with three administrations: CR, PE and MX (one signer each)."""

    tester: EthereumTester
    w3: Web3
    ledger: Contract
    start_block: int
    governance: str
    signers: dict[str, str]

    def tx(self, code: str, fn: str, *args: Any) -> int:
        """Send ``fn(*args)`` from ``code``'s signer (or governance for ``"gov"``); return the block."""
        sender = self.governance if code == "gov" else self.signers[code]
        tx_hash = getattr(self.ledger.functions, fn)(*args).transact({"from": sender, "gas": 12_000_000})
        receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        return int(receipt["blockNumber"])

    def issue(
        self,
        code: str,
        number: str,
        *,
        programmes: int = 3,
        roles: int = 5,
        flags: int = 0,
        valid_from: int = 1_700_000_000,
        valid_until: int = 0,
    ) -> bytes:
        """Issue one certificate; return its id."""
        self.tx(code, "issue", (number_bytes(number), programmes, roles, flags, valid_from, valid_until, DOC))
        return certificate_id(code, number)

    def mra(
        self, parties: list[str], *, programmes: int = 3, roles: int = 5, effective_from: int = 0, accept: bool = True
    ) -> int:
        """Propose an MRA from the first party; have the others accept it; return its id."""
        self.tx(parties[0], "proposeMra", [code_bytes(p) for p in parties], programmes, roles, effective_from, MRA_DOC)
        mra_id = int(self.ledger.functions.mraCount().call())
        if accept:
            for party in parties[1:]:
                self.tx(party, "acceptMra", mra_id)
        return mra_id

    def head(self) -> int:
        """Latest block number."""
        return int(self.w3.eth.block_number)

    def time(self) -> int:
        """Latest block's timestamp."""
        return int(self.w3.eth.get_block("latest")["timestamp"])


@pytest.fixture(scope="session")
def chain() -> Chain:
    """One chain per session; tests are isolated by snapshot/revert."""
    deployed = deploy_on_tester("AeoLedgerHarness")
    accounts = deployed.accounts
    signers = {"CR": accounts[1], "PE": accounts[2], "MX": accounts[3]}
    env = Chain(deployed.tester, deployed.w3, deployed.contract, deployed.block_number, accounts[0], signers)
    for code, name in (("CR", "Costa Rica"), ("PE", "Peru"), ("MX", "Mexico")):
        env.tx("gov", "registerAdministration", code_bytes(code), name, signers[code])
    return env


@pytest.fixture
def fresh(chain: Chain) -> Iterator[Chain]:
    """The chain, reverted to its state before the test afterwards."""
    snapshot = chain.tester.take_snapshot()
    yield chain
    chain.tester.revert_to_snapshot(snapshot)


@pytest.fixture
def index(fresh: Chain, tmp_path: Path) -> Iterator[Index]:
    """An index over the chain, in a fresh SQLite file."""
    source = EthTesterLogSource(fresh.tester, fresh.ledger.address)
    idx = Index(tmp_path / "index.sqlite", source, start_block=fresh.start_block)
    yield idx
    idx.close()
