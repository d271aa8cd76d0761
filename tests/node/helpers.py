"""Shared helpers of the node tests: a tiny hand-assembled contract and tx signing."""

from __future__ import annotations

from eth_account import Account
from web3 import Web3

# Runtime: for every 32-byte calldata word w: SSTORE(w, w) and LOG1(topic=w).
# Empty calldata reverts with the 4 bytes 0xdeadbeef (a "custom error").
RUNTIME = bytes.fromhex(
    "36601457"  # CALLDATASIZE PUSH1 body JUMPI
    "63deadbeef60e01b60005260046000fd"  # revert(0xdeadbeef)
    "5b6000"  # body: JUMPDEST PUSH1 0
    "5b8035808055600060"
    "00a1"  # loop: w=calldata[i]; sstore(w,w); log1(0,0,w)
    "6020018036116017"
    "5700"  # i+=32; if size>i goto loop; STOP
)
INIT = bytes.fromhex(f"60{len(RUNTIME):02x}80600b6000396000f3") + RUNTIME
REVERT_DATA = bytes.fromhex("deadbeef")


def words(*values: int) -> bytes:
    """Calldata of 32-byte words."""
    return b"".join(value.to_bytes(32, "big") for value in values)


def sign(
    w3: Web3, key: str, nonce: int, to: str | None, data: bytes = b"", value: int = 0, gas: int = 500_000
) -> bytes:
    """A signed EIP-1559 transaction."""
    tx: dict[str, object] = {
        "nonce": nonce,
        "value": value,
        "gas": gas,
        "maxFeePerGas": 10**11,
        "maxPriorityFeePerGas": 10**9,
        "chainId": w3.eth.chain_id,
        "data": data,
        "type": 2,
    }
    if to is not None:
        tx["to"] = to
    return bytes(Account.sign_transaction(tx, key).raw_transaction)


def deploy(w3: Web3, key: str) -> str:
    """Deploy the test contract; return its address."""
    sender = Account.from_key(key).address
    nonce = w3.eth.get_transaction_count(sender, "pending")
    tx_hash = w3.eth.send_raw_transaction(sign(w3, key, nonce, None, INIT))
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.05)
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])
