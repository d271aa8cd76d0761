"""``run_import``: a national AEO registry file → certificates on the ledger, resumable.

Flow: read the file (:mod:`.formats`) → validate each record into a certificate document
(:mod:`.rows`, in a child process beside the chain: :mod:`.preparation`) → drop records that
landed in an earlier run (checkpoint, then the chain for batches that were in flight) → issue the
rest in batches with ``certificates.issue_many`` → store each landed certificate's document in
``<data_dir>/documents/`` → record the batch in the checkpoint. A bad record never stops the good
ones; it is reported with its line and reason.

Batches are pipelined: up to :data:`PIPELINE_DEPTH` are in flight (sent, receipt awaited in a
worker thread) while the next executes, so that on a chain whose blocks follow the clock
(realtime blocks, QBFT) the import is bound by execution, not by one block per batch. Their
outcomes are recorded in order.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

from ledger_client import validation
from ledger_client.errors import (
    CertificateAlreadyIssued,
    ConfigurationError,
    ConflictError,
    LedgerError,
    LedgerValueError,
)
from ledger_client.importer.checkpoint import Checkpoint, checkpoint_path
from ledger_client.importer.formats import read_rows
from ledger_client.importer.onchain import issued_documents
from ledger_client.importer.preparation import (
    ImportPreparationError,
    Item,
    Preparation,
    ReadyRow,
    start_preparation,
)
from ledger_client.importer.progress import ImportProgress, ProgressCallback
from ledger_client.importer.report import ImportedRow, ImportReport, RowError
from ledger_client.importer.store import DocumentStore
from ledger_client.ledger import Ledger
from ledger_client.results import BatchItemResult
from ledger_client.signers import Signer

KEYSTORES_DIR = "keystores"
#: Batches in flight at once (each awaits its receipt while the next one executes).
PIPELINE_DEPTH = 3


class ImportAbortedError(LedgerError):
    """The import stopped for a reason that is not one record's fault (chain down, key revoked …).

    Everything that landed before is recorded in the checkpoint; run the same import again to
    resume. ``report`` holds what this run did up to the failure.
    """

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


class ImportSignerError(ConfigurationError):
    """No signer of the importing administration is available."""


def keystore_signer(data_dir: str | os.PathLike[str], administration: str) -> Signer | None:
    """The signer in ``<data_dir>/keystores/<CODE>.json`` (password in ``<CODE>.password``), if both exist."""
    directory = Path(data_dir) / KEYSTORES_DIR
    keystore, password = directory / f"{administration}.json", directory / f"{administration}.password"
    if not keystore.is_file() or not password.is_file():
        return None
    return Signer.from_keystore(keystore, password.read_text(encoding="utf-8").rstrip("\r\n"))


def resolve_signer(
    ledger: Ledger, administration: str, data_dir: str | os.PathLike[str], signer: Signer | None
) -> Signer:
    """The key that issues for ``administration``: ``signer``, else the ledger's, else the data dir keystore."""
    checked: list[str] = []
    candidates = [signer] if signer is not None else [ledger.signer]
    for candidate in candidates:
        if candidate is None:
            continue
        owner = ledger.administrations.of(candidate.address)
        if owner == administration:
            return candidate
        checked.append(f"{candidate.address} signs for {owner or 'no administration'}")
    if signer is None:
        stored = keystore_signer(data_dir, administration)
        if stored is not None:
            owner = ledger.administrations.of(stored.address)
            if owner == administration:
                return stored
            checked.append(f"the keystore's {stored.address} signs for {owner or 'no administration'}")
        else:
            checked.append(f"no keystore {Path(data_dir) / KEYSTORES_DIR / (administration + '.json')}")
    raise ImportSignerError(
        f"no signer of {administration} to issue with ({'; '.join(checked)}); pass the administration's keystore"
    )


class _Run:
    """State of one import run."""

    def __init__(
        self, report: ImportReport, preparation: Preparation, progress: ProgressCallback | None, started: float
    ) -> None:
        self.report = report
        self.preparation = preparation
        self.progress = progress
        self.started = started
        self.processed = 0

    def tick(self, count: int) -> None:
        self.processed += count
        if self.progress is not None:
            report = self.report
            self.progress(
                ImportProgress(
                    total=report.total,
                    processed=self.processed,
                    landed=len(report.landed),
                    skipped=len(report.skipped),
                    errors=len(report.errors),
                    elapsed_s=time.perf_counter() - self.started,
                )
            )

    def skip(self, rows: Sequence[ReadyRow]) -> None:
        """``rows`` are on the chain with these documents: keep their documents, do not send them."""
        self.preparation.store_documents([row.certificate_id for row in rows], keep_existing=True)
        self.report.skipped.extend(ImportedRow(row.line, row.number, row.certificate_id) for row in rows)

    def conflict(self, row: ReadyRow) -> None:
        self.report.errors.append(
            RowError(
                row.line,
                row.number,
                "conflict",
                f"CertificateAlreadyIssued: {row.number} is already on the ledger with a different document "
                "(amend it instead of issuing it again)",
            )
        )


