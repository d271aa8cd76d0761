"""Bulk import: good rows land, bad rows are reported by line, inputs in CSV and JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.demo.keys import ensure_signer, fund
from ledger_client.importer import (
    DocumentStore,
    ImportFormatError,
    ImportProgress,
    ImportSignerError,
    TextProgress,
    prepare_row,
    read_rows,
    run_import,
)
from ledger_client.ledger import Ledger
from tests.importer.conftest import Records

Registry = Callable[[str, list[dict[str, Any]]], Path]


def _ids(report_rows: list[Any]) -> set[bytes]:
    return {row.certificate_id for row in report_rows}


def test_csv_good_rows_land_and_bad_rows_are_reported_by_line(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry
) -> None:
    rows = records(30)
    rows[2]["roles"] = "importer|shipper"
    rows[4]["valid_from"] = "2024-02-30"
    rows[5]["valid_until"] = "2001-01-01"
    rows[6]["operator_name"] = ""
    rows[7]["certificate_number"] = "CR-OEA-" + "9" * 40
    rows[8]["sme"] = "maybe"
    rows[9]["issuer"] = "PE"
    rows.append(dict(rows[0]))  # the same number again
    path = registry("registry.csv", rows)
    report = run_import(cr, "CR", path, data_dir=data_dir)
    assert len(report.landed) == 23
    assert not report.skipped
    by_line = {error.line: error for error in report.errors}
    assert sorted(by_line) == [4, 6, 7, 8, 9, 10, 11, 32]
    assert "unknown role 'shipper'" in by_line[4].reason
    assert by_line[6].reason.startswith("valid_from:")
    assert "valid_until" in by_line[7].reason
    assert "not after valid_from" in by_line[7].reason
    assert by_line[8].reason == "operator_name: required"
    assert by_line[9].reason.startswith("certificate_number:")
    assert by_line[10].reason.startswith("sme:")
    assert "not the importing administration" in by_line[11].reason
    assert by_line[32].kind == "duplicate"
    assert "line 2" in by_line[32].reason
    assert {e.kind for e in report.errors} == {"validation", "duplicate"}
    store = DocumentStore(data_dir)
    assert len(list(store.directory.glob("*.json"))) == 23
    for landed in report.landed:
        assert cr.certificates.exists(landed.certificate_id)
    sample = report.landed[0]
    assert cr.verify_document(store.read(sample.certificate_id)).ok
    assert not cr.certificates.exists(cr.certificates.certificate_id("CR", rows[2]["certificate_number"]))


def test_a_number_already_on_the_ledger_with_another_document_is_a_conflict(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry
) -> None:
    rows = records(12)
    taken = rows[3]["certificate_number"]
    cr.certificates.issue(CertificateRequest(taken, 1, 1, False, 1_700_000_000, 0, b"\x42" * 32))
    report = run_import(cr, "CR", registry("registry.csv", rows), data_dir=data_dir)
    assert len(report.landed) == 11
    (error,) = report.errors
    assert (error.line, error.number, error.kind) == (5, taken, "conflict")
    assert "CertificateAlreadyIssued" in error.reason
    assert not DocumentStore(data_dir).has(cr.certificates.certificate_id("CR", taken))


def test_json_array_reports_the_line_where_each_object_starts(
    cr: Ledger, data_dir: Path, records: Records, tmp_path: Path
) -> None:
    rows: list[dict[str, Any]] = records(6)
    rows[1]["roles"] = ["importer", "exporter"]
    rows[1]["sme"] = True
    rows[2]["valid_until"] = None
    rows[4]["programmes"] = ["teleportation"]
    text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, indent=2) for r in rows) + "\n]\n"
    path = tmp_path / "registry.json"
    path.write_text(text, encoding="utf-8")
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "{"]
    assert [r.line for r in read_rows(path)] == starts
    report = run_import(cr, "CR", path, data_dir=data_dir)
    assert len(report.landed) == 5
    (error,) = report.errors
    assert error.line == starts[4]
    assert "unknown programme 'teleportation'" in error.reason
    assert cr.certificates.get(report.landed[1].certificate_id).roles == 3
    assert cr.certificates.get(report.landed[2].certificate_id).valid_until == 0


def test_json_lines_input(cr: Ledger, data_dir: Path, records: Records, registry: Registry) -> None:
    rows = records(5)
    path = registry("registry.jsonl", rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    report = run_import(cr, "CR", path, data_dir=data_dir, batch_size=2)
    assert len(report.landed) == 5
    assert report.batches == 3
    (error,) = report.errors
    assert error.line == 6
    assert "invalid JSON" in error.reason


def test_the_same_records_in_csv_and_json_give_the_same_documents(records: Records, registry: Registry) -> None:
    rows = records(8)
    from_csv = [prepare_row(r, "CR") for r in read_rows(registry("a.csv", rows))]
    from_json = [prepare_row(r, "CR") for r in read_rows(registry("a.json", rows))]
    assert [r.document_hash for r in from_csv] == [r.document_hash for r in from_json]


def test_progress_is_reported(cr: Ledger, data_dir: Path, records: Records, registry: Registry) -> None:
    seen: list[ImportProgress] = []
    stream = io.StringIO()
    bar = TextProgress(stream)

    def both(state: ImportProgress) -> None:
        seen.append(state)
        bar(state)

    run_import(cr, "CR", registry("registry.csv", records(9)), data_dir=data_dir, batch_size=4, progress=both)
    assert [s.processed for s in seen] == [0, 4, 8, 9]
    assert seen[-1].done
    assert seen[-1].landed == 9
    assert "9/9 100%" in stream.getvalue()
    assert "landed 9" in stream.getvalue()


def test_file_level_problems_stop_before_anything_is_sent(
    cr: Ledger, data_dir: Path, records: Records, tmp_path: Path
) -> None:
    block = cr.chain.block_number()
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("certificate_number,operator,tax_id\nX,Y,Z\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"unknown column\(s\) 'operator'.*missing column\(s\)"):
        run_import(cr, "CR", bad_header, data_dir=data_dir)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="empty"):
        run_import(cr, "CR", empty, data_dir=data_dir)
    with pytest.raises(ImportFormatError, match="suffix"):
        run_import(cr, "CR", tmp_path / "registry.xlsx", data_dir=data_dir)
    not_array = tmp_path / "object.json"
    not_array.write_text('{"certificate_number": "X"}', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="array"):
        run_import(cr, "CR", not_array, data_dir=data_dir)
    assert cr.chain.block_number() == block


def test_the_signer_must_belong_to_the_administration(
    ledger: Ledger, data_dir: Path, records: Records, registry: Registry
) -> None:
    path = registry("registry.csv", records(3))
    mexico = ledger.with_signer(ledger.dev_signers()[2])
    with pytest.raises(ImportSignerError, match="signs for MX"):
        run_import(mexico, "CR", path, data_dir=data_dir)
    # with CR's keystore in the data directory, any client can run the import
    signer = ensure_signer(data_dir, "CR", seed=1, iterations=1_000)
    ledger.administrations.add_signer(signer.address, signer=ledger.dev_signers()[1])
    fund(ledger, ledger.dev_signers()[0], signer.address)
    report = run_import(mexico, "cr", path, data_dir=data_dir)
    assert len(report.landed) == 3
    assert report.administration == "CR"
