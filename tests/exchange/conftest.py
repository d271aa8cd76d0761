"""Three gateways' exchange parts on one embedded ledger (a ledger per test: MRAs and signers change)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger_client.ledger import Ledger
from tests.exchange.support import World

ADMINS = {"CR": "Costa Rica", "PE": "Peru", "MX": "Mexico"}


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    chain = Ledger.embedded()
    dev = chain.dev_signers()
    for i, (code, name) in enumerate(ADMINS.items(), start=1):
        chain.administrations.register(code, name, dev[i].address)
    cr, pe = chain.with_signer(dev[1]), chain.with_signer(dev[2])
    mra = cr.mras.propose(["CR", "PE"], 0xF, 0x1FF, 0, "0x" + "22" * 32)
    pe.mras.accept(mra.mra_id)
    yield chain
    chain.close()


@pytest.fixture
def world(ledger: Ledger, tmp_path: Path) -> Iterator[World]:
    w = World(ledger)
    dev = ledger.dev_signers()
    for i, code in enumerate(ADMINS, start=1):
        w.add(code, tmp_path / code, dev[i])
    yield w
    for gateway in w.gateways.values():
        gateway.close()
