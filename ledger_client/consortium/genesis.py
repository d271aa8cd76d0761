"""The genesis of the QBFT network: the validators' ``extraData`` and the chain configuration.

``extraData`` is what ``besu rlp encode --type=QBFT_EXTRA_DATA`` produces for a list of
validators: ``RLP([32 zero bytes of vanity, [validator addresses], no vote (empty list),
round 0, no seals (empty list)])``.

The configuration activates every fork up to Cancun at genesis (the contracts are compiled for
``evmVersion`` cancun: ``PUSH0``, transient storage, ``MCOPY``), prices gas at zero
(``zeroBaseFee`` and a zero ``baseFeePerGas``; the nodes add ``min-gas-price=0``) and sets
``contractSizeLimit`` to a value the ledger's deployed bytecode fits.
"""

from __future__ import annotations

import json
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_utils.address import is_address, to_checksum_address

from ledger_client.consortium.plan import NetworkPlan
from ledger_client.errors import LedgerValueError

VANITY = b"\x00" * 32
#: Besu's genesis ``mixHash`` for IBFT 2.0 / QBFT ("ctical byzantine fault tolerance").
BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
#: Genesis timestamp (fixed, so two runs with the same keys write the same file).
GENESIS_TIMESTAMP = 0x58EE40BA
#: Forks activated at block 0 (block-numbered) and at time 0 (timestamp-numbered).
BLOCK_FORKS = (
    "homesteadBlock",
    "eip150Block",
    "eip155Block",
    "eip158Block",
    "byzantiumBlock",
    "constantinopleBlock",
    "petersburgBlock",
    "istanbulBlock",
    "muirGlacierBlock",
    "berlinBlock",
    "londonBlock",
)
TIME_FORKS = ("shanghaiTime", "cancunTime")


def qbft_extra_data(validators: list[str]) -> bytes:
    """QBFT genesis ``extraData`` naming ``validators`` (addresses, in the order given)."""
    if not validators:
        raise LedgerValueError("QBFT extraData needs at least one validator")
    for address in validators:
        if not is_address(address):
            raise LedgerValueError(f"validator {address!r} is not an address")
    encoded: bytes = rlp.encode([VANITY, [bytes.fromhex(a[2:]) for a in validators], [], 0, []])
    return encoded


def decode_qbft_extra_data(extra_data: bytes | str) -> list[str]:
    """The validator addresses of a QBFT ``extraData``; rejects anything else a genesis must not carry."""
    raw = bytes.fromhex(extra_data.removeprefix("0x")) if isinstance(extra_data, str) else extra_data
    try:
        fields = rlp.decode(raw)
    except rlp.DecodingError as exc:
        raise LedgerValueError(f"extraData is not RLP: {exc}") from None
    if not isinstance(fields, list) or len(fields) != 5:
        raise LedgerValueError("QBFT extraData is a list of 5 items: vanity, validators, vote, round, seals")
    vanity, validators, vote, round_number, seals = fields
    if not isinstance(vanity, bytes) or len(vanity) != 32:
        raise LedgerValueError("QBFT extraData vanity must be 32 bytes")
    if not isinstance(validators, list) or not all(isinstance(v, bytes) and len(v) == 20 for v in validators):
        raise LedgerValueError("QBFT extraData validators must be a list of 20-byte addresses")
    if vote != [] or round_number != b"" or seals != []:
        raise LedgerValueError("a genesis QBFT extraData carries no vote, round 0 and no seals")
    return [to_checksum_address(v) for v in validators]


def build_genesis(plan: NetworkPlan) -> dict[str, Any]:
    """The genesis document (Besu's format; anvil reads its chain id, gas limit and allocations)."""
    options = plan.options
    config: dict[str, Any] = {"chainId": options.chain_id}
    config.update(dict.fromkeys(BLOCK_FORKS, 0))
    config.update(dict.fromkeys(TIME_FORKS, 0))
    config.update(
        {
            "zeroBaseFee": True,
            "contractSizeLimit": options.contract_size_limit,
            "qbft": {
                "blockperiodseconds": options.block_period_seconds,
                "epochlength": options.epoch_length,
                "requesttimeoutseconds": options.request_timeout_seconds,
            },
        }
    )
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": hex(GENESIS_TIMESTAMP),
        "extraData": "0x" + qbft_extra_data(plan.validator_addresses).hex(),
        "gasLimit": hex(options.gas_limit),
        "difficulty": "0x1",
        "mixHash": BFT_MIX_HASH,
        "coinbase": "0x" + "00" * 20,
        "baseFeePerGas": "0x0",
        "alloc": {
            address.removeprefix("0x").lower(): {"balance": hex(options.reserve_wei)}
            for address in plan.funded_accounts
        },
    }


def genesis_json(plan: NetworkPlan) -> str:
    """The genesis file's text."""
    return json.dumps(build_genesis(plan), indent=2) + "\n"
