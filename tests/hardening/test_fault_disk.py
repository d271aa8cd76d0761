"""Fault drills on the data directory: read-only, and full (ENOSPC).

Both use a real tmpfs (``mount -t tmpfs``; remounted read-only for the first drill, filled to the
last byte for the second), so the errors are the kernel's own EROFS / ENOSPC, even for root. Where
mounting is not permitted (not root, no CAP_SYS_ADMIN) the drills are skipped with the reason.

What they prove: ``aeo-ledger serve`` refuses to start (exits, never serves) and names the cause;
nothing in the data directory is changed (read-only: every file's bytes identical) or lost (full:
once space is freed, the server starts on the same directory, every certificate is there and its
history verifies). A strict xfail documents that the error is a traceback, not a clear message.
"""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledger_client.ledger import Ledger
from tests.hardening.support import (
    LOOPBACK,
    State,
    free_port,
    issue_body,
    prepare_state,
    remount,
    serve_process,
    tmpfs,
)

CERTIFICATES = 5


def _mounted(path: Path, size: str) -> Iterator[Path]:
    try:
        with tmpfs(path, size) as mounted:
            yield mounted
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc}); the disk drills need root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB tmpfs."""
    yield from _mounted(tmp_path / "mnt", "64m")


def _seed(mount: Path) -> tuple[State, list[str]]:
    """A served state directory on ``mount`` with a few certificates issued through the library."""
    state = prepare_state(mount / "data", admins=("CR",))
    numbers = [f"DISK-{i}" for i in range(CERTIFICATES)]
    with Ledger.embedded(data_dir=state.data_dir) as ledger:
        from api.schemas.certificates import IssueCertificateRequest

        cr = ledger.with_signer(state.signers["CR"])
        for number in numbers:
            request = IssueCertificateRequest.model_validate(issue_body(number))
            cr.certificates.issue(request.to_request(number))
    return state, numbers


def _fill(path: Path) -> None:
    """Write zeros to ``path`` until the file system is full (ENOSPC)."""
    try:
        with open(path, "wb") as handle:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise


def _fingerprint(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _start_refused(state: State, log: Path) -> str:
    """Start the server on ``state``; it must exit without ever serving. Return its output."""
    port = free_port()
    server = serve_process(state.data_dir, port, log).start()
    try:
        code = server.wait_exit(90)
    finally:
        server.stop()
    assert code != 0, "the server exited 0 on an unusable data directory"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://{LOOPBACK}:{port}/health", timeout=2)
    return server.log()


def _serves_everything(state: State, numbers: list[str], log: Path) -> None:
    """The server starts on the directory; every certificate is readable and its history verifies."""
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    server = serve_process(state.data_dir, port, log).start()
    try:
        server.wait_http(base + "/ready", timeout=90)
        with httpx.Client(base_url=base, timeout=30) as client:
            listing = client.get("/v1/certificates", params={"issuer": "CR"}, headers=state.headers("auditor")).json()
            assert sorted(i["number"] for i in listing["items"]) == sorted(numbers)
            for item in listing["items"]:
                audit = client.get(f"/v1/certificates/{item['id']}/audit", headers=state.headers("auditor"))
                assert audit.status_code == 200, audit.text
                assert audit.json()["ok"] is True
            written = client.post("/v1/certificates", json=issue_body("DISK-AFTER"), headers=state.headers("cr_writer"))
            assert written.status_code == 201, written.text
    finally:
        server.stop()


@pytest.mark.slow
def test_read_only_data_dir_refuses_to_start_and_changes_nothing(small_disk: Path, tmp_path: Path) -> None:
    state, numbers = _seed(small_disk)
    before = _fingerprint(state.data_dir)
    remount(small_disk, "ro")
    output = _start_refused(state, tmp_path / "ro.log")
    assert "Read-only file system" in output, output[-2000:]
    assert _fingerprint(state.data_dir) == before, "a read-only start changed the data directory"
    remount(small_disk, "rw")
    _serves_everything(state, numbers, tmp_path / "rw.log")


@pytest.mark.slow
def test_full_disk_refuses_to_start_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    state, numbers = _seed(small_disk)
    filler = small_disk / "filler"
    _fill(filler)
    output = _start_refused(state, tmp_path / "full.log")
    assert "disk is full" in output or "No space left" in output, output[-2000:]
    filler.unlink()
    _serves_everything(state, numbers, tmp_path / "freed.log")


@pytest.mark.slow
def test_an_unusable_data_dir_gets_a_one_line_error(small_disk: Path, tmp_path: Path) -> None:
    state, _numbers = _seed(small_disk)
    remount(small_disk, "ro")
    output = _start_refused(state, tmp_path / "ro.log")
    assert "Traceback" not in output, output[-1500:]
    assert "aeo-ledger serve:" in output
