"""Bulk import by CSV upload: a live progress bar and the rejected lines with their reasons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.auth import writer_administration
from api.console.imports import ImportJob, ImportJobs
from api.console.web import ConsoleRoute, View, view_of
from api.writes import as_administration
from ledger_client.errors import LedgerValueError, NotFoundError
from ledger_client.importer import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
#: Largest upload accepted (a national registry of ~200,000 rows).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def jobs_of(view: View) -> ImportJobs:
    """The app's import jobs."""
    jobs: ImportJobs = view.request.app.state.console_imports
    return jobs


def own_job(view: View, job_id: str) -> ImportJob:
    """A job started by this token (404 otherwise)."""
    principal = view.signed_in()
    job = jobs_of(view).get(job_id)
    if job is None or job.token_id != principal.token_id:
        raise NotFoundError(f"no import {job_id}")
    return job


@router.get("/import")
async def import_form(view: ViewDep) -> Response:
    """The upload form and the expected columns (writers only)."""
    writer_administration(view.signed_in())
    return view.render("import.html", job=None, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)


@router.post("/import")
async def start_import(view: ViewDep) -> Response:
    """Save the upload and start importing it for the token's administration."""
    principal = view.signed_in()
    form = await view.form()
    code = writer_administration(principal)
    as_administration(view.runtime, code)  # a frozen administration is refused before anything starts
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise LedgerValueError("choose a CSV file to import")
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise LedgerValueError(f"an import file has at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    job = await run_in_threadpool(jobs_of(view).start, view.runtime, code, principal.token_id, upload.filename, content)
    return view.redirect(f"/import/{job.id}")


@router.get("/import/{job_id}")
async def import_page(job_id: str, view: ViewDep) -> Response:
    """The import's progress bar (updated by the page's script) and, once finished, the rejected lines."""
    job = own_job(view, job_id)
    return view.render(
        "import.html", job=job, snapshot=job.snapshot(), required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )


@router.get("/import/{job_id}/progress")
async def import_progress(job_id: str, view: ViewDep) -> Response:
    """Where the import stands, as JSON (polled by the progress bar)."""
    return JSONResponse(own_job(view, job_id).snapshot())
