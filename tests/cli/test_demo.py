"""``aeo-ledger demo``: starts, answers /health and /v1 reads with seeded data, stops; a second run keeps the data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _demo(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "ledger_client.cli", "demo", "--data-dir", str(data_dir), "--certificates", "40"]
    # the default block mode, as a user runs the demo (the suite's default is instant)
    env = os.environ | {
        "ETH_HASH_BACKEND": "pysha3",
        "AEO_LEDGER_ACCESS_LOG": "false",
        "AEO_LEDGER_BLOCK_MODE": "realtime",
    }
    return subprocess.Popen(
        [*command, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.mark.slow
def test_demo_serves_seeded_data_and_keeps_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _demo(data_dir, "--port", str(port))
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the demo did not answer /health within 180 s"
            time.sleep(0.3)
        tokens = json.loads((data_dir / "demo-tokens.json").read_text())
        assert set(tokens) == {"CL writer", "CO writer", "CR writer", "MX writer", "PE writer", "auditor", "governance"}
        auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
        administrations = httpx.get(f"{url}/v1/administrations", headers=auditor).json()
        assert sorted(a["code"] for a in administrations) == ["CL", "CO", "CR", "MX", "PE"]
        page = httpx.get(f"{url}/v1/certificates", params={"issuer": "CR", "limit": 5}, headers=auditor).json()
        assert page["items"]
        assert all(item["issuer"] == "CR" for item in page["items"])
        mras = httpx.get(f"{url}/v1/mras", headers=auditor).json()
        assert len(mras["items"] if isinstance(mras, dict) else mras) == 3
        assert httpx.get(f"{url}/v1/certificates", headers={"Authorization": "Bearer aeo_wrong"}).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "freshly seeded" in output

    again = _demo(data_dir, "--no-serve")
    output, _ = again.communicate(timeout=180)
    assert again.returncode == 0, output
    assert "data kept from an earlier run" in output
    assert tokens["auditor"] in output
