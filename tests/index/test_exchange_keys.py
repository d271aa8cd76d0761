"""The index's exchange keys: current key and URL with its version, its history, key at a time, rewind."""

from __future__ import annotations

from ledger_client.index import Index
from tests.support.harness_chain import Chain

KEY1 = bytes(range(1, 33))
KEY2 = bytes(range(101, 133))


def test_current_key_history_and_key_at_a_time(fresh: Chain, index: Index) -> None:
    index.sync()
    assert index.exchange_key("PE") is None
    assert index.exchange_key_history("PE") == []
    first_block = fresh.tx("PE", "publishExchangeKey", KEY1, "https://pe.example")
    first_time = fresh.time()
    fresh.tester.time_travel(first_time + 60)
    fresh.tx("PE", "publishExchangeKey", KEY2, "https://gw.pe.example/v2")
    index.sync()
    now = index.exchange_key("PE")
    assert now is not None
    assert (now.code, now.version, now.public_key, now.gateway_url) == ("PE", 2, KEY2, "https://gw.pe.example/v2")
    history = index.exchange_key_history("PE")
    assert [(k.version, k.public_key, k.gateway_url) for k in history] == [
        (1, KEY1, "https://pe.example"),
        (2, KEY2, "https://gw.pe.example/v2"),
    ]
    assert history[0].block_number == first_block
    assert history[0].to_model().public_key == KEY1
    at_first = index.exchange_key("PE", at=first_time)
    assert at_first is not None
    assert at_first.version == 1
    assert index.exchange_key("PE", at=first_time - 1) is None
    assert index.exchange_key("CR") is None


def test_a_reorg_drops_the_rotations_above_the_fork(fresh: Chain, index: Index) -> None:
    fresh.tx("CR", "publishExchangeKey", KEY1, "https://cr.example")
    index.sync()
    fork = fresh.tester.take_snapshot()
    fresh.tx("CR", "publishExchangeKey", KEY2, "https://cr.example/dropped")
    index.sync()
    assert index.exchange_key("CR").version == 2  # type: ignore[union-attr]
    fresh.tester.revert_to_snapshot(fork)
    fresh.tx("PE", "publishExchangeKey", KEY2, "https://pe.example")
    fresh.tester.mine_blocks(5)
    assert index.sync().reorgs == 1
    key = index.exchange_key("CR")
    assert key is not None
    assert (key.version, key.public_key, key.gateway_url) == (1, KEY1, "https://cr.example")
    assert [k.version for k in index.exchange_key_history("CR")] == [1]
    assert index.exchange_key("PE") is not None
