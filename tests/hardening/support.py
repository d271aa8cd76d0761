"""Test-only helpers of the hardening drills: state directories, server subprocesses, problem checks.

Everything here talks to 127.0.0.1 only; every wait is a bounded poll of a real process or server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role, TokenStore
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer

ROOT = Path(__file__).resolve().parents[2]
DOC = "0x" + "11" * 32
VALID_FROM = "2024-01-01T00:00:00Z"
PROBLEM_MEDIA_TYPE = "application/problem+json"
LOOPBACK = "127.0.0.1"
NAMES = {"CR": "Costa Rica", "PE": "Peru", "MX": "Mexico", "CL": "Chile", "CO": "Colombia"}


def free_port() -> int:
    """A TCP port on the loopback interface that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: the project on the path, the fast keccak backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEO_LEDGER_")}
    env.update(ETH_HASH_BACKEND="pysha3", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def cli() -> list[str]:
    """The ``aeo-ledger`` console script as an argv prefix (this interpreter, so the same venv)."""
    return [sys.executable, "-c", "import sys; from ledger_client.cli import main; sys.exit(main())"]


def issue_body(number: str, **overrides: Any) -> dict[str, Any]:
    """A valid certificate issue request body."""
    body: dict[str, Any] = {
        "number": number,
        "programmes": ["SECURITY"],
        "roles": ["IMPORTER", "EXPORTER"],
        "sme": False,
        "valid_from": VALID_FROM,
        "valid_until": None,
        "document_hash": DOC,
    }
    body.update(overrides)
    return body


def assert_problem(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """``response`` is an RFC 9457 problem document (of ``status`` when given); return its body."""
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE), (
        response.status_code,
        response.headers.get("content-type"),
        response.text[:500],
    )
    body: dict[str, Any] = response.json()
    for member in ("type", "title", "status", "detail"):
        assert member in body, body
    assert body["status"] == response.status_code
    return body


@dataclass
class State:
    """A prepared API state directory (embedded durable chain): administrations, keystores, tokens."""

    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)
    signers: dict[str, Signer] = field(default_factory=dict)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        """The Authorization header of token ``who`` (plus ``extra``)."""
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


KEYSTORE_PASSWORD = "correct horse battery staple"


def prepare_state(
    data_dir: Path,
    admins: tuple[str, ...] = ("CR", "PE"),
    roles: tuple[tuple[str, Role, str | None], ...] | None = None,
) -> State:
    """Deploy on a durable embedded chain in ``data_dir``, register ``admins`` (development accounts
    1..n, saved as encrypted keystores) and create tokens (default: a writer per administration,
    an auditor and a governance token). The chain is closed again, so a server may open it."""
    state = State(data_dir)
    with Ledger.embedded(data_dir=data_dir) as ledger:
        dev = ledger.dev_signers()
        registry = SignerRegistry(data_dir / "keystores")
        for i, code in enumerate(admins, start=1):
            ledger.administrations.register(code, NAMES.get(code, code), dev[i].address)
            registry.save(code, dev[i], KEYSTORE_PASSWORD)
            state.signers[code] = dev[i]
        state.signers["governance"] = dev[0]
    wanted = roles or (
        *((f"{c.lower()}_writer", Role.WRITER, c) for c in admins),
        ("auditor", Role.AUDITOR, None),
        ("governance", Role.GOVERNANCE, None),
    )
    store = TokenStore(data_dir / "tokens.sqlite")
    try:
        for name, role, admin in wanted:
            record, secret = store.create(role, admin, label=name)
            state.tokens[name], state.token_ids[name] = secret, record.id
    finally:
        store.close()
    return state


