"""Fixtures: a durable chain in a temp dir, served in-process and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from ledger_client.node import DurableChain, DurableChainProvider, start_in_thread


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[DurableChain]:
    node = DurableChain(tmp_path / "data", block_mode="instant")  # one block per transaction, as asserted
    yield node
    node.close()


@pytest.fixture
def http_url(chain: DurableChain) -> Iterator[str]:
    server = start_in_thread(chain)
    yield server.url
    server.stop()


@pytest.fixture(params=["inproc", "http"])
def w3(request: pytest.FixtureRequest, chain: DurableChain) -> Web3:
    if request.param == "inproc":
        return Web3(DurableChainProvider(chain))
    url = request.getfixturevalue("http_url")
    return Web3(Web3.HTTPProvider(url))
