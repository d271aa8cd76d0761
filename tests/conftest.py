"""Fixtures shared by every test package: a real JSON-RPC node (Foundry's anvil).

``anvil_factory`` starts nodes with any options and stops them at the end of the session;
``anvil`` is one default node per module. Neither skips: when the binary is missing the test
fails and says how to install it (``bash scripts/bootstrap.sh``; CI always has it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.anvil import AnvilMissingError, AnvilNode, start_anvil

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
