"""API benchmarks (issue "HTTP API"): prints one JSON object.

The server is ``aeo-ledger serve`` in its own process on an embedded durable chain seeded with
certificates; the load comes from other processes on loopback:

- ``get_certificate_rps`` / ``get_certificate_p99_ms``: authenticated ``GET /v1/certificates/{id}``
  at 32 connections, by ``wrk`` when installed (Debian package ``wrk``), else by a Python
  load generator in two worker processes (the generator then shares the 2 cores and the figure
  is a lower bound; ``load_generator`` says which ran).
- ``post_write_per_s``: single ``POST /v1/certificates`` issues by 8 concurrent clients, each
  answered only once the index holds the write (read-your-writes), with the node in ``instant``
  block mode (one block per transaction at once: the earlier target, ≥ 50/s).
- ``post_write_realtime_<N>_per_s`` / ``_p50_ms`` / ``_p99_ms`` for N = 1, 8, 64 concurrent clients:
  the same writes in the default ``realtime`` block mode (block time within 2 s of the wall clock,
  concurrent writes share blocks, as on a QBFT network): target ≥ 50 writes/s and p99 ≤ 2.5 s at 64.

Usage: ``python -m benchmarks.api [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

ROOT = Path(__file__).resolve().parent.parent
DOC_HASH = "0x" + "ab" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(data_dir: Path, certificates: int) -> tuple[str, list[str]]:
    """Deploy, register CR with a keystore the server can load, issue certificates; return (token, ids)."""
    from api.signers import SignerRegistry
    from api.tokens import TokenStore
    from ledger_client.certificates import CertificateRequest
    from ledger_client.ledger import Ledger
    from ledger_client.models import Programme, Role

    with Ledger.embedded(data_dir=data_dir) as ledger:
        cr = ledger.dev_signers()[1]
        ledger.administrations.register("CR", "Costa Rica", cr.address)
        SignerRegistry(data_dir / "keystores").save("CR", cr, "benchmark-password")
        results = ledger.with_signer(cr).certificates.issue_many(
            [
                CertificateRequest(
                    number=f"CR-BENCH-{i:06d}",
                    programmes=int(Programme.SECURITY),
                    roles=int(Role.IMPORTER | Role.EXPORTER),
                    sme=i % 3 == 0,
                    valid_from=1_700_000_000,
                    valid_until=None,
                    document_hash=DOC_HASH,
                )
                for i in range(certificates)
            ]
        )
        ids = ["0x" + r.certificate_id.hex() for r in results if r.certificate_id is not None]
    store = TokenStore(data_dir / "tokens.sqlite")
    _, token = store.create("writer", "CR", "benchmark")
    store.close()
    return token, ids


class Server:
    """``aeo-ledger serve`` in a subprocess."""

    def __init__(self, data_dir: Path, block_mode: str = "realtime") -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "AEO_LEDGER_ACCESS_LOG": "false",
            "AEO_LEDGER_LOG_LEVEL": "warning",
            "AEO_LEDGER_BLOCK_MODE": block_mode,
        }
        command = [sys.executable, "-m", "ledger_client.cli", "serve", "--data-dir", str(data_dir)]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the API server did not become ready within 120 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wrk(url: str, token: str, seconds: int) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "get_certificate_rps": round(rps, 1),
        "get_certificate_p99_ms": round(float(p99.group(1)) * scale, 2),
        "get_certificate_errors": int(non2xx.group(1)) if non2xx else 0,
        "load_generator": "wrk -t2 -c32",
    }


def _python_load(url: str, token: str, seconds: int) -> dict[str, Any]:
    """Fallback: 2 processes x 16 keep-alive connections of a raw-socket HTTP/1.1 client."""
    script = ROOT / "benchmarks" / "_loadgen.py"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), url, token, "16", str(seconds)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    latencies: list[float] = []
    errors = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        data = json.loads(out)
        latencies += data["latencies"]
        errors += data["errors"]
    latencies.sort()
    return {
        "get_certificate_rps": round(len(latencies) / seconds, 1),
        "get_certificate_p99_ms": round(statistics.quantiles(latencies, n=100)[98] * 1000, 2),
        "get_certificate_errors": errors,
        "load_generator": "python (2 processes x 16 connections)",
    }


def _writes(url: str, token: str, clients: int, per_client: int, tag: str) -> tuple[float, list[float]]:
    """``clients`` threads each POSTing ``per_client`` certificates in turn: (writes/s, latencies in s)."""
    body = {
        "programmes": ["SECURITY"],
        "roles": ["IMPORTER"],
        "sme": False,
        "valid_from": 1_700_000_000,
        "valid_until": None,
        "document_hash": DOC_HASH,
    }
    failures: list[str] = []
    latencies: list[float] = []

    def client(worker: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            for i in range(per_client):
                number = f"CR-{tag}-W{worker:02d}-{i:05d}"
                started = time.perf_counter()
                response = http.post("/v1/certificates", json=body | {"number": number})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 201:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(w,)) for w in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} writes failed, first: {failures[0]}")
    return clients * per_client / elapsed, sorted(latencies)


def _percentile_ms(latencies: list[float], share: float) -> float:
    return round(latencies[min(len(latencies) - 1, int(len(latencies) * share))] * 1000, 1)


#: Realtime block mode: concurrent clients → writes per client (full size; quick: a third, at least 2).
REALTIME_LEVELS = {1: 30, 8: 12, 64: 6}


def _realtime_writes(url: str, token: str, quick: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for clients, per_client in REALTIME_LEVELS.items():
        count = max(2, per_client // 3) if quick else per_client
        rate, latencies = _writes(url, token, clients, count, f"R{clients}")
        prefix = f"post_write_realtime_{clients}"
        result |= {
            f"{prefix}_per_s": round(rate, 1),
            f"{prefix}_p50_ms": _percentile_ms(latencies, 0.50),
            f"{prefix}_p99_ms": _percentile_ms(latencies, 0.99),
        }
    return result


def measure_api(quick: bool = False) -> dict[str, Any]:
    """Run the API benchmarks on a fresh seeded data directory."""
    seconds = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="aeo-api-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        token, ids = prepare(data_dir, 200)
        server = Server(data_dir, block_mode="instant")
        try:
            url = f"{server.url}/v1/certificates/{ids[len(ids) // 2]}"
            assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
            reads = _wrk(url, token, seconds) if shutil.which("wrk") else _python_load(url, token, seconds)
            rate, _latencies = _writes(server.url, token, clients=8, per_client=10 if quick else 40, tag="I")
            writes = {"post_write_per_s": round(rate, 1), "post_write_clients": 8}
        finally:
            server.stop()
        # a fresh chain: the instant writes ran its block time ahead of the clock, which realtime
        # blocks would first wait out
        data_dir = Path(tmp) / "realtime"
        token, _ids = prepare(data_dir, 200)
        server = Server(data_dir, block_mode="realtime")
        try:
            writes |= _realtime_writes(server.url, token, quick)
        finally:
            server.stop()
    return reads | writes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (CI smoke)")
    args = parser.parse_args(argv)
    result = measure_api(args.quick) | {"quick": args.quick}
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
