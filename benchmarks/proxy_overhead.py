"""What a delegatecall proxy would add to the ledger's writes (issue #14, "Evolving the contract").

Deploys AeoLedger and an EIP-1167 minimal proxy to it (one DELEGATECALL, the implementation address
in the proxy's code, no storage read) and measures the same writes both ways. It is a lower bound
of any upgradeable proxy: UUPS / ERC-1967 also reads the implementation slot (2,100 gas cold).
Prints one JSON object: each write's gas direct, through the proxy, and the difference.

Usage: ``python -m benchmarks.proxy_overhead``.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from web3.contract import Contract

from benchmarks.gas import _certificate, _deploy, _gas

#: EIP-1167 runtime around the implementation address, and its 10-byte deployer.
_CLONE_PREFIX = bytes.fromhex("363d3d373d3d3d363d73")
_CLONE_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
_CLONE_INIT = bytes.fromhex("3d602d80600a3d3981f3")


def measure() -> dict[str, dict[str, int]]:
    """Gas of issue, a batch of 100 (per certificate) and suspend, direct and through the proxy."""
    w3, ledger, accounts = _deploy()
    governance = accounts[0]
    runtime = _CLONE_PREFIX + bytes.fromhex(ledger.address[2:]) + _CLONE_SUFFIX
    tx_hash = w3.eth.send_transaction({"from": governance, "data": _CLONE_INIT + runtime, "gas": 200_000})
    address = w3.eth.get_transaction_receipt(tx_hash)["contractAddress"]
    assert address is not None
    assert bytes(w3.eth.get_code(address)) == runtime
    proxied: Contract = w3.eth.contract(address=address, abi=ledger.abi)
    result: dict[str, dict[str, int]] = {}
    for (name, contract), signer in zip((("direct", ledger), ("proxy", proxied)), accounts[1:3], strict=True):
        contract.functions.registerAdministration(b"CR", "Costa Rica", signer).transact({"from": governance})
        single = _certificate(f"{name}-1")
        issue = _gas(w3, contract.functions.issue(single).transact({"from": signer}))
        batch = [_certificate(f"{name}-b{i}") for i in range(100)]
        batch_gas = _gas(w3, contract.functions.issueBatch(batch).transact({"from": signer, "gas": 10_000_000}))
        cid = contract.functions.certificateId(b"CR", single[0]).call()
        suspend = _gas(w3, contract.functions.suspend(cid, 3).transact({"from": signer}))
        result[name] = {"issue": issue, "issue_batch_100_per_certificate": batch_gas // 100, "suspend": suspend}
    result["added"] = {k: result["proxy"][k] - result["direct"][k] for k in result["direct"]}
    return result


def main() -> int:
    print(json.dumps(measure(), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
