"""Benchmark of the embedded durable node; prints ONE JSON object.

Keys: ``send_raw_tx_per_s`` (sustained, 4 concurrent HTTP clients on loopback, value
transfers, per-tx blocks) and ``send_raw_tx_per_s_interval`` (same, interval mining),
``restart_s`` (clean restart time vs number of certificates on the chain, issued in
batches of 100 with the AeoLedger artifact when present, otherwise with a tiny contract
writing one storage slot + one log per "certificate"), ``get_logs_1000_blocks_ms``
(address + topic filter over 1,000 blocks of a 10,000-block chain).

Usage: ``ETH_HASH_BACKEND=pysha3 python benchmarks/node.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_utils import keccak
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger_client.node import DurableChain, DurableChainProvider, NodeConfig, start_in_thread  # noqa: E402
from ledger_client.node.config import BlockMode  # noqa: E402

ARTIFACT = ROOT / "ledger_client" / "artifacts" / "AeoLedger.json"
# for every 32-byte calldata word w: SSTORE(w, w); LOG1(topic=w)  (see tests/node/helpers.py)
RUNTIME = bytes.fromhex("3660145763deadbeef60e01b60005260046000fd5b60005b803580805560006000a160200180361160175700")
INIT = bytes.fromhex(f"60{len(RUNTIME):02x}80600b6000396000f3") + RUNTIME
BATCH = 100


def signer(chain: DurableChain, index: int) -> Callable[[bytes | None, bytes, int], bytes]:
    """Return sign(to, data, gas) with an auto-incremented nonce for account ``index``."""
    account = Account.from_key(chain.accounts[index].private_key)
    w3 = Web3(DurableChainProvider(chain))
    state = {"nonce": w3.eth.get_transaction_count(account.address, "pending")}

    def sign(to: bytes | None, data: bytes, gas: int) -> bytes:
        tx: dict[str, Any] = {
            "nonce": state["nonce"],
            "gas": gas,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "chainId": chain.config.chain_id,
            "data": data,
            "value": 0,
        }
        if to is not None:
            tx["to"] = to
        state["nonce"] += 1
        return bytes(account.sign_transaction(tx).raw_transaction)

    return sign


def deploy(chain: DurableChain, sign: Callable[[bytes | None, bytes, int], bytes], code: bytes) -> bytes:
    tx_hash = chain.send_raw_transaction(sign(None, code, 10_000_000))
    w3 = Web3(DurableChainProvider(chain))
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1, "deployment failed"
    return bytes.fromhex(str(receipt["contractAddress"])[2:])


class Issuer:
    """Issues certificates in batches of 100 (AeoLedger artifact, else the tiny contract)."""

    def __init__(self, chain: DurableChain) -> None:
        self.issued = 0
        self.kind = "tiny-contract"
        self.sign = signer(chain, 1)
        if ARTIFACT.exists():
            try:
                self._setup_artifact(chain)
                self.kind = "AeoLedger"
                return
            except Exception as exc:  # artifact not usable yet: measure with the fallback
                print(f"artifact unusable ({exc}); using the tiny contract", file=sys.stderr)
        self.address = deploy(chain, self.sign, INIT)
        self.encode: Callable[[int], bytes] = lambda start: b"".join(
            (start + i + 1).to_bytes(32, "big") for i in range(BATCH)
        )

    def _setup_artifact(self, chain: DurableChain) -> None:
        artifact = json.loads(ARTIFACT.read_text())
        w3 = Web3(DurableChainProvider(chain))
        governance = signer(chain, 0)
        contract = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        init = contract.constructor(chain.accounts[0].address).data_in_transaction
        address = deploy(chain, governance, bytes.fromhex(init[2:]))
        bound = w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact["abi"])
        call = bound.functions.registerAdministration(b"CR", "Costa Rica", chain.accounts[1].address)
        data = bytes.fromhex(call._encode_transaction_data()[2:])
        tx_hash = chain.send_raw_transaction(governance(address, data, 1_000_000))
        assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
        self.address = address

        def encode(start: int) -> bytes:
            certificates = [
                (keccak(text=f"CR-{start + i}"), 1, 1, 0, 0, 0, keccak(text=f"doc-{start + i}")) for i in range(BATCH)
            ]
            return bytes.fromhex(bound.functions.issueBatch(certificates)._encode_transaction_data()[2:])

        self.encode = encode

    def issue_until(self, chain: DurableChain, total: int) -> None:
        w3 = Web3(DurableChainProvider(chain))
        while self.issued < total:
            tx_hash = chain.send_raw_transaction(self.sign(self.address, self.encode(self.issued), 29_000_000))
            assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1, "issueBatch reverted"
            self.issued += BATCH


def bench_restart(sizes: list[int]) -> tuple[dict[str, float], str]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        chain = DurableChain(data_dir, block_mode="instant")
        issuer = Issuer(chain)
        for size in sizes:
            issuer.issue_until(chain, size)
            chain.close()
            started = time.perf_counter()
            chain = DurableChain(data_dir, block_mode="instant")
            results[str(size)] = round(time.perf_counter() - started, 3)
            issuer.sign = signer(chain, 1)
        chain.close()
    return results, issuer.kind


def bench_throughput(mode: BlockMode, per_client: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        chain = DurableChain(Path(tmp) / "data", NodeConfig(block_mode=mode, block_interval_s=0.2))
        server = start_in_thread(chain)
        clients = 4
        signed = []
        for index in range(1, clients + 1):
            key = chain.accounts[index].private_key
            signed.append(
                [
                    "0x"
                    + bytes(
                        Account.sign_transaction(
                            {
                                "to": chain.accounts[0].address,
                                "value": 1,
                                "gas": 21_000,
                                "nonce": n,
                                "chainId": chain.config.chain_id,
                                "maxFeePerGas": 10**11,
                                "maxPriorityFeePerGas": 10**9,
                            },
                            key,
                        ).raw_transaction
                    ).hex()
                    for n in range(per_client)
                ]
            )

        def run(raws: list[str]) -> None:
            with httpx.Client() as client:
                for n, raw in enumerate(raws):
                    body = {"jsonrpc": "2.0", "id": n, "method": "eth_sendRawTransaction", "params": [raw]}
                    assert "result" in client.post(server.url, json=body).json()

        threads = [threading.Thread(target=run, args=(raws,)) for raws in signed]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        server.stop()
        chain.close()
        return round(clients * per_client / elapsed, 1)


def bench_get_logs(blocks: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        chain = DurableChain(Path(tmp) / "data", block_mode="instant")  # one block per transaction
        sign = signer(chain, 0)
        address = deploy(chain, sign, INIT)
        for n in range(blocks - 1):
            chain.send_raw_transaction(sign(address, (n % 10 + 1).to_bytes(32, "big"), 100_000))
        w3 = Web3(DurableChainProvider(chain))
        assert w3.eth.block_number >= blocks
        low = blocks // 2
        topic = "0x" + (3).to_bytes(32, "big").hex()
        flt = {"fromBlock": low, "toBlock": low + 999, "address": Web3.to_checksum_address(address), "topics": [topic]}
        timings, wide = [], []
        for _ in range(7):
            started = time.perf_counter()
            logs = w3.eth.get_logs(flt)  # type: ignore[arg-type]
            timings.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            all_logs = w3.eth.get_logs({k: v for k, v in flt.items() if k != "topics"})  # type: ignore[arg-type]
            wide.append((time.perf_counter() - started) * 1000)
        assert len(logs) == 100
        assert len(all_logs) == 1000
        chain.close()
        return round(statistics.median(timings), 2), round(statistics.median(wide), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes for a fast run")
    args = parser.parse_args()
    sizes = [100, 1000] if args.quick else [1000, 10_000, 100_000]
    restart, kind = bench_restart(sizes)
    per_tx = bench_throughput(BlockMode.INSTANT, 100 if args.quick else 500)
    realtime = bench_throughput(BlockMode.REALTIME, 100 if args.quick else 500)
    interval = bench_throughput(BlockMode.INTERVAL, 100 if args.quick else 500)
    logs_ms, logs_wide_ms = bench_get_logs(2_000 if args.quick else 10_000)
    print(
        json.dumps(
            {
                "send_raw_tx_per_s": per_tx,
                "send_raw_tx_per_s_realtime": realtime,
                "send_raw_tx_per_s_interval": interval,
                "restart_s": restart,
                "certificates_via": kind,
                "get_logs_1000_blocks_ms": logs_ms,
                "get_logs_1000_blocks_address_only_ms": logs_wide_ms,
                "quick": args.quick,
            }
        )
    )


if __name__ == "__main__":
    main()
