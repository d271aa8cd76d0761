"""Background processes of a network: started detached with a pid file and a log, stopped by SIGTERM.

A pid file is trusted only while that process still runs ``ledger_client.cli`` (``/proc/<pid>/cmdline``),
so a stale file whose pid was reused by another program is never signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The marker every process of a network carries on its command line.
MODULE = "ledger_client.cli"


@dataclass(frozen=True)
class ProcessInfo:
    """A started process."""

    pid: int
    log: Path


def _cmdline(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def running_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` when that process is alive and one of ours, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    command = _cmdline(pid)
    if command is None or MODULE not in command:
        return None
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    return None if status == "Z" else pid


def is_running(pid_file: Path) -> bool:
    """Whether the process of ``pid_file`` runs."""
    return running_pid(pid_file) is not None


def start_process(arguments: Sequence[str], pid_file: Path, log: Path, env: Mapping[str, str]) -> ProcessInfo:
    """Start ``python -m ledger_client.cli <arguments>`` detached (own session), output appended to ``log``."""
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", MODULE, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n")
    return ProcessInfo(process.pid, log)


def stop_process(pid_file: Path, timeout: float) -> str:
    """SIGTERM the process of ``pid_file``, wait at most ``timeout`` seconds (then SIGKILL); remove the file.

    Returns what happened: ``"not running"``, ``"stopped"`` or ``"killed"``.
    """
    return stop_processes([pid_file], timeout)[pid_file]


def stop_processes(pid_files: Sequence[Path], timeout: float) -> dict[Path, str]:
    """:func:`stop_process` for several at once: all are signalled, then waited for together."""
    outcome: dict[Path, str] = {}
    waiting: dict[Path, int] = {}
    for pid_file in pid_files:
        pid = running_pid(pid_file)
        if pid is None:
            pid_file.unlink(missing_ok=True)
            outcome[pid_file] = "not running"
        else:
            os.kill(pid, signal.SIGTERM)
            waiting[pid_file] = pid
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for pid_file in [p for p in waiting if running_pid(p) is None]:
            del waiting[pid_file]
            pid_file.unlink(missing_ok=True)
            outcome[pid_file] = "stopped"
        time.sleep(0.1)
    for pid_file, pid in waiting.items():
        os.kill(pid, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)
        outcome[pid_file] = "killed"
    return outcome


def tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of ``log`` (for an error message)."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any ``AEO_LEDGER_*`` setting, plus ``extra``.

    A gateway is configured only by what ``network up`` gives it, never by the caller's keystore settings.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEO_LEDGER_")}
    env.update(extra)
    return env


__all__ = [
    "ProcessInfo",
    "child_environment",
    "is_running",
    "running_pid",
    "start_process",
    "stop_process",
    "stop_processes",
    "tail",
]
