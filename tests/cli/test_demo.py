"""``aeo-ledger demo``: starts, answers /health and /v1 reads with seeded data, stops; a second run keeps the data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from eth_utils.crypto import keccak

from ledger_client.certificates import CertificateRequest
from ledger_client.cli import main
from ledger_client.cli.running import ANNOUNCEMENT
from ledger_client.demo import seed_demo
from ledger_client.demo.generator import issuer_documents
from ledger_client.hashing import certificate_id as certificate_id_of
from ledger_client.importer import keystore_signer, record_of, write_records
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, Role

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
    process = _demo(data_dir, "--port", str(port), "--rpc-port", str(_free_port()))
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


@pytest.mark.slow
def test_a_restarted_demo_prints_the_current_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "demo"
    with Ledger.embedded(data_dir=data_dir) as ledger:
        seeded = seed_demo(ledger, data_dir, certificates=10, kdf_iterations=1_000)
        cr = ledger.with_signer(keystore_signer(data_dir, "CR") or pytest.fail("no CR keystore"))
        cr.certificates.issue(
            CertificateRequest(
                number="CR-AFTER-SEED-1",
                programmes=int(Programme.SECURITY),
                roles=int(Role.IMPORTER),
                sme=True,
                valid_from=1_700_000_000,
                valid_until=0,
                document_hash=keccak(text="issued after the seed"),
            )
        )
    assert seeded.counts["certificates"] == 10

    assert main(["demo", "--data-dir", str(data_dir), "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "data kept from an earlier run" in out
    assert "certificates: 11 " in out


@pytest.mark.slow
def test_import_and_audit_work_against_the_running_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "demo"
    port, rpc_port = _free_port(), _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _demo(data_dir, "--port", str(port), "--rpc-port", str(rpc_port))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    records = [record_of(d) for d in issuer_documents("CR", 3, seed=11, today=date(2026, 1, 15))]
    registry = write_records(tmp_path / "registry.csv", records)
    try:
        deadline = time.monotonic() + 180
        while not (data_dir / ANNOUNCEMENT).exists() or not _healthy(url):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "the demo did not serve within 180 s"
            time.sleep(0.3)
        node_url = f"http://127.0.0.1:{rpc_port}"
        assert any(line.startswith(f"Node: {node_url}") for line in lines), "".join(lines)

        # The data directory is the running demo's: these commands reach its node over JSON-RPC.
        args = ["--data-dir", str(data_dir)]
        assert main(["import", *args, "--admin", "CR", str(registry), "--quiet"]) == 0
        captured = capsys.readouterr()
        assert "3 landed" in captured.out
        assert f"using its node at {node_url}" in captured.err
        number = records[0]["certificate_number"]
        assert main(["audit", *args, "certificate", f"CR:{number}"]) == 0
        assert "VERIFIED" in capsys.readouterr().out
        assert main(["audit", "mra", "1", *args]) == 0
        assert "VERIFIED" in capsys.readouterr().out

        # The demo's API sees the imported certificates (its index follows the same chain).
        tokens = json.loads((data_dir / "demo-tokens.json").read_text())
        auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
        certificate_id = "0x" + certificate_id_of("CR", number).hex()
        assert _eventually(lambda: httpx.get(f"{url}/v1/certificates/{certificate_id}", headers=auditor).status_code)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        reader.join(timeout=5)
    assert process.returncode == 0, "".join(lines)
    assert not (data_dir / ANNOUNCEMENT).exists()  # a stopped demo announces no node


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _eventually(status: Callable[[], int], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while status() != 200:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
