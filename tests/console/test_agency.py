"""The console with an agency token: it reads like a reader, is offered no action, and its page
reads are listed in its administration's agency-read log like its API reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from tests.console.conftest import Env, Officer


def test_an_agency_reads_pages_writes_nothing_and_its_reads_are_listed(
    env: Env, officer: Callable[..., Officer]
) -> None:
    agency = officer("pe_agency", language="en")
    request_id = "console-" + uuid.uuid4().hex
    page = agency.get("/certificates", headers={"X-Request-ID": request_id})
    assert page.status_code == 200, page.text
    assert "government agency" in page.text
    assert page.headers["X-Request-ID"] == request_id
    assert agency.get("/certificates/new").status_code == 403
    spanish = officer("pe_agency", language="es").get("/certificates")
    assert "agencia de gobierno" in spanish.text
    log = env.get("/v1/administrations/PE/agency-reads", "pe_writer", params={"limit": 1000}).json()["items"]
    after = 0
    reads = list(log)
    for _ in range(100):  # bounded paging to the end of the log
        if len(log) < 1000:
            break
        after = log[-1]["id"]
        log = env.get("/v1/administrations/PE/agency-reads", "pe_writer", params={"after": after, "limit": 1000})
        log = log.json()["items"]
        reads += log
    assert [(r["path"], r["status"]) for r in reads if r["request_id"] == request_id] == [("/certificates", 200)]
