"""The document writer: a forked child process (or threads) writes every document, failures surface."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.importer.store import DocumentStore, DocumentWriter


@pytest.mark.parametrize("process", [True, False], ids=["child-process", "threads"])
def test_every_document_is_written(tmp_path: Path, process: bool) -> None:
    store = DocumentStore(tmp_path)
    documents = {bytes([0x43, 0x52, *i.to_bytes(30, "big")]): f'{{"n":{i}}}'.encode() for i in range(600)}
    with DocumentWriter(store, process=process) as writer:
        for certificate_id, body in documents.items():
            writer.submit(certificate_id, body)
    for certificate_id, body in documents.items():
        assert store.read_bytes(certificate_id) == body
    assert not [p for p in store.directory.iterdir() if p.name.startswith(".")], "temporary files left behind"


@pytest.mark.parametrize("process", [True, False], ids=["child-process", "threads"])
def test_a_failed_write_is_raised_on_close(tmp_path: Path, process: bool) -> None:
    store = DocumentStore(tmp_path)
    blocked = b"CR" + bytes(30)
    store.path(blocked).mkdir(parents=True)  # a directory where the document should go: the rename fails
    writer = DocumentWriter(store, process=process)
    writer.submit(b"CR" + bytes(29) + b"\x01", b"{}")
    writer.submit(blocked, b"{}")
    with pytest.raises(OSError, match=r"(?i)directory"):
        writer.close()
    assert store.read_bytes(b"CR" + bytes(29) + b"\x01") == b"{}"


def test_a_bad_id_fails_in_the_caller(tmp_path: Path) -> None:
    with DocumentWriter(DocumentStore(tmp_path)) as writer, pytest.raises(ValueError, match="32 bytes"):
        writer.submit(b"short", b"{}")