def run_import(
    ledger: Ledger,
    administration: str,
    path: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str],
    batch_size: int | None = None,
    progress: ProgressCallback | None = None,
    signer: Signer | None = None,
    file_format: str | None = None,
) -> ImportReport:
    """Import the registry file at ``path`` as certificates of ``administration``.

    Args:
        ledger: the ledger (any signer; see ``signer``).
        administration: the issuing administration's code, e.g. ``"CR"``.
        path: a ``.csv``, ``.json`` (array) or ``.jsonl`` file in the format of :mod:`ledger_client.importer`.
        data_dir: where documents (``documents/``) and the checkpoint (``imports/``) are kept, and where
            ``keystores/<CODE>.json`` is looked up when no signer of the administration is given.
        batch_size: certificates per transaction (default and maximum: what fits the block gas limit).
        progress: called with an :class:`ImportProgress` as records are settled without sending
            (skipped or rejected) and after every batch.
        signer: the administration's signer (default: the ledger's, else the data dir keystore).
        file_format: ``"csv"``, ``"json"`` or ``"jsonl"`` (default: from the file suffix).

    Returns:
        The :class:`ImportReport`. Bad records are in ``errors`` with their line; they never stop
        the good ones. Running the same import again resumes: what landed is skipped, never resent.

    Raises:
        ImportFormatError: the file cannot be read at all (nothing was sent).
        ImportSignerError: no signer of ``administration``.
        ImportAbortedError: the chain refused a whole batch for a reason not tied to a record
            (its ``report`` still lists every rejected record of the file).
        ImportPreparationError: preparing the records failed for a reason not tied to a record.
        DocumentWriteError: a document file could not be written (what landed is in the
            checkpoint; a re-run writes the missing documents).
    """
    code = validation.code(administration.strip().upper())
    ledger.administrations.get(code)  # unknown administration → an actionable error
    issuer = ledger.with_signer(resolve_signer(ledger, code, data_dir, signer))
    source = Path(path)
    report = ImportReport(administration=code, source=source)
    started = time.perf_counter()
    rows = read_rows(source, file_format)
    report.total = len(rows)
    header = {
        "administration": code,
        "source": str(source.resolve()),
        "chain_id": ledger.chain.chain_id,
        "contract": ledger.deployment.address,
    }
    checkpoint = Checkpoint(checkpoint_path(data_dir, code, source), header)
    size = max(1, min(batch_size or issuer.certificates.max_chunk(), issuer.certificates.max_chunk()))
    with checkpoint, start_preparation(rows, code, DocumentStore(data_dir)) as preparation:
        run = _Run(report, preparation, progress, started)
        report.checkpoint, report.resumed = checkpoint.path, checkpoint.resumed
        chunks = preparation.chunks()
        try:
            _send_all(ledger, issuer, chunks, size=size, checkpoint=checkpoint, run=run)
        except ImportAbortedError:
            _report_remaining_errors(chunks, report)
            raise
    report.errors.sort(key=lambda e: e.line)
    report.elapsed_s = time.perf_counter() - started
    return report


def _send_all(
    ledger: Ledger, issuer: Ledger, chunks: Iterator[list[Item]], *, size: int, checkpoint: Checkpoint, run: _Run
) -> None:
    """Settle each chunk's records (rejected, landed before, pending) and send the pending ones in batches."""
    pending: list[ReadyRow] = []
    reported = False
    with ThreadPoolExecutor(PIPELINE_DEPTH, thread_name_prefix="aeo-import") as pool:
        window: deque[_InFlight] = deque()
        for chunk in chunks:
            before = len(pending)
            pending.extend(_drop_landed(ledger, chunk, checkpoint, run))
            settled = len(chunk) - (len(pending) - before)
            if settled or not reported:
                run.tick(settled)
                reported = True
            while len(pending) >= size:
                window.append(_begin(pool, issuer, pending[:size], checkpoint, run))
                del pending[:size]
                while len(window) >= PIPELINE_DEPTH:
                    _settle_batch(window.popleft(), checkpoint, run)
        if pending:
            window.append(_begin(pool, issuer, pending, checkpoint, run))
        while window:
            _settle_batch(window.popleft(), checkpoint, run)
    if not reported:
        run.tick(0)


def _report_remaining_errors(chunks: Iterator[list[Item]], report: ImportReport) -> None:
    """After an abort: the rejected records not read yet, so that the report lists every bad record."""
    try:
        for chunk in chunks:
            report.errors.extend(item for item in chunk if isinstance(item, RowError))
    except ImportPreparationError:
        pass  # the abort is what the caller must see
    report.errors.sort(key=lambda e: e.line)


