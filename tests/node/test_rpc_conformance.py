"""Every served JSON-RPC method through web3.py, in-process and over HTTP."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError, Web3RPCError

from ledger_client.node import DurableChain
from tests.node.helpers import REVERT_DATA, deploy, sign, words


def test_chain_facts(w3: Web3, chain: DurableChain) -> None:
    assert w3.is_connected()
    assert w3.eth.chain_id == 31337
    assert w3.net.version == "31337"
    assert w3.client_version.startswith("aeo-ledger-node")
    assert w3.eth.accounts[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert w3.eth.get_balance(chain.accounts[0].address) == 10_000 * 10**18
    assert w3.eth.block_number == 0
    assert w3.eth.gas_price > 0
    assert w3.eth.max_priority_fee == 10**9


def test_transfer_and_lookups(w3: Web3, chain: DurableChain) -> None:
    sender, receiver = chain.accounts[0], chain.accounts[1]
    tx_hash = w3.eth.send_raw_transaction(sign(w3, sender.private_key, 0, receiver.address, value=7))
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=5)
    assert receipt["status"] == 1
    assert receipt["blockNumber"] == w3.eth.block_number == 1
    assert receipt["gasUsed"] == 21_000
    block = w3.eth.get_block(1, full_transactions=True)
    assert block["transactions"][0]["hash"] == tx_hash
    assert w3.eth.get_block(block["hash"])["number"] == 1
    assert w3.eth.get_block("latest")["hash"] == block["hash"]
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["from"] == sender.address
    assert tx["to"] == receiver.address
    assert tx["value"] == 7
    assert w3.eth.get_transaction_count(sender.address) == 1
    assert w3.eth.get_balance(receiver.address) == 10_000 * 10**18 + 7
    assert w3.eth.get_balance(receiver.address, 0) == 10_000 * 10**18
    history = w3.eth.fee_history(2, "latest", [50])
    assert len(history["baseFeePerGas"]) == 3
    assert history["oldestBlock"] == 0


def test_contract_call_logs_and_revert(w3: Web3, chain: DurableChain) -> None:
    key = chain.accounts[0].private_key
    address = deploy(w3, key)
    assert len(w3.eth.get_code(address)) > 0
    for nonce, value in enumerate([5, 6, 5], start=1):
        w3.eth.send_raw_transaction(sign(w3, key, nonce, address, words(value)))
    assert w3.eth.get_storage_at(address, 5) == words(5)
    topic = "0x" + words(5).hex()
    logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": address, "topics": [topic]})
    assert [log["blockNumber"] for log in logs] == [2, 4]
    assert all(log["topics"][0].to_0x_hex() == topic for log in logs)
    assert len(w3.eth.get_logs({"fromBlock": 3, "toBlock": 3})) == 1
    assert w3.eth.get_logs({"blockHash": logs[0]["blockHash"]})[0]["topics"][0].to_0x_hex() == topic
    assert w3.eth.estimate_gas({"to": address, "data": "0x" + words(9).hex()}) > 21_000
    assert w3.eth.call({"to": address, "data": "0x" + words(9).hex()}) == b""
    with pytest.raises(ContractCustomError) as raised:
        w3.eth.call({"to": address, "data": "0x"})
    assert raised.value.data == "0x" + REVERT_DATA.hex()
    with pytest.raises(ContractCustomError):
        w3.eth.estimate_gas({"to": address, "data": "0x"})


def test_reverting_transaction_is_mined_with_status_zero(w3: Web3, chain: DurableChain) -> None:
    key = chain.accounts[0].private_key
    address = deploy(w3, key)
    tx_hash = w3.eth.send_raw_transaction(sign(w3, key, 1, address, b""))
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 0


def test_batch_requests(w3: Web3) -> None:
    with w3.batch_requests() as batch:
        batch.add(w3.eth.get_block_number())
        batch.add(w3.eth.get_block(0))
        results = batch.execute()
    assert results[0] == 0
    assert results[1]["number"] == 0


def test_time_travel(w3: Web3, chain: DurableChain) -> None:
    before = w3.eth.get_block("latest")["timestamp"]
    w3.provider.make_request("evm_increaseTime", [3600])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    head = w3.eth.get_block("latest")["timestamp"]
    assert head >= before + 3600
    w3.provider.make_request("evm_mine", [head + 10**7])  # type: ignore[arg-type]
    assert w3.eth.get_block("latest")["timestamp"] == head + 10**7
    answer = w3.provider.make_request("evm_mine", [head])  # type: ignore[arg-type]
    assert answer["error"]["code"] == -32602


def test_rejected_transactions(w3: Web3, chain: DurableChain) -> None:
    stranger = Account.create()
    raw = sign(w3, stranger.key.hex(), 0, chain.accounts[0].address, value=1)
    with pytest.raises(Web3RPCError, match=r"insufficient|balance"):
        w3.eth.send_raw_transaction(raw)
    assert w3.eth.block_number == 0
