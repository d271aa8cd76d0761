"""Issue #14: ``aeo-ledger migrate`` across a real change of the contract: a durable chain holding
the demo's data on the earlier version c526977 (before consent and exchange keys), migrated to the
current version; every answer is unchanged and the old deployment stays readable and read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger_client.artifacts import load_artifact
from ledger_client.cli import main
from ledger_client.demo import seed_demo
from ledger_client.demo.history import rewind_new_chain
from ledger_client.deployment import Deployment
from ledger_client.errors import ConfigurationError
from ledger_client.ledger import Ledger
from ledger_client.models import ReasonCode
from tests.migration.answers import SETTINGS, Seeded, assert_same_answers, migrate_once, seeded_of
from tests.migration.test_versions import OLD_SOURCES
from tests.support.previous import durable_previous

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    data_dir = tmp_path_factory.mktemp("demo-c526977")
    assert rewind_new_chain(data_dir)
    with durable_previous(data_dir, "c526977", SETTINGS) as ledger:
        demo = seed_demo(ledger, data_dir, certificates=12, kdf_iterations=1_000)
        return seeded_of(data_dir, demo, ledger.administrations.governance())


def test_the_demo_on_c526977_migrates_to_the_current_version_with_every_answer_unchanged(
    seeded: Seeded, tmp_path: Path
) -> None:
    code, out, record_path = migrate_once(seeded, "v2")
    assert code == 0, out
    assert "old version c526977 (14fbed086ad8): every write translated to the current version" in out
    record = json.loads(record_path.read_text())
    assert record["old_sources_sha256"] == OLD_SOURCES
    assert record["new_sources_sha256"] == load_artifact().sources_sha256
    assert len(record["heads"]) == len(seeded.certificates)
    new_manifest = Deployment.load(seeded.data_dir / "deployments" / "v2.json")
    assert new_manifest.sources_sha256 == load_artifact().sources_sha256

    with Ledger.embedded(data_dir=seeded.data_dir, settings=SETTINGS) as old:
        assert old.deployment.sources_sha256 == OLD_SOURCES  # opened with its own artifact
        new = Ledger.attach(old.chain, new_manifest, settings=SETTINGS)
        assert_same_answers(old, new, seeded, record["old_block"], tmp_path)
        for cid in seeded.certificates:
            assert new.certificates.get(cid).consent  # carried with consent given
        # the old deployment stays read-only (refused before any signature or node call)
        active = next(c for c in seeded.certificates if old.certificates.get(c).status.name == "ACTIVE")
        with pytest.raises(ConfigurationError, match=r"version c526977 .* read-only"):
            old.certificates.revoke(active, ReasonCode.OTHER)


def test_the_current_client_audits_the_c526977_deployment_with_its_artifact(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AEO_LEDGER_BLOCK_MODE", "instant")
    for name in ("AEO_LEDGER_KEYSTORE", "AEO_LEDGER_PRIVATE_KEY", "AEO_LEDGER_DEPLOYMENT", "AEO_LEDGER_RPC_URL"):
        monkeypatch.delenv(name, raising=False)
    options = ["--data-dir", str(seeded.data_dir)]
    for cid in seeded.certificates[:3]:
        assert main(["audit", "certificate", "0x" + cid.hex(), *options]) == 0, capsys.readouterr()
    for mra_id in seeded.mras:
        assert main(["audit", "mra", str(mra_id), *options]) == 0, capsys.readouterr()
    assert "Traceback" not in capsys.readouterr().err