def _drop_landed(ledger: Ledger, chunk: Sequence[Item], checkpoint: Checkpoint, run: _Run) -> list[ReadyRow]:
    """Rows of ``chunk`` still to send; rejected records are reported, rows that landed before are skipped.

    A row the checkpoint records with the same document hash landed; rows of batches that were in
    flight (or recorded with another hash) are looked up on the chain.
    """
    state = checkpoint.state
    pending: list[ReadyRow] = []
    landed: list[ReadyRow] = []
    uncertain: list[ReadyRow] = []
    for row in chunk:
        if isinstance(row, RowError):
            run.report.errors.append(row)
            continue
        recorded = state.landed.get(row.number)
        if recorded is not None and recorded == "0x" + row.document_hash.hex():
            landed.append(row)
        elif recorded is not None or row.number in state.in_flight:
            uncertain.append(row)
        else:
            pending.append(row)
    if uncertain:
        on_chain = issued_documents(ledger, [row.certificate_id for row in uncertain])
        found: list[ReadyRow] = []
        for row in uncertain:
            digest = on_chain.get(row.certificate_id)
            if digest is None:
                pending.append(row)
            elif digest == row.document_hash:
                found.append(row)
            else:
                run.conflict(row)
        if found:
            checkpoint.landed(-1, [(row.number, row.document_hash) for row in found])
            landed.extend(found)
        pending.sort(key=lambda r: r.line)
    if landed:
        run.skip(landed)
    return pending


class _InFlight:
    """A batch recorded as begun and handed to a worker thread."""

    def __init__(
        self, issuer: Ledger, number: int, batch: list[ReadyRow], future: Future[list[BatchItemResult]]
    ) -> None:
        self.issuer, self.number, self.batch, self.future = issuer, number, batch, future


def _begin(
    pool: ThreadPoolExecutor, issuer: Ledger, batch: list[ReadyRow], checkpoint: Checkpoint, run: _Run
) -> _InFlight:
    """Record the batch as begun (before anything is sent) and issue it in a worker thread."""
    number = checkpoint.begin([row.number for row in batch])
    run.report.batches += 1
    requests = [row.request for row in batch]
    future = pool.submit(issuer.certificates.issue_many, requests, chunk_size=len(batch))
    return _InFlight(issuer, number, batch, future)


def _settle_batch(flight: _InFlight, checkpoint: Checkpoint, run: _Run) -> None:
    """Await one batch; store documents and record what landed; classify the rejected rows."""
    report = run.report
    number, batch = flight.number, flight.batch
    try:
        results = flight.future.result()
    except LedgerError as exc:
        _abort(run, checkpoint, number, exc)
    on_chain: list[ReadyRow] = []
    already: list[ReadyRow] = []
    unsure: list[ReadyRow] = []
    fatal: LedgerError | None = None
    for row, result in zip(batch, results, strict=True):
        error = result.error
        if result.ok:
            landed = ImportedRow(row.line, row.number, row.certificate_id, result.tx_hash, result.block_number)
            report.landed.append(landed)
            on_chain.append(row)
        elif isinstance(error, CertificateAlreadyIssued):
            already.append(row)
        elif isinstance(error, LedgerValueError | ConflictError):
            report.errors.append(RowError(row.line, row.number, "conflict", f"{type(error).__name__}: {error}"))
        else:
            unsure.append(row)
            fatal = fatal or error
    landed_now = [row.certificate_id for row in on_chain]
    if already:
        documents = issued_documents(flight.issuer, [row.certificate_id for row in already])
        found = [row for row in already if documents.get(row.certificate_id) == row.document_hash]
        for row in already:
            if documents.get(row.certificate_id) != row.document_hash:
                run.conflict(row)
        if found:
            run.skip(found)
            on_chain.extend(found)
    checkpoint.landed(number, [(row.number, row.document_hash) for row in on_chain], [row.number for row in unsure])
    run.preparation.store_documents(landed_now)  # after the checkpoint: a failed write is mended on resume
    if fatal is not None:
        _abort(run, checkpoint, number, fatal)
    run.tick(len(batch))


def _abort(run: _Run, checkpoint: Checkpoint, batch: int, cause: LedgerError) -> NoReturn:
    """Stop the import: the chain refused a batch for a reason that is no record's fault."""
    report = run.report
    report.errors.sort(key=lambda e: e.line)
    report.elapsed_s = time.perf_counter() - run.started
    raise ImportAbortedError(
        f"the import stopped at batch {batch}: {type(cause).__name__}: {cause}. What landed is recorded in "
        f"{checkpoint.path}; run the same import again to resume",
        report,
    ) from cause
