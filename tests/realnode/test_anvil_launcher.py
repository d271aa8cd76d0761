"""The anvil launcher: a free loopback port, options passed through, a clean stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import AnvilFactory
from tests.support.anvil import ROOT, AnvilMissingError, AnvilNode, anvil_binary


def test_node_answers_on_a_loopback_port(anvil: AnvilNode) -> None:
    assert anvil.url == f"http://127.0.0.1:{anvil.port}"
    assert anvil.port > 0
    assert int(anvil.rpc("eth_chainId"), 16) == 31337


def test_options_reach_the_node_and_stop_leaves_no_process(anvil_factory: AnvilFactory) -> None:
    node = anvil_factory("--chain-id", "4242", "--gas-limit", "20000000")
    assert int(node.rpc("eth_chainId"), 16) == 4242
    assert int(node.rpc("eth_getBlockByNumber", "latest", False)["gasLimit"], 16) == 20_000_000
    pid = node.process.pid
    node.stop()
    node.stop()  # idempotent
    assert not node.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_two_nodes_get_distinct_ports(anvil_factory: AnvilFactory, anvil: AnvilNode) -> None:
    other = anvil_factory()
    assert other.port != anvil.port
    other.stop()


def test_missing_binary_is_an_error_that_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEO_LEDGER_ANVIL", "/nonexistent/anvil")
    with pytest.raises(AnvilMissingError, match="AEO_LEDGER_ANVIL"):
        anvil_binary()
    monkeypatch.delenv("AEO_LEDGER_ANVIL")
    assert anvil_binary().is_file()


def test_node_dies_with_a_killed_test_process() -> None:
    script = (
        "import sys, time\n"
        "from tests.support.anvil import start_anvil\n"
        "node = start_anvil()\n"
        "print(node.process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    pytest.fail(f"anvil {pid} outlived the process that started it")
