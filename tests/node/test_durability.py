"""Journal + snapshots: restarts reproduce the chain, damage is detected."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from web3 import Web3

from ledger_client.node import DurableChain, DurableChainProvider, JournalCorruptedError, NodeConfig, NodeConfigError
from ledger_client.node.journal import HEADER_SIZE
from tests.node.helpers import deploy, sign, words


def build_chain(data_dir: Path, config: NodeConfig, txs: int = 8) -> tuple[list[str], str]:
    """Deploy the test contract and send ``txs`` calls; return block hashes and contract."""
    with DurableChain(data_dir, config) as chain:
        w3 = Web3(DurableChainProvider(chain))
        key = chain.accounts[0].private_key
        address = deploy(w3, key)
        for nonce in range(1, txs + 1):
            w3.eth.send_raw_transaction(sign(w3, key, nonce, address, words(nonce, 1000 + nonce)))
        w3.provider.make_request("evm_increaseTime", [86_400])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        hashes = [w3.eth.get_block(n)["hash"].to_0x_hex() for n in range(w3.eth.block_number + 1)]
        return hashes, address


def chain_view(data_dir: Path, config: NodeConfig, address: str) -> tuple[list[str], bytes, int]:
    with DurableChain(data_dir, config) as chain:
        w3 = Web3(DurableChainProvider(chain))
        hashes = [w3.eth.get_block(n)["hash"].to_0x_hex() for n in range(w3.eth.block_number + 1)]
        logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": address})
        return hashes, w3.eth.get_storage_at(address, 1003), len(logs)


@pytest.mark.parametrize("snapshot_every_blocks", [3, 1_000])
def test_restart_reproduces_chain(tmp_path: Path, snapshot_every_blocks: int) -> None:
    config = NodeConfig(snapshot_every_blocks=snapshot_every_blocks, compact_after_segments=3)
    data_dir = tmp_path / "data"
    hashes, address = build_chain(data_dir, config)
    assert chain_view(data_dir, config, address) == (hashes, words(1003), 16)
    # without any snapshot, the journal alone rebuilds the identical chain
    for segment in (data_dir / "snapshots").iterdir():
        segment.unlink()
    assert chain_view(data_dir, config, address) == (hashes, words(1003), 16)


def test_damaged_snapshot_falls_back_to_journal(tmp_path: Path) -> None:
    config = NodeConfig(snapshot_every_blocks=2)
    data_dir = tmp_path / "data"
    hashes, address = build_chain(data_dir, config)
    newest = sorted((data_dir / "snapshots").iterdir())[-1]
    newest.write_bytes(newest.read_bytes()[:-10] + b"garbage!!!")
    assert chain_view(data_dir, config, address)[0] == hashes


def test_truncated_last_record_is_dropped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = NodeConfig()
    data_dir = tmp_path / "data"
    hashes, address = build_chain(data_dir, config)
    journal = data_dir / "journal.log"
    intact = journal.stat().st_size
    with journal.open("ab") as file:
        file.write(bytes.fromhex("2a000000d5ffffff0000"))  # a record header cut short
    with caplog.at_level(logging.WARNING):
        assert chain_view(data_dir, config, address)[0] == hashes
    assert "dropping 10 trailing bytes" in caplog.text
    assert journal.stat().st_size == intact


def test_damaged_record_stops_start(tmp_path: Path) -> None:
    config = NodeConfig()
    data_dir = tmp_path / "data"
    build_chain(data_dir, config)
    journal = data_dir / "journal.log"
    raw = bytearray(journal.read_bytes())
    raw[HEADER_SIZE + 20] ^= 0xFF  # inside the first record
    journal.write_bytes(bytes(raw))
    with pytest.raises(JournalCorruptedError, match="byte offset"):
        DurableChain(data_dir, config)


def test_other_genesis_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    build_chain(data_dir, NodeConfig(), txs=1)
    with pytest.raises(NodeConfigError, match="chain id"):
        DurableChain(data_dir, NodeConfig(chain_id=999))


def test_interval_mode_packs_transactions(tmp_path: Path) -> None:
    config = NodeConfig(block_mode="interval", block_interval_s=3600)  # type: ignore[arg-type]
    with DurableChain(tmp_path / "data", config) as chain:
        w3 = Web3(DurableChainProvider(chain))
        sender, receiver = chain.accounts[0], chain.accounts[1]
        hashes = [
            w3.eth.send_raw_transaction(sign(w3, sender.private_key, n, receiver.address, value=1)) for n in range(5)
        ]
        assert w3.eth.get_transaction_count(sender.address, "pending") == 5
        assert w3.eth.get_transaction(hashes[0])["blockNumber"] is None
        assert w3.eth.get_transaction_receipt.__self__ is not None
        chain.mine()
        block = w3.eth.get_block("latest")
        assert block["number"] == 1
        assert [h.to_0x_hex() for h in block["transactions"]] == [h.to_0x_hex() for h in hashes]
