"""Gas used by the ledger's writes and by the recognition view, measured on eth-tester.

Prints one JSON object. tests/contracts/test_gas.py runs the same scenarios and asserts the
budgets as upper bounds.
"""

from __future__ import annotations

import json
from typing import Any

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import Wei

from tests.support.artifacts import deploy_on_tester

#: Upper bounds of the on-chain core (issue "On-chain core", gas budget). `acknowledge` is the
#: first acknowledgement of a certificate by a partner, which creates the partner's bitmap slot
#: for that certificate. `acknowledge_floor` measures the least any implementation can spend on
#: it (:func:`acknowledgement_floor_code`: the same calldata, the three cold reads, the new slot
#: and the same log, and no checks at all): 52,388 gas, so the issue's 50,000 holds for every
#: later event of the certificate (`acknowledge_next_event`) and the first one is bounded at
#: 55,000 (its checks cost about 2,100 above the floor).
ISSUE_ACKNOWLEDGE_BUDGET = 50_000
BUDGETS: dict[str, int] = {
    "issue": 65_000,
    "issue_batch_100_per_certificate": 30_000,
    "suspend": 35_000,
    "reinstate": 35_000,
    "revoke": 35_000,
    "recognition_20_mras": 40_000,
    "acknowledge": 55_000,
    "acknowledge_next_event": 50_000,
}

DOC = Web3.keccak(text="certificate document")
PROGRAMMES = 0b11
ROLES = 0b101


def _code(text: str) -> bytes:
    return text.encode("ascii")


