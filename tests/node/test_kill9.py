"""``kill -9`` of a node process under write load loses no acknowledged transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from ledger_client.node.accounts import derive_accounts
from ledger_client.node.config import DEFAULT_HD_PATH, DEFAULT_MNEMONIC

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = derive_accounts(DEFAULT_MNEMONIC, 10, DEFAULT_HD_PATH)


def start_node(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, ETH_HASH_BACKEND="pysha3", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledger_client.node",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            "--log-level",
            "WARNING",
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        if line.startswith("Listening on "):
            return process, line.split()[-1]
        if time.monotonic() > deadline:
            break
    process.kill()
    raise AssertionError("node did not start")


def rpc(url: str, method: str, params: list[object]) -> object:
    answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).json()
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["result"]


def writer(url: str, account_index: int, acked: list[str], stop: threading.Event) -> None:
    account = ACCOUNTS[account_index]
    nonce = 0
    while not stop.is_set():
        tx = {
            "to": ACCOUNTS[0].address,
            "value": 1,
            "gas": 21_000,
            "nonce": nonce,
            "chainId": 31337,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
        }
        raw = Account.sign_transaction(tx, account.private_key).raw_transaction
        try:
            tx_hash = rpc(url, "eth_sendRawTransaction", ["0x" + raw.hex()])
        except (httpx.HTTPError, RuntimeError):
            return  # the node died under us: this one was never acknowledged
        acked.append(str(tx_hash))
        nonce += 1


def kill_9_under_load(data_dir: Path, count: int, *args: str) -> list[str]:
    """Start a node with ``args``, four writers, ``kill -9`` it after ``count`` acknowledged
    transactions (at most a minute); the acknowledged hashes."""
    process, url = start_node(data_dir, *args)
    acked: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(url, i, acked, stop)) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < count and time.monotonic() < deadline:
        time.sleep(0.02)  # bounded polling while a real subprocess works
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acked) >= count
    return acked


@pytest.mark.slow  # a node process killed and restarted under load (minutes)
@pytest.mark.parametrize("mode", ["instant", "realtime", "interval"])
def test_acknowledged_transactions_survive_kill_9(tmp_path: Path, mode: str) -> None:
    data_dir = tmp_path / "data"
    args = ("--block-mode", mode, "--block-interval", "0.05")
    acked = kill_9_under_load(data_dir, 150, *args)

    process, url = start_node(data_dir, *args)
    try:
        deadline = time.monotonic() + 30
        missing = list(acked)
        while missing and time.monotonic() < deadline:
            missing = [h for h in missing if rpc(url, "eth_getTransactionReceipt", [h]) is None]
            if missing:
                time.sleep(0.05)  # interval mode: the restored pending block is sealed soon
        assert missing == []
    finally:
        process.terminate()
        process.wait(timeout=30)
