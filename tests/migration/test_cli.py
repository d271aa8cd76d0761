"""Issue #14: ``aeo-ledger migrate`` on a durable chain holding the demo's data; every answer of the
old deployment (state, recognition, acknowledgements, the audit's history proofs, the index's
recognition at a time) is the new deployment's, and every refusal comes before anything is sent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger_client.demo import seed_demo
from ledger_client.demo.history import rewind_new_chain
from ledger_client.deployment import Deployment
from ledger_client.ledger import Ledger
from ledger_client.migration import MigrationError, MigrationRecord
from tests.migration.answers import (
    SETTINGS,
    Seeded,
    all_keys,
    assert_same_answers,
    migrate_once,
    run_migrate,
    seeded_of,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    data_dir = tmp_path_factory.mktemp("demo")
    assert rewind_new_chain(data_dir)
    with Ledger.embedded(data_dir=data_dir, settings=SETTINGS) as ledger:
        demo = seed_demo(ledger, data_dir, certificates=12, kdf_iterations=1_000)
        return seeded_of(data_dir, demo, ledger.administrations.governance())


@pytest.fixture
def chain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEO_LEDGER_BLOCK_MODE", "instant")
    for name in ("AEO_LEDGER_KEYSTORE", "AEO_LEDGER_PRIVATE_KEY", "AEO_LEDGER_DEPLOYMENT", "AEO_LEDGER_RPC_URL"):
        monkeypatch.delenv(name, raising=False)


def _head(seeded: Seeded) -> int:
    with Ledger.embedded(data_dir=seeded.data_dir, settings=SETTINGS) as ledger:
        return ledger.chain.block_number()


def _manifests(seeded: Seeded) -> Path:
    return seeded.data_dir / "deployments"


@pytest.fixture(scope="module")
def migrated(seeded: Seeded) -> tuple[int, str, Path]:
    """``aeo-ledger migrate --name v2`` run once: its exit code, its output, the record path."""
    return migrate_once(seeded, "v2")


def test_migrate_carries_every_answer_to_the_new_deployment(
    seeded: Seeded, migrated: tuple[int, str, Path], tmp_path: Path
) -> None:
    code, out, record_path = migrated
    assert code == 0, out
    record = json.loads(record_path.read_text())
    new_manifest = Deployment.load(_manifests(seeded) / "v2.json")
    assert record["new_address"] == new_manifest.address != record["old_address"]
    assert f"certificates:     {len(seeded.certificates)} (history heads compared: {len(seeded.certificates)})" in out
    assert f"MRAs:             {len(seeded.mras)}" in out
    assert f"acknowledgements: {record['acknowledgements']}" in out
    assert record["acknowledgements"] > 0

    with Ledger.embedded(data_dir=seeded.data_dir, settings=SETTINGS) as old:
        new = Ledger.attach(old.chain, new_manifest, settings=SETTINGS)
        assert_same_answers(old, new, seeded, record["old_block"], tmp_path)


def test_an_existing_manifest_is_refused_before_sending(
    seeded: Seeded, chain_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(_manifests(seeded) / "local.json", _manifests(seeded) / "taken.json")
    head = _head(seeded)
    assert run_migrate(seeded, "--name", "taken", *all_keys(seeded)) == 2
    assert "taken.json already exists: choose another --name, or --force" in capsys.readouterr().err
    assert _head(seeded) == head
    assert run_migrate(seeded, "--name", "local", *all_keys(seeded)) == 2
    assert "is the old deployment's name" in capsys.readouterr().err


def test_missing_keys_are_listed_before_sending(
    seeded: Seeded, chain_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    head = _head(seeded)
    only_admins = ["--keystores", str(seeded.data_dir / "keystores")]
    assert run_migrate(seeded, "--name", "v3", *only_admins) == 2
    err = capsys.readouterr().err
    assert f"no key for 1 original sender(s) of the old deployment: {seeded.senders[0]} " in err
    assert run_migrate(seeded, "--name", "v3", "--development-keys") == 2
    err = capsys.readouterr().err
    assert f"no key for {len(seeded.senders) - 1} original sender(s)" in err
    assert all(address in err for address in seeded.senders[1:])
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert _head(seeded) == head
    assert not (_manifests(seeded) / "v3.json").exists()


def test_dry_run_checks_and_counts_but_sends_nothing(
    seeded: Seeded, chain_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    head = _head(seeded)
    assert run_migrate(seeded, "--name", "v4", "--dry-run", *all_keys(seeded)) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing sent" in out
    assert f"from {len(seeded.senders)} senders: every key is present" in out
    assert _head(seeded) == head
    assert not (_manifests(seeded) / "v4.json").exists()
    assert not (_manifests(seeded) / "v4.migration.json").exists()


def test_option_errors_are_one_line_before_sending(
    seeded: Seeded, chain_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keystores = seeded.data_dir / "keystores"
    no_password = tmp_path / "no-password"
    no_password.mkdir()
    shutil.copy(keystores / "CR.json", no_password / "CR.json")
    cases = {
        ("--deployment", "nowhere"): "no deployment manifest",
        ("--keystore", str(keystores / "CR.json")): "1 --keystore but 0 --password-file",
        ("--keystores", str(tmp_path / "absent")): "is not a directory",
        ("--keystores", str(tmp_path)): "holds no <NAME>.json keystore",
        ("--keystores", str(no_password)): "has no password file CR.password nor password",
        ("--keystore", str(keystores / "CR.json"), "--password-file", str(tmp_path / "x")): "cannot read password",
    }
    for options, message in cases.items():
        assert run_migrate(seeded, "--name", "v5", *options) == 2, options
        err = capsys.readouterr().err
        assert message in err, (options, err)
        assert len(err.strip().splitlines()) == 1, (options, err)


def test_a_migration_that_stops_writes_no_manifest_nor_record(
    seeded: Seeded, chain_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> MigrationRecord:
        raise MigrationError("the old deployment was written after block 3")

    monkeypatch.setattr("ledger_client.cli.migrate.migrate", interrupted)
    assert run_migrate(seeded, "--name", "v6", *all_keys(seeded)) == 2
    err = capsys.readouterr().err
    assert "stopped, no manifest or record written for 'v6'" in err
    assert err.rstrip().endswith("the old deployment was written after block 3")
    assert not (_manifests(seeded) / "v6.json").exists()
    assert not (_manifests(seeded) / "v6.migration.json").exists()
