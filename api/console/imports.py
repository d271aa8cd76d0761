"""Bulk imports started from the console: each runs the library's importer in a thread and keeps
its latest progress and final report in memory for the progress bar and the rejected lines."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from api.runtime import Runtime
from ledger_client.errors import LedgerError
from ledger_client.importer import ImportAbortedError, ImportProgress, ImportReport, RowError, run_import

log = logging.getLogger(__name__)

#: Jobs kept (the oldest finished ones are forgotten first).
MAX_JOBS = 50


@dataclass
class ImportJob:
    """One import: who started it, where it stands, and how it ended."""

    id: str
    administration: str
    token_id: int
    filename: str
    progress: ImportProgress | None = None
    report: ImportReport | None = None
    failure: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def rejected(self) -> list[RowError]:
        """The rejected records (once known)."""
        return [] if self.report is None else list(self.report.errors)

    def snapshot(self) -> dict[str, object]:
        """The progress as JSON for the page's script."""
        p = self.progress
        return {
            "total": 0 if p is None else p.total,
            "processed": 0 if p is None else p.processed,
            "landed": 0 if p is None else p.landed,
            "skipped": 0 if p is None else p.skipped,
            "errors": 0 if p is None else p.errors,
            "finished": self.finished.is_set(),
            "failure": self.failure,
        }


class ImportJobs:
    """The console's imports, one thread each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, ImportJob] = {}

    def start(self, runtime: Runtime, administration: str, token_id: int, filename: str, content: bytes) -> ImportJob:
        """Save the upload under ``<state>/imports/uploads/`` and import it in a background thread."""
        job = ImportJob(secrets.token_urlsafe(12), administration, token_id, filename)
        folder = runtime.settings.state_directory() / "imports" / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = (
            Path(filename).suffix.lower() if Path(filename).suffix.lower() in (".csv", ".json", ".jsonl") else ".csv"
        )
        path = folder / f"{job.id}{suffix}"
        path.write_bytes(content)
        with self._lock:
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.finished.is_set()]
            while len(self._jobs) > MAX_JOBS and finished:
                del self._jobs[finished.pop(0)]
        thread = threading.Thread(target=self._run, args=(runtime, job, path), name=f"import-{job.id}", daemon=True)
        thread.start()
        return job

    def get(self, job_id: str) -> ImportJob | None:
        """A job by id."""
        with self._lock:
            return self._jobs.get(job_id)

    @staticmethod
    def _run(runtime: Runtime, job: ImportJob, path: Path) -> None:
        def progress(state: ImportProgress) -> None:
            job.progress = state

        try:
            job.report = run_import(
                runtime.ledger,
                job.administration,
                path,
                data_dir=runtime.settings.state_directory(),
                progress=progress,
                signer=runtime.signers.signer_for(job.administration),
            )
        except ImportAbortedError as exc:
            job.report, job.failure = exc.report, str(exc)
        except (LedgerError, OSError) as exc:
            job.failure = str(exc)
        except Exception as exc:  # a bug must still end the job visibly, not leave the page waiting
            log.exception("console import %s failed", job.id)
            job.failure = f"{type(exc).__name__}: {exc}"
        finally:
            job.finished.set()
