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


def test_index_and_audit_over_rpc(durable_w3: tuple[Web3, Any], tmp_path: Path) -> None:
    w3, chain = durable_w3
    gov, cr, pe = (a.private_key for a in chain.accounts[:3])
    addresses = [a.address for a in chain.accounts[:3]]
    artifact = load_artifact("AeoLedger")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    deploy_tx = factory.constructor(addresses[0]).build_transaction({"from": addresses[0], "gas": 8_000_000})
    start = _send(w3, gov, {"data": deploy_tx["data"]})
    address = w3.eth.get_transaction_receipt(w3.eth.get_block(start)["transactions"][0])["contractAddress"]
    ledger = w3.eth.contract(address=address, abi=artifact.abi)

    def call(key: str, fn: str, *args: Any) -> int:
        data = getattr(ledger.functions, fn)(*args).build_transaction({"gas": 8_000_000, "from": addresses[0]})
        return _send(w3, key, {"to": address, "data": data["data"]})

    call(gov, "registerAdministration", code_bytes("CR"), "Costa Rica", addresses[1])
    call(gov, "registerAdministration", code_bytes("PE"), "Peru", addresses[2])
    call(cr, "issueBatch", [(number_bytes(f"CR-{i}"), 1, 1, 0, 1_700_000_000, 0, DOC) for i in range(20)])
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
