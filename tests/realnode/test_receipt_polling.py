"""Receipt polling adapts: a few milliseconds first, then doubling up to the configured cap.

No timing is asserted: the waits the poller asks for are recorded instead of slept.
"""

from __future__ import annotations

import itertools

import pytest

import ledger_client.chain as chain_module
from ledger_client.chain import FIRST_RECEIPT_POLL, Chain
from ledger_client.errors import TransactionTimeoutError
from tests.support.anvil import AnvilNode


class _Clock:
    """A fake monotonic clock that ``sleep`` advances, recording every wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_waits_start_at_a_few_ms_and_back_off_to_the_cap(anvil: AnvilNode, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = Chain.connect(anvil.url, poll_interval=0.25)
    clock = _Clock()
    monkeypatch.setattr(chain_module.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(chain_module.time, "sleep", clock.sleep)
    with pytest.raises(TransactionTimeoutError):
        chain.wait_for_receipt(b"\x42" * 32, timeout=2.0)  # a transaction the node never saw
    waits = clock.waits
    assert waits[0] == FIRST_RECEIPT_POLL <= 0.005
    assert all(later >= earlier for earlier, later in itertools.pairwise(waits[:-1]))
    assert max(waits) == pytest.approx(0.25)
    assert waits[1] == pytest.approx(2 * waits[0])
    assert sum(waits) == pytest.approx(2.0)  # the last wait is cut to the deadline


def test_a_mined_transaction_is_confirmed_without_waiting_the_cap(
    anvil: AnvilNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = Chain.connect(anvil.url, poll_interval=0.25)
    clock = _Clock()
    monkeypatch.setattr(chain_module.time, "sleep", clock.sleep)
    tx_hash = bytes.fromhex(
        anvil.rpc(
            "eth_sendTransaction",
            {"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "to": "0x" + "01" * 20, "value": "0x1"},
        )[2:]
    )
    receipt = chain.wait_for_receipt(tx_hash, timeout=10)
    assert receipt.status == 1
    assert all(wait < 0.25 for wait in clock.waits)
