"""``aeo-ledger import``: good rows land, bad rows are reported by line, a rerun sends nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.signers import SignerRegistry
from ledger_client.certificates import Certificates
from ledger_client.cli import main
from ledger_client.demo.generator import issuer_documents
from ledger_client.importer import record_of, write_records
from ledger_client.ledger import Ledger

#: Each test imports into a durable chain and reruns the import (12-16 s each).
pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A durable embedded chain with CR registered and CR's keystore where the CLI looks for it."""
    data = tmp_path / "data"
    with Ledger.embedded(data_dir=data) as ledger:
        cr = ledger.dev_signers()[1]
        ledger.administrations.register("CR", "Costa Rica", cr.address)
        SignerRegistry(data / "keystores").save("CR", cr, "import-test")
    return data


def test_import_reports_bad_rows_and_resumes(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [record_of(d) for d in issuer_documents("CR", 4, seed=7, today=date(2026, 1, 15))]
    records[2] = {**records[2], "roles": "astronaut"}  # line 4 of the CSV (header is line 1)
    registry = write_records(tmp_path / "registry.csv", records)
    args = ["import", "--data-dir", str(data_dir), "--admin", "cr", str(registry), "--quiet"]

    assert main(args) == 1  # one row was rejected
    captured = capsys.readouterr()
    assert "3 landed" in captured.out
    assert "line 4" in captured.err
    assert "astronaut" in captured.err
    with Ledger.embedded(data_dir=data_dir) as ledger:
        issued = [ledger.certificates.certificate_id("CR", r["certificate_number"]) for r in records]
        assert [ledger.certificates.exists(cid) for cid in issued] == [True, True, False, True]
        block = ledger.chain.block_number()

    assert main(args) == 1
    again = capsys.readouterr()
    assert "0 landed" in again.out
    with Ledger.embedded(data_dir=data_dir) as ledger:
        assert ledger.chain.block_number() == block  # nothing was sent again
    assert len(list((data_dir / "documents").glob("*.json"))) == 3


def test_a_document_that_cannot_be_written_is_one_clear_error_and_a_rerun_mends_it(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [record_of(d) for d in issuer_documents("CR", 3, seed=8, today=date(2026, 1, 15))]
    registry = write_records(tmp_path / "registry.csv", records)
    args = ["import", "--data-dir", str(data_dir), "--admin", "CR", str(registry), "--quiet"]
    with Ledger.embedded(data_dir=data_dir) as ledger:
        blocked = ledger.certificates.certificate_id("CR", records[1]["certificate_number"])
    target = data_dir / "documents" / f"{blocked.hex()}.json"
    target.mkdir(parents=True)  # a directory where the document should go

    assert main(args) == 2
    err = capsys.readouterr().err
    assert "writing certificate documents failed" in err
    assert "run the same import again" in err
    assert "Traceback" not in err
    target.rmdir()
    assert main(args) == 0
    assert "3 already on the ledger" in capsys.readouterr().out
    assert target.is_file()


def test_ctrl_c_says_where_the_import_stopped_and_a_rerun_resumes(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [record_of(d) for d in issuer_documents("CR", 4, seed=9, today=date(2026, 1, 15))]
    registry = write_records(tmp_path / "registry.csv", records)
    args = ["import", "--data-dir", str(data_dir), "--admin", "CR", str(registry), "--batch-size", "2"]
    real_issue_many = Certificates.issue_many
    calls = 0

    def interrupt_second_batch(self: Certificates, *a: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
        return real_issue_many(self, *a, **kw)

    monkeypatch.setattr(Certificates, "issue_many", interrupt_second_batch)
    assert main(args) == 130
    err = capsys.readouterr().err
    assert "interrupted after 2 of 4 records (2 landed" in err
    checkpoint = next((data_dir / "imports").glob("CR-*.checkpoint.jsonl"))
    assert str(checkpoint) in err
    assert "again to resume" in err

    monkeypatch.setattr(Certificates, "issue_many", real_issue_many)
    assert main([*args, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 landed" in out
    with Ledger.embedded(data_dir=data_dir) as ledger:
        for record in records:
            assert ledger.certificates.exists(ledger.certificates.certificate_id("CR", record["certificate_number"]))
