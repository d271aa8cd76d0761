"""Preparing an import beside the chain: records in file order, documents written on request, failures surface."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ledger_client.importer import preparation as preparation_module
from ledger_client.importer.formats import SourceRow, read_rows
from ledger_client.importer.preparation import (
    CHUNK_ROWS,
    DocumentWriteError,
    ForkedPreparation,
    ImportPreparationError,
    InlinePreparation,
    Item,
    Preparation,
    ReadyRow,
    start_preparation,
)
from ledger_client.importer.report import RowError
from ledger_client.importer.rows import prepare_row
from ledger_client.importer.store import DocumentStore
from tests.importer.conftest import Records

Start = Callable[[Sequence[SourceRow], str, DocumentStore], Preparation]
KINDS = pytest.mark.parametrize("start", [ForkedPreparation, InlinePreparation], ids=["forked", "inline"])


def _source(registry: Callable[[str, list[dict[str, Any]]], Path], rows: list[dict[str, Any]]) -> list[SourceRow]:
    return read_rows(registry("registry.csv", rows))


def _all(preparation: Preparation) -> list[Item]:
    return [item for chunk in preparation.chunks() for item in chunk]


@KINDS
def test_records_come_in_file_order_with_errors_and_duplicates(
    start: Start, tmp_path: Path, records: Records, registry: Any
) -> None:
    rows = records(CHUNK_ROWS + 20)
    rows[3]["roles"] = "pilot"
    duplicate = dict(rows[1], operator_name="Someone Else S.A.")
    rows.append(duplicate)
    source = _source(registry, rows)
    store = DocumentStore(tmp_path / "data")
    with closing(start(source, "CR", store)) as preparation:
        chunks = list(preparation.chunks())
        items = [item for chunk in chunks for item in chunk]
        assert [len(chunk) for chunk in chunks] == [CHUNK_ROWS, 21]
        assert [item.line for item in items] == [row.line for row in source]
        errors = [item for item in items if isinstance(item, RowError)]
        assert [(e.line, e.kind) for e in errors] == [(5, "validation"), (len(rows) + 1, "duplicate")]
        assert "unknown role 'pilot'" in errors[0].reason
        assert errors[1].reason == "certificate number already on line 3"
        ready = [item for item in items if isinstance(item, ReadyRow)]
        expected = prepare_row(source[1], "CR")
        assert ready[1] == ReadyRow(
            expected.line, expected.number, expected.certificate_id, expected.document_hash, expected.request
        )
        preparation.store_documents([expected.certificate_id])
    assert store.read_bytes(expected.certificate_id) == expected.canonical_json  # not the duplicate's


@KINDS
def test_documents_are_written_on_request_and_kept_when_asked(
    start: Start, tmp_path: Path, records: Records, registry: Any
) -> None:
    source = _source(registry, records(30))
    store = DocumentStore(tmp_path / "data")
    prepared = [prepare_row(row, "CR") for row in source]
    kept = prepared[0].certificate_id
    store.write(kept, b'{"kept":true}')
    with closing(start(source, "CR", store)) as preparation:
        ready = [item for item in _all(preparation) if isinstance(item, ReadyRow)]
        preparation.store_documents([row.certificate_id for row in ready[:10]], keep_existing=True)
        preparation.store_documents([row.certificate_id for row in ready[10:20]])
    assert store.read_bytes(kept) == b'{"kept":true}'
    for row in prepared[1:20]:
        assert store.read_bytes(row.certificate_id) == row.canonical_json
    for row in prepared[20:]:
        assert not store.has(row.certificate_id)
    assert not [p for p in store.directory.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_a_failed_write_in_the_child_is_raised_on_close(tmp_path: Path, records: Records, registry: Any) -> None:
    source = _source(registry, records(5))
    store = DocumentStore(tmp_path / "data")
    first, blocked = (prepare_row(row, "CR").certificate_id for row in source[:2])
    store.path(blocked).mkdir(parents=True)  # a directory where the document should go: the rename fails
    preparation = ForkedPreparation(source, "CR", store)
    _all(preparation)
    preparation.store_documents([first, blocked])
    with pytest.raises(DocumentWriteError, match=r"(?i)directory.*run the same import again"):
        preparation.close()
    assert store.has(first)


def test_a_failed_inline_write_is_raised_at_once(tmp_path: Path, records: Records, registry: Any) -> None:
    source = _source(registry, records(2))
    store = DocumentStore(tmp_path / "data")
    blocked = prepare_row(source[0], "CR").certificate_id
    store.path(blocked).mkdir(parents=True)
    with closing(InlinePreparation(source, "CR", store)) as preparation:
        _all(preparation)
        with pytest.raises(DocumentWriteError, match=r"(?i)directory.*run the same import again"):
            preparation.store_documents([blocked])


@KINDS
def test_ids_that_are_not_prepared_records_are_refused(
    start: Start, tmp_path: Path, records: Records, registry: Any
) -> None:
    source = _source(registry, records(2))
    preparation = start(source, "CR", DocumentStore(tmp_path / "data"))
    _all(preparation)
    with pytest.raises(ValueError, match="32 bytes"):
        preparation.store_documents([b"short"])
    unknown = b"CR" + bytes(30)
    if isinstance(preparation, InlinePreparation):
        with pytest.raises(ImportPreparationError, match="no prepared record"):
            preparation.store_documents([unknown])
        preparation.close()
    else:
        preparation.store_documents([unknown])
        with pytest.raises(OSError, match="no prepared record"):
            preparation.close()


@KINDS
@pytest.mark.parametrize("failure", [RuntimeError, PermissionError], ids=["bug", "os-error"])
def test_a_crash_while_preparing_is_an_import_preparation_error(
    start: Start,
    failure: type[Exception],
    tmp_path: Path,
    records: Records,
    registry: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = _source(registry, records(3))

    def broken(row: SourceRow, administration: str) -> Any:
        raise failure("a bug in the validation")

    monkeypatch.setattr(preparation_module, "prepare_row", broken)
    expected = ImportPreparationError if start is ForkedPreparation else failure  # inline: the bug itself
    preparation = start(source, "CR", DocumentStore(tmp_path / "data"))
    with closing(preparation), pytest.raises(expected, match="a bug in the validation"):
        _all(preparation)


def test_closing_before_every_chunk_is_read_stops_the_child(tmp_path: Path, records: Records, registry: Any) -> None:
    source = _source(registry, records(CHUNK_ROWS * 6))
    preparation = ForkedPreparation(source, "CR", DocumentStore(tmp_path / "data"))
    chunks: Iterator[list[Item]] = preparation.chunks()
    first = next(chunks)
    preparation.store_documents([item.certificate_id for item in first if isinstance(item, ReadyRow)])
    preparation.close()
    assert not preparation._process.is_alive()
    assert preparation._process.exitcode == 0


def test_start_preparation_forks_where_it_can(tmp_path: Path, records: Records, registry: Any) -> None:
    source = _source(registry, records(1))
    with closing(start_preparation(source, "CR", DocumentStore(tmp_path / "data"))) as preparation:
        assert isinstance(preparation, ForkedPreparation)
        assert len(_all(preparation)) == 1


def _exits(preparation: ForkedPreparation, within: float = 10.0) -> bool:
    process = preparation._process
    process.join(within)
    return not process.is_alive()


def test_the_child_leaves_when_the_parent_is_gone(tmp_path: Path, records: Records, registry: Any) -> None:
    source = _source(registry, records(CHUNK_ROWS * 4))
    preparation = ForkedPreparation(source, "CR", DocumentStore(tmp_path / "data"))
    next(preparation.chunks())
    # the parent dies without closing: its pipe ends close with it (here: by hand)
    preparation._commands.close()
    preparation._results.close()
    assert _exits(preparation), "the child outlived its parent"


def test_ctrl_c_is_left_to_the_parent_and_every_sent_document_is_written(
    tmp_path: Path, records: Records, registry: Any
) -> None:
    source = _source(registry, records(40))
    store = DocumentStore(tmp_path / "data")
    blocked = prepare_row(source[-1], "CR").certificate_id
    store.path(blocked).mkdir(parents=True)
    preparation = ForkedPreparation(source, "CR", store)
    ready = [item for item in _all(preparation) if isinstance(item, ReadyRow)]
    os.kill(preparation._process.pid or 0, signal.SIGINT)
    preparation.store_documents([row.certificate_id for row in ready])
    with pytest.raises(KeyboardInterrupt) as info, preparation:
        raise KeyboardInterrupt
    assert any("writing certificate documents failed" in note for note in info.value.__notes__)
    assert all(store.has(row.certificate_id) for row in ready[:-1])
