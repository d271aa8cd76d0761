"""The committed contract artifacts must be built from the current sources."""

from __future__ import annotations

import json

from ledger_client.artifacts import load_artifact
from scripts.compile import OUTPUT_CONTRACTS, OUTPUT_DIRS, SOLC_VERSION, sources_sha256


def test_artifacts_are_not_stale() -> None:
    digest = sources_sha256()
    for name in OUTPUT_CONTRACTS.values():
        artifact = json.loads((OUTPUT_DIRS[name] / f"{name}.json").read_text())
        assert artifact["sourcesSha256"] == digest, (
            f"{name}.json was built from other sources: run `python scripts/compile.py`"
        )
        assert artifact["compilerVersion"] == SOLC_VERSION


def test_artifact_loader_exposes_abi_and_bytecode() -> None:
    artifact = load_artifact("AeoLedger")
    names = {item.get("name") for item in artifact.abi}
    assert {"issue", "issueBatch", "recognition", "acknowledge", "proposeMra"} <= names
    assert artifact.bytecode.startswith("0x60")
    assert len(artifact.deployed_bytecode) > 1000


def test_the_package_ships_no_test_harness() -> None:
    shipped = {path.name for path in OUTPUT_DIRS["AeoLedger"].glob("*.json")}
    assert shipped == {"AeoLedger.json"}
    assert (OUTPUT_DIRS["AeoLedgerHarness"] / "AeoLedgerHarness.json").is_file()
