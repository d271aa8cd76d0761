"""Preparing an import's records beside the chain: validation, documents, hashes, document files.

An embedded chain runs its EVM interpreter in the importing process and holds the GIL while it
executes a batch, so anything else done there waits for it. Where ``fork`` exists,
:class:`ForkedPreparation` therefore validates the records in a child process while the parent
sends the batches it already has, and the same child writes each landed certificate's document
file: the canonical JSON never crosses the pipe, only compact :class:`ReadyRow` records go to the
parent and certificate ids come back. :class:`InlinePreparation` does the same work in the
calling process where ``fork`` is missing.

Both yield the records in file order, in chunks; a record that repeats an earlier certificate
number is a ``duplicate`` :class:`~ledger_client.importer.report.RowError` and never replaces the
first one's document.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import traceback
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from ledger_client.certificates import CertificateRequest
from ledger_client.errors import LedgerError
from ledger_client.importer.formats import SourceRow
from ledger_client.importer.report import RowError
from ledger_client.importer.rows import RowProblem, prepare_row
from ledger_client.importer.store import DocumentStore

#: Records per chunk handed to the importer.
CHUNK_ROWS = 250
_ID = 32
_RERUN = "; run the same import again to write the missing documents"


class ImportPreparationError(LedgerError):
    """Preparing the records failed for a reason that is no record's fault (a bug, the worker died)."""


class DocumentWriteError(LedgerError, OSError):
    """A landed certificate's document file could not be written (disk full, permissions …).

    The certificate is on the chain and in the checkpoint: running the same import again writes
    the documents that are missing.
    """


@dataclass(frozen=True, slots=True)
class ReadyRow:
    """A valid record, as the importer needs it: where it is, what it is called, what to send."""

    line: int
    number: str
    certificate_id: bytes
    document_hash: bytes
    request: CertificateRequest


Item = ReadyRow | RowError


def prepare_records(rows: Sequence[SourceRow], administration: str) -> Iterator[tuple[Item, bytes | None]]:
    """Each record in file order with its canonical document (``None`` for a rejected record)."""
    first_line: dict[str, int] = {}
    for row in rows:
        try:
            prepared = prepare_row(row, administration)
        except RowProblem as exc:
            number = row.values.get("certificate_number")
            text = str(number).strip() if number is not None else ""
            yield RowError(row.line, text or None, "validation", str(exc)), None
            continue
        earlier = first_line.get(prepared.number)
        if earlier is not None:
            reason = f"certificate number already on line {earlier}"
            yield RowError(row.line, prepared.number, "duplicate", reason), None
            continue
        first_line[prepared.number] = row.line
        ready = ReadyRow(row.line, prepared.number, prepared.certificate_id, prepared.document_hash, prepared.request)
        yield ready, prepared.canonical_json


class Preparation(ABC):
    """The records of one import, prepared, and the writer of their documents (a context manager)."""

    @abstractmethod
    def chunks(self) -> Iterator[list[Item]]:
        """The prepared records in file order, a chunk at a time."""

    @abstractmethod
    def store_documents(self, certificate_ids: Sequence[bytes], *, keep_existing: bool = False) -> None:
        """Write the documents of these prepared certificates (``keep_existing``: only where none is stored)."""

    @abstractmethod
    def close(self) -> None:
        """Wait until every document is written; raise :class:`DocumentWriteError` naming the first that failed.

        The inline preparation writes at once, so its failures are raised by :meth:`store_documents`.
        """

    def __enter__(self) -> Preparation:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        """Close; a failure to close is added as a note to an exception already on its way out."""
        if exc is None:
            self.close()
            return
        try:
            self.close()
        except DocumentWriteError as failure:
            exc.add_note(f"and then: {failure}")


def start_preparation(rows: Sequence[SourceRow], administration: str, store: DocumentStore) -> Preparation:
    """A :class:`ForkedPreparation` where ``fork`` exists, else an :class:`InlinePreparation`."""
    if "fork" in multiprocessing.get_all_start_methods():
        return ForkedPreparation(rows, administration, store)
    return InlinePreparation(rows, administration, store)


def _chunked(items: Iterator[tuple[Item, bytes | None]], documents: dict[bytes, bytes]) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item, canonical in items:
        if canonical is not None:
            assert isinstance(item, ReadyRow)
            documents[item.certificate_id] = canonical
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_ids(certificate_ids: Sequence[bytes]) -> None:
    for certificate_id in certificate_ids:
        if len(certificate_id) != _ID:
            raise ValueError(f"a certificate id has 32 bytes, got {len(certificate_id)}")


