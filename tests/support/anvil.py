"""Foundry's anvil as a real JSON-RPC node for the suite.

The binary comes from npm (``@foundry-rs/anvil``, pinned in package.json/package-lock.json and
installed by ``scripts/bootstrap.sh``); ``AEO_LEDGER_ANVIL`` may name another binary. A node is
started on a free 127.0.0.1 port chosen by the kernel (``--port 0``; the port is read from
anvil's "Listening on" line), answered when ``eth_chainId`` replies, and stopped with SIGTERM
then SIGKILL. Each node runs in its own process group and, on Linux, dies with the process that
started it, so a killed test run leaves no orphan.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ANVIL_VERSION = "1.7.1"
_PLATFORM_PACKAGES = {
    ("linux", "x86_64"): "anvil-linux-amd64",
    ("linux", "aarch64"): "anvil-linux-arm64",
    ("darwin", "x86_64"): "anvil-darwin-amd64",
    ("darwin", "arm64"): "anvil-darwin-arm64",
}
_LISTENING = re.compile(r"Listening on (?P<host>[\d.]+):(?P<port>\d+)")
#: The first development account anvil funds (its well-known test mnemonic).
DEV_KEYS = (
    bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
    bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
    bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
    bytes.fromhex("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"),
    bytes.fromhex("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"),
)


class AnvilMissingError(RuntimeError):
    """The anvil binary is not installed (``bash scripts/bootstrap.sh`` installs it from npm)."""


class AnvilStartError(RuntimeError):
    """anvil did not start or did not answer in time."""


def anvil_binary() -> Path:
    """The anvil binary: ``$AEO_LEDGER_ANVIL``, else the npm package's platform binary."""
    override = os.environ.get("AEO_LEDGER_ANVIL")
    if override:
        path = Path(override)
        if not path.is_file():
            found = shutil.which(override)
            if found is None:
                raise AnvilMissingError(f"AEO_LEDGER_ANVIL={override!r} is not an executable file")
            path = Path(found)
        return path
    machine = platform.machine().lower()
    package = _PLATFORM_PACKAGES.get((sys.platform, "x86_64" if machine == "amd64" else machine))
    if package is None:
        raise AnvilMissingError(f"no @foundry-rs/anvil binary package for {sys.platform}/{machine}")
    path = ROOT / "node_modules" / "@foundry-rs" / package / "bin" / "anvil"
    if not path.is_file():
        raise AnvilMissingError(
            f"anvil {ANVIL_VERSION} is not installed at {path}; run `bash scripts/bootstrap.sh` "
            "(npm ci installs @foundry-rs/anvil from package-lock.json) or set AEO_LEDGER_ANVIL"
        )
    return path


def _libc_prctl() -> Any:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()  # resolved before any fork: the child only makes the call


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the node dies with the test process


@dataclass
class AnvilNode:
    """One running anvil process."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    args: tuple[str, ...]
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call; returns ``result`` or raises ``RuntimeError`` with the node's error."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def log(self) -> str:
        """What anvil printed so far."""
        return self.log_path.read_text(errors="replace")

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the node (SIGTERM, then SIGKILL after ``timeout``); idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        with contextlib.suppress(OSError):
            self.log_path.unlink()

    def __enter__(self) -> AnvilNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_anvil(*options: str, timeout: float = 30.0) -> AnvilNode:
    """Start anvil on a free 127.0.0.1 port with extra ``options`` (e.g. ``"--enable-tx-gas-limit"``,
    ``"--hardfork", "shanghai"``); return once it answers ``eth_chainId``."""
    binary = anvil_binary()
    handle, log_name = tempfile.mkstemp(prefix="anvil-", suffix=".log")
    log_path = Path(log_name)
    args = (str(binary), "--host", "127.0.0.1", "--port", "0", *options)
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - one pre-resolved libc call, no allocation
        )
    node: AnvilNode | None = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AnvilStartError(
                    f"anvil exited with code {process.returncode}: {log_path.read_text(errors='replace')[-2000:]}"
                )
            if node is None:
                match = _LISTENING.search(log_path.read_text(errors="replace"))
                if match is not None:
                    port = int(match["port"])
                    node = AnvilNode(process, f"http://127.0.0.1:{port}", port, tuple(options), log_path)
            if node is not None:
                with contextlib.suppress(OSError, ValueError):
                    node.rpc("eth_chainId")
                    return node
            time.sleep(0.02)
        raise AnvilStartError(
            f"anvil did not answer within {timeout:g} s: {log_path.read_text(errors='replace')[-2000:]}"
        )
    except BaseException:
        if node is None:
            node = AnvilNode(process, "", 0, tuple(options), log_path)
        node.stop()
        raise
