"""Fixtures: a durable embedded ledger in a temporary data directory, seeded once per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger_client.demo import DemoSeed, seed_demo
from ledger_client.demo.history import rewind_new_chain
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings

#: pbkdf2 rounds of the test keystores (the default 262,144 only slows the tests down).
TEST_KDF_ITERATIONS = 1_000


@dataclass
class Seeded:
    """A seeded demo network."""

    ledger: Ledger
    demo: DemoSeed
    data_dir: Path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The default demo network (200 certificates, a year of history) on a durable embedded chain
    in its default (realtime) block mode, as ``aeo-ledger demo`` runs it."""
    data_dir = tmp_path_factory.mktemp("demo")
    assert rewind_new_chain(data_dir)
    ledger = Ledger.embedded(data_dir=data_dir, settings=Settings(block_mode="realtime"))
    demo = seed_demo(ledger, data_dir, kdf_iterations=TEST_KDF_ITERATIONS)
    yield Seeded(ledger, demo, data_dir)
    ledger.close()
