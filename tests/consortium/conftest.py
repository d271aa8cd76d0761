"""One generated kit per session (writing its eleven scrypt keystores takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.cli import main

VALIDATORS = ("CL", "CO", "CR", "MX", "PE")


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``aeo-ledger consortium init --validators CL,CO,CR,MX,PE`` with a non-default chain id and periods."""
    out = tmp_path_factory.mktemp("kit") / "network"
    code = main(
        [
            "consortium",
            "init",
            "--validators",
            ",".join(VALIDATORS),
            "--out",
            str(out),
            "--chain-id",
            "4242",
            "--block-period",
            "3",
            "--request-timeout",
            "7",
        ]
    )
    assert code == 0
    return out
