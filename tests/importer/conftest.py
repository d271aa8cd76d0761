"""Fixtures: a durable embedded ledger with CR (dev account 1) and MX (dev account 2) registered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger_client.demo.generator import issuer_documents
from ledger_client.importer import record_of, write_records
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings

TODAY = date(2025, 9, 1)
Records = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The data directory of the chain, the documents and the checkpoints."""
    return tmp_path / "data"


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    """Governance client of a fresh durable ledger with CR and MX registered (realtime blocks, the default)."""
    with Ledger.embedded(data_dir=data_dir, settings=Settings(block_mode="realtime")) as ledger:
        signers = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", signers[1].address)
        ledger.administrations.register("MX", "Mexico", signers[2].address)
        yield ledger


@pytest.fixture
def cr(ledger: Ledger) -> Ledger:
    """Costa Rica's client."""
    return ledger.with_signer(ledger.dev_signers()[1])


@pytest.fixture
def records() -> Records:
    """``records(n, seed=…)``: ``n`` valid CR registry records."""

    def make(count: int, seed: int = 11) -> list[dict[str, Any]]:
        return [record_of(d) for d in issuer_documents("CR", count, seed=seed, today=TODAY)]

    return make


@pytest.fixture
def registry(tmp_path: Path) -> Callable[[str, list[dict[str, Any]]], Path]:
    """``registry(name, records)``: write an input file named ``name`` (format from the suffix)."""

    def write(name: str, rows: list[dict[str, Any]]) -> Path:
        return write_records(tmp_path / name, rows)

    return write
