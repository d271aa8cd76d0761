"""Fixtures shared by every test package: a real JSON-RPC node (Foundry's anvil); suite-wide defaults.

``anvil_factory`` starts nodes with any options and stops them at the end of the session;
``anvil`` is one default node per module. Neither skips: when the binary is missing the test
fails and says how to install it (``bash scripts/bootstrap.sh``; CI always has it).

The embedded durable node follows the wall clock by default (``realtime`` blocks: a client that
waits for each receipt gets about one write per second once the chain is ahead). Tests that make
hundreds of sequential writes only to check something else run it in ``instant`` mode (one block
per transaction at once), the mode kept for them; tests of the clock itself, the demo and the
import choose ``realtime`` explicitly (``tests/node/test_clock.py``, ``tests/demo``, ``tests/importer``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.support.anvil import AnvilMissingError, AnvilNode, start_anvil

os.environ.setdefault("AEO_LEDGER_BLOCK_MODE", "instant")

AnvilFactory = Callable[..., AnvilNode]


@pytest.fixture(scope="session")
def anvil_factory() -> Iterator[AnvilFactory]:
    """Start an anvil node with extra options: ``anvil_factory("--enable-tx-gas-limit")``."""
    nodes: list[AnvilNode] = []

    def start(*options: str) -> AnvilNode:
        try:
            node = start_anvil(*options)
        except AnvilMissingError as exc:
            pytest.fail(str(exc), pytrace=False)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()


@pytest.fixture(scope="module")
def anvil(anvil_factory: AnvilFactory) -> Iterator[AnvilNode]:
    """A default anvil node (Prague, no per-transaction gas cap), one per test module."""
    node = anvil_factory()
    yield node
    node.stop()