def _alpha2(index: int) -> bytes:
    return bytes([0x41 + index // 26, 0x41 + index % 26])


def _number(text: str) -> bytes:
    return text.encode("ascii").ljust(32, b"\0")


def _certificate(number: str) -> tuple[Any, ...]:
    return (_number(number), PROGRAMMES, ROLES, 1, 1_700_000_000, 0, DOC)


def _deploy() -> tuple[Web3, Contract, list[ChecksumAddress]]:
    deployed = deploy_on_tester()
    return deployed.w3, deployed.contract, deployed.accounts


def _gas(w3: Web3, tx_hash: HexBytes) -> int:
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    return int(receipt["gasUsed"])


#: EVM opcodes used by the floor contract below.
_OP = {"STOP": 0x00, "SHR": 0x1C, "SHA3": 0x20, "CALLER": 0x33, "CALLDATALOAD": 0x35, "CODECOPY": 0x39}
_OP |= {"POP": 0x50, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55, "PUSH1": 0x60, "PUSH32": 0x7F}
_OP |= {"DUP1": 0x80, "LOG4": 0xA4, "RETURN": 0xF3}


def _assemble(*program: str | int | bytes) -> bytes:
    """Opcode names and immediate values (an int is one byte, bytes are taken as they are)."""
    out = bytearray()
    for item in program:
        out += bytes([_OP[item]]) if isinstance(item, str) else bytes([item]) if isinstance(item, int) else item
    return bytes(out)


def acknowledgement_floor_code() -> bytes:
    """Runtime code of the least any first acknowledgement can do, with none of its checks.

    It reads the three cold slots the issue's rules need (the certificate's event counter, the
    caller's signer record, the issuer-partner MRA link), sets one new storage slot for the
    (certificate, partner) pair and emits a log with the same topics and data as
    ``CertificateEventAcknowledged``. Called with the same calldata as ``acknowledge``, its gas is
    the floor of a first acknowledgement on this EVM.
    """
    topic = Web3.keccak(text="CertificateEventAcknowledged(bytes32,bytes2,bytes2,uint24)")
    return _assemble(
        "PUSH1", 0x04, "CALLDATALOAD",  # id
        "DUP1", "SLOAD", "POP",  # the certificate's word (cold)
        "CALLER", "SLOAD", "POP",  # the signer's record (cold)
        "DUP1", "PUSH1", 0xF0, "SHR", "SLOAD", "POP",  # the issuer-partner link (cold)
        "DUP1", "PUSH1", 0x00, "MSTORE", "CALLER", "PUSH1", 0x20, "MSTORE",
        "PUSH1", 0x01, "PUSH1", 0x40, "PUSH1", 0x00, "SHA3", "SSTORE",  # slot[keccak(id, caller)] = 1 (new)
        "PUSH1", 0x24, "CALLDATALOAD", "PUSH1", 0x00, "MSTORE",  # log data: the sequence
        "CALLER", "PUSH1", 0x04, "CALLDATALOAD", "PUSH1", 0xF0, "SHR",  # partner, issuer
        "PUSH1", 0x04, "CALLDATALOAD", "PUSH32", topic, "PUSH1", 0x20, "PUSH1", 0x00, "LOG4",
        "STOP",
    )  # fmt: skip


def _deploy_code(w3: Web3, runtime: bytes, sender: ChecksumAddress) -> ChecksumAddress:
    """Deploy ``runtime`` as is (init code: copy it to memory and return it)."""
    assert len(runtime) < 256
    init = _assemble("PUSH1", len(runtime), "DUP1", "PUSH1", 11, "PUSH1", 0, "CODECOPY", "PUSH1", 0, "RETURN")
    assert len(init) == 11
    tx = w3.eth.send_transaction({"from": sender, "data": HexBytes(init + runtime)})
    address = w3.eth.get_transaction_receipt(tx)["contractAddress"]
    assert address is not None
    assert w3.eth.get_code(address) == runtime
    return address


def measure_gas() -> dict[str, int]:
    """Run every scenario on a fresh eth-tester chain and return gas used per key."""
    w3, ledger, accounts = _deploy()
    governance, issuer, partner = accounts[0], accounts[1], accounts[2]
    ledger.functions.registerAdministration(_code("CR"), "Costa Rica", issuer).transact({"from": governance})
    ledger.functions.registerAdministration(_code("PE"), "Peru", partner).transact({"from": governance})
    result: dict[str, int] = {}

    result["issue"] = _gas(w3, ledger.functions.issue(_certificate("CR-AEO-0001")).transact({"from": issuer}))
    batch = [_certificate(f"CR-AEO-B{i:05d}") for i in range(100)]
    batch_gas = _gas(w3, ledger.functions.issueBatch(batch).transact({"from": issuer, "gas": 10_000_000}))
    result["issue_batch_100"] = batch_gas
    result["issue_batch_100_per_certificate"] = batch_gas // 100

    cert = ledger.functions.certificateId(_code("CR"), _number("CR-AEO-0001")).call()
    result["suspend"] = _gas(w3, ledger.functions.suspend(cert, 1).transact({"from": issuer}))
    result["reinstate"] = _gas(w3, ledger.functions.reinstate(cert, 0).transact({"from": issuer}))

    # MRA CR-PE, then acknowledgement of the certificate's first event by PE.
    ledger.functions.proposeMra([_code("CR"), _code("PE")], PROGRAMMES, ROLES, 0, DOC).transact({"from": issuer})
    result["accept_mra"] = _gas(w3, ledger.functions.acceptMra(1).transact({"from": partner}))
    result["acknowledge"] = _gas(w3, ledger.functions.acknowledge(cert, 1).transact({"from": partner}))
    result["acknowledge_next_event"] = _gas(w3, ledger.functions.acknowledge(cert, 2).transact({"from": partner}))
    floor = _deploy_code(w3, acknowledgement_floor_code(), governance)
    calldata = ledger.encode_abi("acknowledge", [cert, 1])
    result["acknowledge_floor"] = _gas(w3, w3.eth.send_transaction({"from": partner, "to": floor, "data": calldata}))

    # The issuer party to 20 MRAs: 19 more partners, one bilateral MRA each.
    for i in range(19):
        code = _alpha2(100 + i)
        signer = w3.eth.accounts[3 + i] if 3 + i < len(w3.eth.accounts) else None
        if signer is None:
            acct = w3.eth.account.create()
            w3.provider.ethereum_tester.add_account(acct.key.hex())  # type: ignore[attr-defined]
            w3.eth.send_transaction({"from": governance, "to": acct.address, "value": Wei(10**18)})
            signer = acct.address
        ledger.functions.registerAdministration(code, f"Administration {i}", signer).transact({"from": governance})
        ledger.functions.proposeMra([_code("CR"), code], PROGRAMMES, ROLES, 0, DOC).transact({"from": issuer})
        mra_id = ledger.functions.mraCount().call()
        ledger.functions.acceptMra(mra_id).transact({"from": signer})
    assert len(ledger.functions.mrasOf(_code("CR")).call()) == 20
    assert ledger.functions.recognition(cert, _code("PE")).call()[0]
    result["recognition_20_mras"] = int(
        w3.eth.estimate_gas({"to": ledger.address, "data": ledger.encode_abi("recognition", [cert, _code("PE")])})
    )

    result["revoke"] = _gas(w3, ledger.functions.revoke(cert, 2).transact({"from": issuer}))
    return result


def main() -> int:
    print(json.dumps(measure_gas(), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
