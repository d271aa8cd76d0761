"""Receipt waits driven by a block signal (Chain.follow_blocks, what a gateway's index gives its chain):
one poll at once, then one per signalled block; the timer when no block is signalled or the signal fails."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

import pytest

from ledger_client.backends import ChainBackend, Receipt
from ledger_client.chain import Chain
from ledger_client.errors import ChainResetError, IndexTimeoutError, TransactionTimeoutError

TX = b"\x42" * 32


class _Backend:
    """Just what a receipt wait uses: the receipt of ``TX`` appears once ``mined`` is set."""

    w3: Any = None
    dev_keys: tuple[bytes, ...] = ()

    def __init__(self) -> None:
        self.polls = 0
        self.mined = threading.Event()

    def await_seal(self, tx_hash: bytes, timeout: float) -> None:
        return None

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        self.polls += 1
        if not self.mined.is_set():
            return None
        return Receipt(tx_hash, 7, b"\x01" * 32, 1, 21_000, None, ())


class _Blocks:
    """A block signal: ``advance()`` makes a new block known."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self._number = 5
        self._moved = threading.Condition()
        self._fail = fail
        self.waits: list[float] = []

    @property
    def block_number(self) -> int:
        return self._number

    def advance(self) -> None:
        with self._moved:
            self._number += 1
            self._moved.notify_all()

    def wait_for_block(self, number: int, timeout: float = 10.0) -> int:
        self.waits.append(timeout)
        if self._fail is not None:
            raise self._fail
        with self._moved:
            if not self._moved.wait_for(lambda: self._number >= number, timeout):
                raise IndexTimeoutError(f"block {number} not reached in {timeout}s")
        return self._number


def _chain(backend: _Backend, blocks: _Blocks | None) -> Chain:
    chain = Chain(cast(ChainBackend, backend), poll_interval=0.25)
    chain.follow_blocks(blocks)
    return chain


def test_polls_at_once_then_once_per_signalled_block() -> None:
    backend, blocks = _Backend(), _Blocks()
    chain = _chain(backend, blocks)

    def mine_on_the_second_block() -> None:
        time.sleep(0.3)
        blocks.advance()  # a block without the transaction
        time.sleep(0.3)
        backend.mined.set()
        blocks.advance()

    threading.Thread(target=mine_on_the_second_block, daemon=True).start()
    receipt = chain.wait_for_receipt(TX, timeout=10)
    assert receipt.block_number == 7
    assert backend.polls == 3  # at once, after each block; a timer backing off to 0.25 s polls about 8 times
    assert all(wait == 1.0 for wait in blocks.waits)


def test_without_a_new_block_it_still_polls_every_second_and_times_out() -> None:
    backend, blocks = _Backend(), _Blocks()
    chain = _chain(backend, blocks)
    started = time.monotonic()
    with pytest.raises(TransactionTimeoutError):
        chain.wait_for_receipt(TX, timeout=2.5)
    assert 2.4 <= time.monotonic() - started < 4
    assert backend.polls == 4  # at 0, 1, 2 and 2.5 s
    assert blocks.waits[-1] == pytest.approx(0.5, abs=0.1)  # the last wait is what remains


def test_a_signal_that_fails_hands_over_to_the_timer() -> None:
    backend, blocks = _Backend(), _Blocks(fail=ChainResetError("the chain lost the deployment"))
    chain = _chain(backend, blocks)
    threading.Timer(0.3, backend.mined.set).start()
    assert chain.wait_for_receipt(TX, timeout=5).block_number == 7
    assert len(blocks.waits) == 1  # asked once; then the timer's backoff polls
    assert backend.polls > 3


def test_follow_blocks_none_is_the_timer_again() -> None:
    backend, blocks = _Backend(), _Blocks()
    chain = _chain(backend, blocks)
    chain.follow_blocks(None)
    threading.Timer(0.3, backend.mined.set).start()
    chain.wait_for_receipt(TX, timeout=5)
    assert blocks.waits == []
    assert backend.polls > 3
