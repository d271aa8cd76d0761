"""Block time follows the clock (realtime mode), the instant mode, history with explicit past
timestamps, and the genesis a data directory keeps (``genesis.json``)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from web3 import Web3

from ledger_client.node import DurableChain, DurableChainProvider, NodeConfig, NodeConfigError
from ledger_client.node.config import DEFAULT_GENESIS_TIMESTAMP, LEGACY_GAS_LIMIT
from tests.node.helpers import sign

BURST = 300


#: 20,000 calldata bytes: ~821,000 gas used (the EIP-7623 floor), sent with a 1,000,000 gas limit
HEAVY = b"\x01" * 20_000


def _burst(chain: DurableChain, count: int, *, heavy: bool = False, senders: int = 3) -> list[bytes]:
    """``count`` transfers sent as fast as the node takes them, from ``senders`` threads."""
    data, gas = (HEAVY, 1_000_000) if heavy else (b"", 21_000)
    w3 = Web3(DurableChainProvider(chain))
    receiver = chain.accounts[9].address
    hashes: list[bytes] = []
    lock = threading.Lock()

    def send(index: int) -> None:
        key = chain.accounts[index].private_key
        for nonce in range(count // senders):
            tx_hash = chain.send_raw_transaction(sign(w3, key, nonce, receiver, data, value=1, gas=gas))
            with lock:
                hashes.append(tx_hash)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return hashes


def _watch_drift(chain: DurableChain, stop: threading.Event, found: list[float]) -> None:
    """Record how far the head's timestamp ran ahead of the wall clock, while the burst lasts."""
    while not stop.wait(0.005):
        found.append(chain.block_by_number(chain.head_number()).header.timestamp - time.time())  # type: ignore[union-attr]