def _write(store: DocumentStore, documents: dict[bytes, bytes], certificate_id: bytes, keep_existing: bool) -> None:
    if keep_existing and store.has(certificate_id):
        return
    document = documents.get(certificate_id)
    if document is None:
        raise ImportPreparationError(f"no prepared record has the certificate id 0x{certificate_id.hex()}")
    store.write(certificate_id, document)


class InlinePreparation(Preparation):
    """Prepares in the calling process, chunk by chunk as the importer asks; writes documents at once."""

    def __init__(self, rows: Sequence[SourceRow], administration: str, store: DocumentStore) -> None:
        self._rows, self._administration, self._store = rows, administration, store
        self._documents: dict[bytes, bytes] = {}

    def chunks(self) -> Iterator[list[Item]]:
        return _chunked(prepare_records(self._rows, self._administration), self._documents)

    def store_documents(self, certificate_ids: Sequence[bytes], *, keep_existing: bool = False) -> None:
        _check_ids(certificate_ids)
        for certificate_id in certificate_ids:
            try:
                _write(self._store, self._documents, certificate_id, keep_existing)
            except OSError as exc:
                raise DocumentWriteError(f"writing certificate documents failed: {exc}{_RERUN}") from exc

    def close(self) -> None:
        self._documents.clear()


class ForkedPreparation(Preparation):
    """A forked child prepares the records (sent back in chunks) and writes the documents it is told to.

    The child inherits ``rows`` through ``fork``; nothing is pickled towards it but certificate ids.
    Use as a context manager, or call :meth:`close`: it waits for every write and stops the child.
    """

    def __init__(self, rows: Sequence[SourceRow], administration: str, store: DocumentStore) -> None:
        context = multiprocessing.get_context("fork")
        self._results, results_end = context.Pipe(duplex=False)
        self._commands, commands_end = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(rows, administration, store, (results_end, commands_end), (self._results, self._commands)),
            name="aeo-import-preparation",
            daemon=True,
        )
        self._process.start()
        results_end.close()
        commands_end.close()
        self._closed = False

    def chunks(self) -> Iterator[list[Item]]:
        while True:
            if self._results not in wait([self._results, self._process.sentinel]):
                code = self._process.exitcode
                raise ImportPreparationError(f"the import's preparation process stopped (exit code {code})")
            try:
                message = self._results.recv()
            except (EOFError, OSError) as exc:
                raise ImportPreparationError(f"the import's preparation process stopped: {exc!r}") from exc
            if message is None:
                return
            if isinstance(message, str):
                raise ImportPreparationError(f"preparing the records failed:\n{message}")
            yield message

    def store_documents(self, certificate_ids: Sequence[bytes], *, keep_existing: bool = False) -> None:
        _check_ids(certificate_ids)
        if certificate_ids:
            self._commands.send((b"".join(certificate_ids), keep_existing))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        failure: str | None
        try:
            self._commands.send(None)
            failure = self._commands.recv()
        except (EOFError, OSError) as exc:
            failure = f"the document writer process stopped: {exc!r}"
        finally:
            self._commands.close()
            self._results.close()
            self._process.join(timeout=60)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        if failure is not None:
            raise DocumentWriteError(f"writing certificate documents failed: {failure}{_RERUN}")


def _send(connection: Connection, message: object) -> bool:
    """Send ``message``; ``False`` when the parent no longer listens."""
    try:
        connection.send(message)
    except OSError:
        return False
    return True


def _serve(
    rows: Sequence[SourceRow],
    administration: str,
    store: DocumentStore,
    ends: tuple[Connection, Connection],
    parent_ends: tuple[Connection, Connection],
) -> None:
    """The child: a thread prepares and sends chunks; this thread writes the documents it is told to.

    It drops its copies of the parent's pipe ends (so that the parent's death reads as end of
    file here) and ignores Ctrl-C, which reaches the whole process group: the parent handles it
    and then closes the child, which first writes every document it was sent.
    """
    results, commands = ends  # this child's: chunks out, document writes in
    for connection in parent_ends:
        connection.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    documents: dict[bytes, bytes] = {}

    def prepare() -> None:
        try:
            for chunk in _chunked(prepare_records(rows, administration), documents):
                if not _send(results, chunk):
                    return  # the parent stopped listening: it is closing
            _send(results, None)
        except BaseException:
            _send(results, traceback.format_exc())

    threading.Thread(target=prepare, name="aeo-prepare", daemon=True).start()
    failure: str | None = None
    while True:
        try:
            command = commands.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if command is None:
            break
        if failure is not None:
            continue
        blob, keep_existing = command
        for start in range(0, len(blob), _ID):
            certificate_id = blob[start : start + _ID]
            try:
                _write(store, documents, certificate_id, keep_existing)
            except (OSError, ImportPreparationError) as exc:
                failure = f"{store.path(certificate_id)}: {exc}"
                break
    _send(commands, failure)
    commands.close()
    results.close()
