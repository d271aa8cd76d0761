"""The index and the auditor over JSON-RPC against the project's durable node (fast eth_getLogs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from ledger_client.artifacts import load_artifact
from ledger_client.audit import Auditor
from ledger_client.hashing import certificate_id, code_bytes, number_bytes
from ledger_client.index import Index, RpcLogSource
from ledger_client.index.sources import DurableNodeLogSource, source_for

DOC = Web3.keccak(text="doc")

node = pytest.importorskip("ledger_client.node.durable")
provider_module = pytest.importorskip("ledger_client.node.provider")


@pytest.fixture
def durable_w3(tmp_path: Path) -> Iterator[tuple[Web3, Any]]:
    """web3 on a fresh durable node, in-process (same JSON-RPC dispatcher as over HTTP)."""
    chain = node.DurableChain(tmp_path / "node")
    try:
        yield Web3(provider_module.DurableChainProvider(chain)), chain
    finally:
        chain.close()


def _send(w3: Web3, key: str, tx: dict[str, Any]) -> int:
    sender = Account.from_key(key).address
    tx = {
        **tx,
        "nonce": w3.eth.get_transaction_count(sender, "pending"),
        "gas": 8_000_000,
        "maxFeePerGas": 10**11,
        "maxPriorityFeePerGas": 10**9,
        "chainId": w3.eth.chain_id,
    }
    raw = Account.sign_transaction(tx, key).raw_transaction
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw), timeout=10, poll_latency=0.02)
    assert receipt["status"] == 1
    return int(receipt["blockNumber"])


class Deployed:
    """The ledger deployed on the node, CR and PE registered, 20 CR certificates issued."""

    def __init__(self, w3: Web3, chain: Any) -> None:
        self.w3 = w3
        self.gov, self.cr, self.pe = (a.private_key for a in chain.accounts[:3])
        self.addresses = [a.address for a in chain.accounts[:3]]
        artifact = load_artifact("AeoLedger")
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        deploy_tx = factory.constructor(self.addresses[0]).build_transaction(
            {"from": self.addresses[0], "gas": 8_000_000}
        )
        self.start = _send(w3, self.gov, {"data": deploy_tx["data"]})
        receipt = w3.eth.get_transaction_receipt(w3.eth.get_block(self.start)["transactions"][0])
        self.address = receipt["contractAddress"]
        self.ledger = w3.eth.contract(address=self.address, abi=artifact.abi)
        self.call(self.gov, "registerAdministration", code_bytes("CR"), "Costa Rica", self.addresses[1])
        self.call(self.gov, "registerAdministration", code_bytes("PE"), "Peru", self.addresses[2])
        batch = [(number_bytes(f"CR-{i}"), 1, 1, 0, 1_700_000_000, 0, DOC) for i in range(20)]
        self.call(self.cr, "issueBatch", batch)

    def call(self, key: str, fn: str, *args: Any) -> int:
        """Send ``fn(*args)`` to the ledger from ``key``; the block it landed in."""
        built = getattr(self.ledger.functions, fn)(*args).build_transaction(
            {"gas": 8_000_000, "from": self.addresses[0]}
        )
        return _send(self.w3, key, {"to": self.address, "data": built["data"]})


def test_index_and_audit_over_rpc(durable_w3: tuple[Web3, Any], tmp_path: Path) -> None:
    w3, chain = durable_w3
    deployed = Deployed(w3, chain)
    start, address, addresses, call = deployed.start, deployed.address, deployed.addresses, deployed.call
    cr, pe = deployed.cr, deployed.pe
    cid = certificate_id("CR", "CR-3")
    call(cr, "suspend", cid, 1)
    call(cr, "proposeMra", [code_bytes("CR"), code_bytes("PE")], 1, 1, 0, DOC)
    last = call(pe, "acceptMra", 1)

    source = RpcLogSource(w3, address, max_range=3)
    with Index(tmp_path / "rpc.sqlite", source, start_block=start, chain_id=w3.eth.chain_id) as index:
        index.wait_for_block(last)
        assert len(index.certificates(issuer="CR", limit=100).items) == 20
        assert [e.sender for e in index.history(cid).items] == [addresses[1], addresses[1]]
        assert index.recognition_at(cid, "PE", w3.eth.get_block("latest")["timestamp"]).recognised is False
        auditor = Auditor(w3, address, start_block=start, source=source)
        assert auditor.audit_certificate(cid).ok
        assert auditor.audit_mra(1).ok
        assert auditor.verify_index(index.reader).ok

    # The in-process source reads the node directly and answers exactly as eth_getLogs does.
    direct = source_for(w3, address)
    assert isinstance(direct, DurableNodeLogSource)
    head = w3.eth.block_number
    assert direct.head() == source.head() == head
    assert direct.read(start, head) == RpcLogSource(w3, address).read(start, head)
    topic = [[cid]]
    assert direct.read(start, head, [None, *topic]) == RpcLogSource(w3, address).read(start, head, [None, *topic])
    assert direct.header(last) == source.header(last)
    assert direct.header(head + 1) is None


def test_recognition_at_t_and_history_when_two_blocks_share_a_second(tmp_path: Path) -> None:
    """A sub-second block period: "at T" is after every event in every block with timestamp <= T."""
    chain = node.DurableChain(tmp_path / "node", node.NodeConfig(block_period_ms=100))
    try:
        w3 = Web3(provider_module.DurableChainProvider(chain))
        deployed = Deployed(w3, chain)
        cr, pe, call = deployed.cr, deployed.pe, deployed.call
        cid = certificate_id("CR", "CR-3")
        call(cr, "proposeMra", [code_bytes("CR"), code_bytes("PE")], 1, 1, 0, DOC)
        call(pe, "acceptMra", 1)
        moment = int(w3.eth.get_block("latest")["timestamp"]) + 10
        chain.set_next_block_timestamp(moment - 3)
        suspended = call(cr, "suspend", cid, 1)
        blocks = []
        for action in ("reinstate", "suspend"):  # two blocks in the second ``moment``
            chain.set_next_block_timestamp(moment)
            blocks.append(call(cr, action, cid, 1))
        chain.set_next_block_timestamp(moment + 2)
        last = call(cr, "reinstate", cid, 1)
        stamps = [int(w3.eth.get_block(n)["timestamp"]) for n in (suspended, *blocks, last)]
        assert blocks[1] == blocks[0] + 1
        assert stamps == [moment - 3, moment, moment, moment + 2]

        source = RpcLogSource(w3, deployed.address)
        with Index(tmp_path / "index.sqlite", source, start_block=deployed.start, chain_id=w3.eth.chain_id) as index:
            index.wait_for_block(last)
            history = index.history(cid).items
            assert [(e.sequence, e.block_number, e.block_time) for e in history[1:]] == [
                (2, suspended, moment - 3),
                (3, blocks[0], moment),
                (4, blocks[1], moment),
                (5, last, moment + 2),
            ]
            # at T: after the second block of T (suspended again), not after the first (reinstated)
            assert (index.status_at(cid, moment).sequence, index.status_at(cid, moment).status.name) == (4, "SUSPENDED")
            assert index.recognition_at(cid, "PE", moment - 4).recognised is True
            assert index.recognition_at(cid, "PE", moment - 1).recognised is False
            assert index.recognition_at(cid, "PE", moment).recognised is False
            assert index.recognition_at(cid, "PE", moment + 1).recognised is False
            assert index.recognition_at(cid, "PE", moment + 2).recognised is True
            auditor = Auditor(w3, deployed.address, start_block=deployed.start, source=source)
            assert auditor.audit_certificate(cid).ok
            assert auditor.verify_index(index.reader).ok
    finally:
        chain.close()
