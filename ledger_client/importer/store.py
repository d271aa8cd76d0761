"""The off-chain document store: ``<data_dir>/documents/<certificate id hex>.json``.

Each file holds a certificate's *current* document as canonical JSON (RFC 8785), the exact bytes
whose keccak-256 is the on-chain document hash, so a verifier can POST the file unchanged. File
names are the 32-byte certificate id as 64 lower-case hex digits, without ``0x``. Writes are
atomic (temporary file + rename): a reader never sees half a document.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from ledger_client.documents import CertificateDocument

DOCUMENTS_DIR = "documents"
#: Background threads of a :class:`DocumentWriter`.
WRITER_THREADS = 4


def documents_directory(data_dir: str | os.PathLike[str]) -> Path:
    """``<data_dir>/documents``."""
    return Path(data_dir) / DOCUMENTS_DIR


class DocumentStore:
    """Certificate documents kept next to the chain, one canonical JSON file per certificate.

    Args:
        data_dir: the data directory; documents live in its ``documents/`` subdirectory.
    """

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.directory = documents_directory(data_dir)
        self._created = False

    def path(self, certificate_id: bytes) -> Path:
        """Where the document of ``certificate_id`` is (or would be) stored."""
        if len(certificate_id) != 32:
            raise ValueError(f"a certificate id has 32 bytes, got {len(certificate_id)}")
        return self.directory / f"{certificate_id.hex()}.json"

    def has(self, certificate_id: bytes) -> bool:
        """Whether a document of ``certificate_id`` is stored."""
        return self.path(certificate_id).is_file()

    def write(self, certificate_id: bytes, canonical_json: bytes) -> Path:
        """Store ``canonical_json`` as the current document of ``certificate_id`` (atomic replace)."""
        if not self._created:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._created = True  # a benign race between writer threads: mkdir is idempotent
        target = self.path(certificate_id)
        # A temporary name of this process and thread only (tempfile.mkstemp costs ~0.7 ms a file
        # here, most of an import's document writing); a leftover of a crashed run is replaced.
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, canonical_json)
            finally:
                os.close(fd)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return target

    def write_document(self, document: CertificateDocument) -> Path:
        """Store ``document`` under its certificate id."""
        return self.write(document.certificate_id(), document.canonical_json())

    def read_bytes(self, certificate_id: bytes) -> bytes:
        """The stored canonical JSON of ``certificate_id`` (:class:`FileNotFoundError` when absent)."""
        return self.path(certificate_id).read_bytes()

    def read(self, certificate_id: bytes) -> CertificateDocument:
        """The stored document of ``certificate_id``, parsed and validated."""
        return CertificateDocument.parse(self.read_bytes(certificate_id))


class DocumentWriter:
    """Writes documents off the caller's thread while it goes on (use as a context manager).

    Creating a file costs up to half a millisecond here while the embedded node fsyncs its
    journal on the same disk, and a writer *thread* mostly waits for the GIL that the chain's
    interpreter holds. Where ``fork`` exists the writes therefore go to a child process (a pipe
    carries batches of documents; the child only writes files), else to background threads.
    Leaving the context waits for every write and re-raises the first failure.
    """

    def __init__(self, store: DocumentStore, threads: int = WRITER_THREADS, *, process: bool | None = None) -> None:
        self.store = store
        use_process = "fork" in multiprocessing.get_all_start_methods() if process is None else process
        self._child: _ChildWriter | None = _ChildWriter(store) if use_process else None
        self._pool = (
            None if use_process else ThreadPoolExecutor(max_workers=threads, thread_name_prefix="aeo-documents")
        )
        self._pending: list[Future[Path]] = []

    def submit(self, certificate_id: bytes, canonical_json: bytes) -> None:
        """Queue ``canonical_json`` as the current document of ``certificate_id``."""
        self.store.path(certificate_id)  # a bad id fails here, in the caller
        if self._child is not None:
            self._child.submit(certificate_id, canonical_json)
            return
        assert self._pool is not None
        self._pending.append(self._pool.submit(self.store.write, certificate_id, canonical_json))
        if len(self._pending) >= 4096:
            self._drain(done_only=True)

    def _drain(self, *, done_only: bool) -> None:
        keep: list[Future[Path]] = []
        for future in self._pending:
            if done_only and not future.done():
                keep.append(future)
            else:
                future.result()
        self._pending = keep

    def close(self) -> None:
        """Wait for every queued write; raise the first failure."""
        if self._child is not None:
            self._child.close()
            return
        assert self._pool is not None
        try:
            self._drain(done_only=False)
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


#: Documents sent to the child writer per message.
_CHILD_BATCH = 256


class _ChildWriter:
    """A forked child process that writes the documents it is sent through a pipe."""

    def __init__(self, store: DocumentStore) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(
            target=_write_documents, args=(child_end, store), name="aeo-documents", daemon=True
        )
        self._process.start()
        child_end.close()
        self._buffer: list[tuple[bytes, bytes]] = []

    def submit(self, certificate_id: bytes, canonical_json: bytes) -> None:
        self._buffer.append((certificate_id, canonical_json))
        if len(self._buffer) >= _CHILD_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._connection.send(self._buffer)
            self._buffer = []

    def close(self) -> None:
        try:
            self._flush()
            self._connection.send(None)
            failure = self._connection.recv()
        except (EOFError, OSError) as exc:
            raise OSError(f"the document writer process stopped: {exc}") from exc
        finally:
            self._connection.close()
            self._process.join(timeout=60)
        if failure is not None:
            raise OSError(f"writing certificate documents failed: {failure}")


def _write_documents(connection: Connection, store: DocumentStore) -> None:
    """The child's loop: write every batch received; on the final ``None`` answer the first failure."""
    failure: str | None = None
    while True:
        batch = connection.recv()
        if batch is None:
            connection.send(failure)
            connection.close()
            return
        for certificate_id, canonical_json in batch:
            if failure is not None:
                break
            try:
                store.write(certificate_id, canonical_json)
            except OSError as exc:
                failure = f"{store.path(certificate_id)}: {exc}"
