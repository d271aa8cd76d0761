"""A realtime block period below a second (``block_period_ms``): several blocks a second, whose
whole-second timestamps may equal their parent's, never ahead of the clock; kept through the journal."""

from __future__ import annotations

import itertools
import logging
import time
from pathlib import Path

import pytest
from web3 import Web3

from ledger_client.node import DurableChain, DurableChainProvider, NodeConfig, NodeConfigError
from tests.node.helpers import sign
from tests.node.test_clock import _burst
from tests.node.test_kill9 import kill_9_under_load, rpc, start_node

PERIOD_MS = 100


def _stamps(chain: DurableChain) -> list[int]:
    return [chain.block_by_number(n).header.timestamp for n in range(1, chain.head_number() + 1)]  # type: ignore[union-attr]


@pytest.mark.parametrize("period", [0, 9, 1001])
def test_the_period_is_10_to_1000_ms(period: int) -> None:
    with pytest.raises(NodeConfigError, match="block_period_ms"):
        NodeConfig(block_period_ms=period)


def test_a_sub_second_period_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), DurableChain(tmp_path / "data", NodeConfig(block_period_ms=PERIOD_MS)):
        pass
    assert "development networks only" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING), DurableChain(tmp_path / "other"):
        pass
    assert "development networks" not in caplog.text


def test_blocks_share_a_second_and_a_write_after_the_period_is_sealed_at_once(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", NodeConfig(block_period_ms=PERIOD_MS)) as chain:
        w3 = Web3(DurableChainProvider(chain))
        key, to = chain.accounts[0].private_key, chain.accounts[1].address
        deadline = time.monotonic() + 30
        nonce = 0
        while nonce < 60 and time.monotonic() < deadline:
            time.sleep(PERIOD_MS / 1000)  # the period since the last seal has passed
            tx_hash = chain.send_raw_transaction(sign(w3, key, nonce, to, value=1))
            location = chain.find_transaction(tx_hash)
            assert location is not None
            assert location.block is not None  # sealed before the sender got its hash
            nonce += 1
            stamps = _stamps(chain)
            if len(stamps) >= 2 and stamps[-1] == stamps[-2]:
                break
        stamps = _stamps(chain)
        assert len(stamps) == nonce  # one block each
        assert any(a == b for a, b in itertools.pairwise(stamps))  # two blocks in one second
        assert stamps == sorted(stamps)  # never earlier than the parent
        assert stamps[-1] <= time.time()  # never ahead of the clock


def test_under_load_transactions_share_blocks_sealed_at_the_period(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", NodeConfig(block_period_ms=200)) as chain:
        started = time.time()
        hashes = _burst(chain, 90)
        assert all(chain.wait_for_seal(tx_hash, 30) for tx_hash in hashes)
        elapsed = time.time() - started
        stamps = _stamps(chain)
        assert len(stamps) < 90  # the pending transactions shared blocks
        assert len(stamps) <= elapsed / 0.2 + 2  # at most one seal per period (plus the first and the last)
        assert stamps == sorted(stamps)
        assert stamps[-1] <= time.time()


def test_history_writing_keeps_working_and_may_pin_the_parents_second(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", NodeConfig(block_period_ms=PERIOD_MS)) as chain:
        w3 = Web3(DurableChainProvider(chain))
        genesis = chain.block_by_number(0)
        assert genesis is not None
        day = genesis.header.timestamp + 86_400
        key, to = chain.accounts[5].private_key, chain.accounts[6].address
        chain.set_automine(False)
        for nonce, pinned in enumerate([day, day, day + 5]):
            chain.set_next_block_timestamp(pinned)
            chain.send_raw_transaction(sign(w3, key, nonce, to, value=1))
            chain.mine()
        with pytest.raises(ValueError, match="at least"):
            chain.set_next_block_timestamp(day + 4)  # never earlier than the parent
        chain.set_automine(True)
        assert _stamps(chain) == [day, day, day + 5]
        chain.set_time(day + 100)  # the clock set back: history blocks are sealed at once
        _burst(chain, 6)
        assert chain.head_number() == 9
        assert all(day + 100 <= stamp <= day + 130 for stamp in _stamps(chain)[3:])


def test_a_clock_set_to_now_a_second_behind_keeps_the_period(tmp_path: Path) -> None:
    with DurableChain(tmp_path / "data", NodeConfig(block_period_ms=500)) as chain:
        w3 = Web3(DurableChainProvider(chain))
        key, to = chain.accounts[0].private_key, chain.accounts[1].address
        chain.set_time(int(time.time()) - 1)  # evm_setTime(now) answered across a second boundary
        raws = [sign(w3, key, nonce, to, value=1) for nonce in range(2)]
        hashes = [chain.send_raw_transaction(raw) for raw in raws]
        second = chain.find_transaction(hashes[1])
        assert second is not None
        assert second.block is None  # not history: it waits for the period since the first one's seal
        assert chain.wait_for_seal(hashes[1], 5)


@pytest.mark.slow  # a node process killed and restarted under load
def test_same_second_blocks_replay_after_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    acked = kill_9_under_load(data_dir, 120, "--block-period-ms", "50")

    # restarted with the default (whole-second) period: the journal's same-second blocks replay
    process, url = start_node(data_dir)
    try:
        missing = [h for h in acked if rpc(url, "eth_getTransactionReceipt", [h]) is None]
        assert missing == []
        head = int(str(rpc(url, "eth_blockNumber", [])), 16)
        blocks = [rpc(url, "eth_getBlockByNumber", [hex(n), False]) for n in range(head + 1)]
        stamps = [int(block["timestamp"], 16) for block in blocks]  # type: ignore[index]
        assert stamps == sorted(stamps)
        assert sum(a == b for a, b in itertools.pairwise(stamps[1:])) >= 1
        parents = [block["parentHash"] for block in blocks[1:]]  # type: ignore[index]
        assert parents == [block["hash"] for block in blocks[:-1]]  # type: ignore[index]
    finally:
        process.terminate()
        process.wait(timeout=30)
