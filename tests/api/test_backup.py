"""``aeo-ledger backup`` / ``restore``: the gateway's state backed up while writes go on, restored
into an empty directory; the restored gateway (its index rebuilt from the chain) answers the same."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.backup import BackupError, backup, restore
from api.config import ApiSettings
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from ledger_client.cli import main
from ledger_client.ledger import Ledger
from tests.api.conftest import Env, issue_body, open_env, unique_number


def _same(a: TestClient, b: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    first, second = a.get(path, headers=headers, params=params), b.get(path, headers=headers, params=params)
    assert first.status_code == second.status_code == 200, (path, first.text, second.text)
    assert first.json() == second.json(), path
    return first.json()


@pytest.mark.slow  # a backup taken while writers run, then restored and compared (about 13 s)
def test_backup_under_writes_and_restore_serves_the_same_answers(tmp_path: Path) -> None:
    with open_env(tmp_path / "live", Ledger.embedded()) as env:
        _drill(env, tmp_path)


def _drill(env: Env, tmp_path: Path) -> None:
    state = env.runtime.settings.state_directory()
    body = issue_body(unique_number("BAK"))
    first = env.post("/v1/certificates", "cr_writer", body, **{"Idempotency-Key": "backup-k1"})
    assert first.status_code == 201, first.text
    cid = first.json()["certificate"]["id"]
    hook = env.post("/v1/webhooks/endpoints", "pe_writer", {"url": "http://127.0.0.1:9/hook"})
    assert hook.status_code == 201, hook.text
    env.client.get(f"/v1/certificates/{cid}", headers=env.headers("pe_agency"))
    dev = env.runtime.ledger.dev_signers()
    env.runtime.signers.save("CR", dev[1], "keystore-password")  # type: ignore[attr-defined]
    (state / "documents").mkdir(exist_ok=True)
    (state / "documents" / f"{cid}.json").write_text('{"certificate_number": "BAK"}')

    written: list[int] = []

    def writes() -> None:
        for _ in range(6):
            written.append(env.post("/v1/certificates", "cr_writer", issue_body(unique_number("BAKW"))).status_code)

    writer = threading.Thread(target=writes)
    writer.start()
    target = tmp_path / "backups" / "cr.tar.gz"
    report = backup(env.runtime.settings, target)
    writer.join(60)
    assert written == [201] * 6
    assert target.stat().st_mode & 0o777 == 0o600
    assert {"tokens.sqlite", "idempotency.sqlite", "webhooks.sqlite", "agency-reads.sqlite"} <= set(report.files)
    assert "keystores/CR.json" in report.files
    assert "keystores/CR.password" not in report.files  # keystores only, still encrypted
    assert f"documents/{cid}.json" in report.files
    assert not any(name.startswith("index") for name in report.files)

    restored_dir = tmp_path / "restored"
    restore(target, restored_dir)
    assert not (restored_dir / "index.sqlite").exists()
    assert json.loads((restored_dir / "keystores" / "CR.json").read_text())["crypto"]  # still encrypted
    assert (restored_dir / "documents" / f"{cid}.json").read_text() == '{"certificate_number": "BAK"}'

    settings = ApiSettings(state_dir=restored_dir, index_wait_seconds=20, index_poll_seconds=0.05)
    registry = SignerRegistry(restored_dir / "keystores", governance=dev[0])
    for i, code in enumerate(("CR", "PE", "MX", "CL"), start=1):
        registry.register(code, dev[i])
    restored = Runtime.assemble(settings, env.runtime.ledger, registry, owner="restored")
    restored.owns = False
    restored.start()
    try:
        env.runtime.index.wait_for_block(env.runtime.ledger.chain.block_number(), 20)
        restored.index.wait_for_block(env.runtime.ledger.chain.block_number(), 20)
        with TestClient(create_app(runtime=restored), raise_server_exceptions=False) as again:
            reader = env.headers("cr_reader")
            _same(env.client, again, f"/v1/certificates/{cid}", reader)
            _same(env.client, again, f"/v1/certificates/{cid}/history", reader)
            listing = _same(env.client, again, "/v1/certificates", reader, issuer="CR", limit=1000)
            assert len(listing["items"]) >= 7  # the writes made during the backup too: the index is the chain's
            _same(env.client, again, "/v1/webhooks/endpoints", env.headers("pe_writer"))
            reads = again.get("/v1/administrations/PE/agency-reads", headers=env.headers("pe_writer")).json()
            assert any(r["path"] == f"/v1/certificates/{cid}" for r in reads["items"])
            replay = again.post(
                "/v1/certificates", json=body, headers=env.headers("cr_writer", **{"Idempotency-Key": "backup-k1"})
            )
            assert replay.status_code == 201
            assert replay.headers["Idempotent-Replayed"] == "true"
            assert replay.json() == first.json()
            assert again.get("/v1/administrations", headers=env.headers("revoked")).status_code == 401
    finally:
        restored.close()


def test_restore_refuses_a_directory_in_use_and_a_damaged_backup(env: Env, tmp_path: Path) -> None:
    target = tmp_path / "b.tar.gz"
    backup(env.runtime.settings, target)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "tokens.sqlite").write_text("")
    with pytest.raises(BackupError, match="not empty"):
        restore(target, busy)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(target) as source, tarfile.open(damaged, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member)
            assert data is not None
            content = data.read()
            if member.name == "tokens.sqlite":
                content = content[:-1] + bytes([content[-1] ^ 1])
            member.size = len(content)
            copy.addfile(member, io.BytesIO(content))
    with pytest.raises(BackupError, match="damaged"):
        restore(damaged, tmp_path / "fresh")
    with pytest.raises(BackupError, match="cannot read"):
        restore(tmp_path / "missing.tar.gz", tmp_path / "fresh2")


def test_the_cli_backs_up_and_restores(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = env.runtime.settings.state_directory()
    target = tmp_path / "cli.tar.gz"
    assert main(["backup", "--data-dir", str(state), "--to", str(target)]) == 0
    assert "the index is not in it" in capsys.readouterr().out
    assert main(["restore", "--from", str(target), "--data-dir", str(tmp_path / "new")]) == 0
    assert (tmp_path / "new" / "tokens.sqlite").is_file()
    assert main(["restore", "--from", str(target), "--data-dir", str(tmp_path / "new")]) == 2
    assert "not empty" in capsys.readouterr().err