def test_a_burst_of_300_transactions_keeps_block_time_within_2_s_of_the_wall_clock(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", NodeConfig(max_drift_s=2)) as chain:
        stop, drift = threading.Event(), list[float]()
        watcher = threading.Thread(target=_watch_drift, args=(chain, stop, drift))
        watcher.start()
        try:
            hashes = _burst(chain, BURST)
            assert all(chain.wait_for_seal(tx_hash, 30) for tx_hash in hashes)
        finally:
            stop.set()
            watcher.join()
        assert len(hashes) == BURST
        head = chain.head_number()
        blocks = [chain.block_by_number(n) for n in range(1, head + 1)]
        assert sum(len(b.transactions) for b in blocks if b is not None) == BURST
        assert head < BURST // 10  # the pending transactions shared blocks
        assert max(drift) <= 2
        stamps = [b.header.timestamp for b in blocks if b is not None]
        assert stamps == sorted(set(stamps))  # strictly increasing
        assert stamps[-1] <= time.time() + 2


def test_instant_mode_seals_one_block_per_transaction_whatever_the_clock(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", block_mode="instant") as chain:
        hashes = _burst(chain, 30)
        assert chain.head_number() == 30
        assert all(chain.find_transaction(h).block is not None for h in hashes)  # type: ignore[union-attr]
        head = chain.block_by_number(30)
        assert head is not None
        assert head.header.timestamp > time.time() + 20


def test_per_tx_is_the_old_name_of_instant(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", block_mode="per_tx") as chain:
        assert chain.config.block_mode.value == "instant"


def test_a_full_pending_block_makes_the_sender_wait_for_the_next(tmp_path: Path) -> None:
    # 5,000,000 gas a block: five heavy transactions fit, the sixth waits for the seal
    config = NodeConfig(gas_limit=5_000_000, max_drift_s=0)
    with DurableChain(tmp_path / "data", config) as chain:
        hashes = _burst(chain, 18, heavy=True)
        assert all(chain.wait_for_seal(h, 30) for h in hashes)
        blocks = [chain.block_by_number(n) for n in range(1, chain.head_number() + 1)]
        assert sum(len(b.transactions) for b in blocks if b is not None) == 18
        assert max(len(b.transactions) for b in blocks if b is not None) == 5
        assert blocks[-1] is not None
        assert blocks[-1].header.timestamp <= time.time()


def test_history_with_automine_off_and_pinned_past_timestamps(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", NodeConfig(gas_limit=5_000_000)) as chain:
        w3 = Web3(DurableChainProvider(chain))
        genesis = chain.block_by_number(0)
        assert genesis is not None
        start = genesis.header.timestamp + 86_400
        key, to = chain.accounts[0].private_key, chain.accounts[1].address
        assert w3.provider.make_request("evm_setAutomine", [False])["result"] is True  # type: ignore[arg-type]
        nonce = 0
        for day in range(3):
            chain.set_next_block_timestamp(start + day * 86_400)
            for _ in range(7):  # 7 heavy transactions: the day overflows into a block one second later
                chain.send_raw_transaction(sign(w3, key, nonce, to, HEAVY, value=1, gas=1_000_000))
                nonce += 1
            assert chain.head_number() == 2 * day + 1  # the full block was sealed, the rest waits
            chain.mine()
        chain.set_automine(True)
        stamps = [chain.block_by_number(n).header.timestamp for n in range(1, 7)]  # type: ignore[union-attr]
        assert stamps == [start, start + 1, start + 86_400, start + 86_401, start + 172_800, start + 172_801]
        # the chain then follows the wall clock again
        w3.eth.send_raw_transaction(sign(w3, key, nonce, to, value=1))
        latest = w3.eth.get_block("latest")
        assert latest["number"] == 7
        assert abs(latest["timestamp"] - time.time()) <= 2


def test_the_clock_can_be_set_back_for_history_and_forward_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DurableChain(data) as chain:
        w3 = Web3(DurableChainProvider(chain))
        past = int(time.time()) - 200 * 86_400
        w3.provider.make_request("evm_setTime", [past])  # type: ignore[arg-type]
        chain.mine()
        first = chain.block_by_number(1)
        assert first is not None
        assert abs(first.header.timestamp - past) <= 2
    with DurableChain(data) as chain:  # the clock offset is journaled
        chain.mine()
        second = chain.block_by_number(2)
        assert second is not None
        assert second.header.timestamp < time.time() - 199 * 86_400
        _burst(chain, 9)  # history: every block is in the past, each transaction is sealed at once
        assert chain.head_number() == 11
        chain.set_time(int(time.time()))
        chain.mine()
        third = chain.block_by_number(12)
        assert third is not None
        assert abs(third.header.timestamp - time.time()) <= 2


def test_a_future_pinned_timestamp_moves_the_clock_so_realtime_blocks_do_not_stall(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data") as chain:
        w3 = Web3(DurableChainProvider(chain))
        future = int(time.time()) + 10**6
        chain.mine(future)
        tx_hash = chain.send_raw_transaction(sign(w3, chain.accounts[0].private_key, 0, chain.accounts[1].address))
        assert chain.wait_for_seal(tx_hash, 5)
        assert chain.clock() >= future


def test_a_new_data_directory_keeps_a_genesis_a_year_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DurableChain(data) as chain:
        genesis = chain.block_by_number(0)
        assert genesis is not None
        age_days = (time.time() - genesis.header.timestamp) / 86_400
        assert 365 <= age_days < 366
        assert genesis.header.gas_limit == 60_000_000
    stored = json.loads((data / "genesis.json").read_text())
    assert stored == {"genesis_timestamp": genesis.header.timestamp, "gas_limit": 60_000_000}
    with DurableChain(data) as chain:
        assert chain.genesis_hash == genesis.hash
    with pytest.raises(NodeConfigError, match="genesis timestamp"):
        DurableChain(data, NodeConfig(genesis_timestamp=DEFAULT_GENESIS_TIMESTAMP))


def test_a_data_directory_older_than_genesis_json_opens_with_the_old_genesis(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = NodeConfig(genesis_timestamp=DEFAULT_GENESIS_TIMESTAMP, gas_limit=LEGACY_GAS_LIMIT)
    with DurableChain(data, old) as chain:
        chain.mine()
        head = chain.block_by_number(1)
    (data / "genesis.json").unlink()
    with DurableChain(data) as chain:
        assert head is not None
        assert chain.block_by_number(1).hash == head.hash
    assert json.loads((data / "genesis.json").read_text())["gas_limit"] == LEGACY_GAS_LIMIT
