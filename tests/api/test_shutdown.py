"""Ctrl-C of the server while a Server-Sent Events client is connected: the stream ends and the
process exits within 5 s (a real uvicorn in a subprocess, on a free loopback port)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ledger_client.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHUTDOWN_BOUND_S = 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(process: subprocess.Popen[str], url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, process.communicate()[0]
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the server did not answer /health within {seconds} s"
        time.sleep(0.2)


@pytest.mark.slow
def test_ctrl_c_with_an_sse_client_connected_ends_the_stream_and_exits_within_5_s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert main(["token", "create", "--data-dir", str(data_dir), "--role", "auditor"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"ETH_HASH_BACKEND": "pysha3", "AEO_LEDGER_ACCESS_LOG": "false"}
    command = [sys.executable, "-m", "ledger_client.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_healthy(process, url, 120)
        connected = threading.Event()
        outcome: dict[str, object] = {}

        def listen() -> None:
            headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
            params = {"administration": "CR"}
            timeout = httpx.Timeout(5, read=30)
            try:
                with httpx.stream("GET", f"{url}/v1/feed/stream", headers=headers, params=params, timeout=timeout) as r:
                    outcome["status"] = r.status_code
                    connected.set()
                    outcome["body"] = "".join(r.iter_text())  # returns once the server ends the stream
                    outcome["ended"] = True
            except httpx.HTTPError as exc:
                outcome["error"] = repr(exc)
            finally:
                connected.set()

        client = threading.Thread(target=listen, daemon=True)
        client.start()
        assert connected.wait(30), "the SSE client did not connect"
        assert outcome.get("status") == 200, outcome
        time.sleep(0.5)  # the stream is open and idle (no events): the case that used to hang

        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=SHUTDOWN_BOUND_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server was still running {SHUTDOWN_BOUND_S} s after Ctrl-C with an SSE client connected")
        client.join(timeout=5)
        assert outcome.get("ended") is True, outcome  # the stream ended cleanly, not cut by a timeout
        assert process.returncode == 0, output
        assert "Cancel" not in output  # nothing had to be cancelled: the stream ended on its own
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