class ServerProcess:
    """``aeo-ledger serve`` (or ``node``) in a child process, its output in a log file."""

    def __init__(self, argv: list[str], log_path: Path, *, env: Mapping[str, str] | None = None) -> None:
        self.argv = argv
        self.log_path = log_path
        self._env = dict(env or subprocess_env())
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        """Start the process (appending to the log)."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT, env=self._env, cwd=self.log_path.parent
            )
        return self

    @property
    def pid(self) -> int:
        """The child's process id."""
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        """Whether the child still runs."""
        return self.process is not None and self.process.poll() is None

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        """Poll ``url`` until it answers 200 (bounded); fail with the log tail if the child dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"{self.argv[-6:]} exited early:\n{self.log()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{url} not up within {timeout} s:\n{self.log()[-3000:]}")

    def wait_exit(self, timeout: float = 60.0) -> int:
        """The exit code, waiting at most ``timeout`` seconds."""
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill9(self) -> None:
        """``kill -9`` the child and reap it."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (then SIGKILL after 15 s) if still running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def log(self) -> str:
        """Everything the child printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def serve_process(data_dir: Path, port: int, log_path: Path, *extra: str) -> ServerProcess:
    """``aeo-ledger serve --data-dir DATA --port PORT`` (not started)."""
    argv = [*cli(), "serve", "--data-dir", str(data_dir), "--host", LOOPBACK, "--port", str(port), *extra]
    return ServerProcess(argv, log_path)


@contextlib.contextmanager
def running(server: ServerProcess, ready_url: str, timeout: float = 60.0) -> Iterator[ServerProcess]:
    """Start ``server``, wait for ``ready_url``, stop it afterwards."""
    server.start()
    try:
        server.wait_http(ready_url, timeout)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (needs root / CAP_SYS_ADMIN; raises OSError otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise OSError(f"cannot mount a tmpfs at {path}: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def remount(path: Path, options: str) -> None:
    """``mount -o remount,OPTIONS path`` (e.g. ``ro``)."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True, capture_output=True)


@dataclass
class ApiEnv:
    """An in-process API over an in-memory embedded ledger (TestClient), with tokens per role."""

    client: TestClient
    runtime: Runtime
    ledger: Ledger
    dev: list[Signer]
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        """The Authorization header of token ``who`` (plus ``extra``)."""
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def as_admin(self, code: str) -> Ledger:
        """The ledger acting as ``code``'s registered signer."""
        return self.ledger.with_signer(self.runtime.signers.signer_for(code))

    def wait_index(self) -> None:
        """Block until the index holds the chain's head."""
        self.runtime.await_block(self.ledger.chain.block_number())


@contextlib.contextmanager
def api_env(
    state_dir: Path, admins: tuple[str, ...] = ("CR", "PE", "MX"), *, keystore_admins: tuple[str, ...] = ()
) -> Iterator[ApiEnv]:
    """An :class:`ApiEnv`: ``admins`` registered (dev accounts 1..n); CR-PE MRA in force when both exist;
    tokens ``<code>_writer``/``<code>_reader``/``<code>_agency`` per administration, ``auditor``, ``governance``.

    The signers of ``keystore_admins`` are encrypted keystores in ``<state>/keystores`` (as in
    production); the others are registered in memory (faster)."""
    settings = ApiSettings(state_dir=state_dir, index_wait_seconds=20, index_poll_seconds=0.05)
    ledger = Ledger.embedded()
    dev = ledger.dev_signers()
    registry = SignerRegistry(state_dir / "keystores", governance=dev[0])
    for i, code in enumerate(admins, start=1):
        ledger.administrations.register(code, NAMES.get(code, code), dev[i].address)
        if code in keystore_admins:
            registry.save(code, dev[i], KEYSTORE_PASSWORD)
        else:
            registry.register(code, dev[i])
    if "CR" in admins and "PE" in admins:
        mra = ledger.with_signer(dev[1]).mras.propose(["CR", "PE"], 3, 0x7F, 0, "0x" + "22" * 32)
        ledger.with_signer(dev[admins.index("PE") + 1]).mras.accept(mra.mra_id)
    runtime = Runtime.assemble(settings, ledger, registry, owner="hardening")
    runtime.start()
    env = ApiEnv(TestClient(create_app(runtime=runtime), raise_server_exceptions=False), runtime, ledger, dev)
    wanted: list[tuple[str, Role, str | None]] = [
        ("auditor", Role.AUDITOR, None),
        ("governance", Role.GOVERNANCE, None),
    ]
    for code in admins:
        wanted += [
            (f"{code.lower()}_writer", Role.WRITER, code),
            (f"{code.lower()}_reader", Role.READER, code),
            (f"{code.lower()}_agency", Role.AGENCY, code),
        ]
    for name, role, admin in wanted:
        record, secret = runtime.tokens.create(role, admin, label=name)
        env.tokens[name], env.token_ids[name] = secret, record.id
    try:
        with env.client:
            yield env
    finally:
        runtime.close()
