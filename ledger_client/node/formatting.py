"""py-evm objects → Ethereum JSON-RPC result objects (hex quantities and data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth.abc import BlockAPI, ReceiptAPI, SignedTransactionAPI
from eth.vm.forks.berlin.transactions import TypedTransaction
from eth_utils.address import to_checksum_address

from ledger_client.backends.pyevm import contract_address as created_address
from ledger_client.node.logindex import LogMatch

JsonDict = dict[str, Any]


def quantity(value: int) -> str:
    """An integer as a JSON-RPC quantity (``0x0``, ``0x1f`` …)."""
    return hex(value)


def data(value: bytes) -> str:
    """Bytes as JSON-RPC data (``0x``-prefixed, even length)."""
    return "0x" + bytes(value).hex()


def address(value: bytes) -> str:
    """A 20-byte address, checksummed."""
    return to_checksum_address(value)


def tx_type(transaction: SignedTransactionAPI) -> int:
    """EIP-2718 type of a transaction (0 for legacy)."""
    if isinstance(transaction, TypedTransaction):
        return int(transaction.type_id or 0)
    return 0


def effective_gas_price(transaction: SignedTransactionAPI, base_fee: int) -> int:
    """Gas price actually paid in a block with ``base_fee``."""
    if tx_type(transaction) >= 2:
        return min(
            int(transaction.max_fee_per_gas or 0),
            int(transaction.max_priority_fee_per_gas) + base_fee,
        )
    return int(transaction.gas_price)


def format_transaction(transaction: SignedTransactionAPI, block: BlockAPI | None, index: int) -> JsonDict:
    """A transaction object; block fields are null while it is pending."""
    kind = tx_type(transaction)
    result: JsonDict = {
        "type": quantity(kind),
        "hash": data(transaction.hash),
        "nonce": quantity(transaction.nonce),
        "blockHash": data(block.hash) if block else None,
        "blockNumber": quantity(block.number) if block else None,
        "transactionIndex": quantity(index) if block else None,
        "from": address(transaction.sender),
        "to": address(transaction.to) if transaction.to else None,
        "value": quantity(transaction.value),
        "gas": quantity(transaction.gas),
        "input": data(transaction.data),
        "r": quantity(transaction.r),
        "s": quantity(transaction.s),
    }
    if kind >= 2:
        result["maxFeePerGas"] = quantity(transaction.max_fee_per_gas)
        result["maxPriorityFeePerGas"] = quantity(transaction.max_priority_fee_per_gas)
        base_fee = block.header.base_fee_per_gas if block else None
        result["gasPrice"] = quantity(
            effective_gas_price(transaction, base_fee) if base_fee is not None else transaction.max_fee_per_gas
        )
    else:
        result["gasPrice"] = quantity(transaction.gas_price)
    if kind >= 1:
        result["chainId"] = quantity(int(transaction.chain_id or 0))
        result["accessList"] = [
            {
                "address": address(entry_address),
                "storageKeys": [data(slot.to_bytes(32, "big")) for slot in slots],
            }
            for entry_address, slots in transaction.access_list
        ]
        result["yParity"] = quantity(transaction.y_parity)
        result["v"] = quantity(transaction.y_parity)
    else:
        v = int(getattr(transaction, "v", 0))
        result["v"] = quantity(v)
        if v >= 35:
            result["chainId"] = quantity((v - 35) // 2)
    return result


def format_block(block: BlockAPI, full_transactions: bool) -> JsonDict:
    """A block object with transaction hashes or full transaction objects."""
    header = block.header
    transactions: list[Any] = [
        format_transaction(tx, block, i) if full_transactions else data(tx.hash)
        for i, tx in enumerate(block.transactions)
    ]
    result: JsonDict = {
        "number": quantity(header.block_number),
        "hash": data(header.hash),
        "parentHash": data(header.parent_hash),
        "nonce": data(header.nonce),
        "sha3Uncles": data(header.uncles_hash),
        "logsBloom": data(header.bloom.to_bytes(256, "big")),
        "transactionsRoot": data(header.transaction_root),
        "stateRoot": data(header.state_root),
        "receiptsRoot": data(header.receipt_root),
        "miner": address(header.coinbase),
        "difficulty": quantity(header.difficulty),
        "totalDifficulty": quantity(header.difficulty),
        "extraData": data(header.extra_data),
        "size": quantity(len(rlp.encode(block))),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "timestamp": quantity(header.timestamp),
        "mixHash": data(header.mix_hash),
        "transactions": transactions,
        "uncles": [],
    }
    optional: dict[str, tuple[str, Callable[[Any], str]]] = {
        "baseFeePerGas": ("base_fee_per_gas", quantity),
        "withdrawalsRoot": ("withdrawals_root", data),
        "blobGasUsed": ("blob_gas_used", quantity),
        "excessBlobGas": ("excess_blob_gas", quantity),
        "parentBeaconBlockRoot": ("parent_beacon_block_root", data),
        "requestsHash": ("requests_hash", data),
    }
    for key, (attribute, formatter) in optional.items():
        value = getattr(header, attribute, None)
        if value is not None:
            result[key] = formatter(value)
    if hasattr(block, "withdrawals"):
        result["withdrawals"] = []
    return result


def format_receipt(block: BlockAPI, receipts: tuple[ReceiptAPI, ...], index: int) -> JsonDict:
    """The receipt of transaction ``index`` of a sealed ``block``."""
    transaction = block.transactions[index]
    receipt = receipts[index]
    previous_gas = receipts[index - 1].gas_used if index else 0
    first_log_index = sum(len(r.logs) for r in receipts[:index])
    contract_address = None
    if not transaction.to:
        contract_address = address(created_address(transaction.sender, transaction.nonce))
    logs = [
        {
            "removed": False,
            "logIndex": quantity(first_log_index + offset),
            "transactionIndex": quantity(index),
            "transactionHash": data(transaction.hash),
            "blockHash": data(block.hash),
            "blockNumber": quantity(block.number),
            "blockTimestamp": quantity(block.header.timestamp),
            "address": address(log.address),
            "data": data(log.data),
            "topics": [data(topic.to_bytes(32, "big")) for topic in log.topics],
        }
        for offset, log in enumerate(receipt.logs)
    ]
    base_fee = getattr(block.header, "base_fee_per_gas", 0) or 0
    return {
        "transactionHash": data(transaction.hash),
        "transactionIndex": quantity(index),
        "blockHash": data(block.hash),
        "blockNumber": quantity(block.number),
        "from": address(transaction.sender),
        "to": address(transaction.to) if transaction.to else None,
        "cumulativeGasUsed": quantity(receipt.gas_used),
        "gasUsed": quantity(receipt.gas_used - previous_gas),
        "effectiveGasPrice": quantity(effective_gas_price(transaction, base_fee)),
        "contractAddress": contract_address,
        "logs": logs,
        "logsBloom": data(receipt.bloom.to_bytes(256, "big")),
        "status": quantity(1 if receipt.state_root == b"\x01" else 0),
        "type": quantity(tx_type(transaction)),
    }


def format_log(match: LogMatch) -> JsonDict:
    """A log object of an ``eth_getLogs`` result."""
    tx_index, tx_hash, log_index, log_address, topics, log_data = match.row
    return {
        "removed": False,
        "logIndex": quantity(log_index),
        "transactionIndex": quantity(tx_index),
        "transactionHash": data(tx_hash),
        "blockHash": data(match.block_hash),
        "blockNumber": quantity(match.block_number),
        "address": address(log_address),
        "data": data(log_data),
        "topics": [data(topic) for topic in topics],
    }
