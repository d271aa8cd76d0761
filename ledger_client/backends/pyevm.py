"""Reading py-evm's chain data directly, for the in-process backends (never imported above them).

Raw trie items and receipt fields without building py-evm objects, one transaction decoder per
block, the contract address of a creation, and a :class:`Receipt` assembled from fields read
in-process. Shared by the in-memory backend (:mod:`.memory`, :mod:`.memory_logs`), the durable
node's backend (:mod:`.durable`) and the node's JSON-RPC formatting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import count
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_utils.address import to_canonical_address, to_checksum_address
from eth_utils.crypto import keccak
from trie.hexary import HexaryTrie

from ledger_client.backends.types import LogEntry, Receipt


def trie_items(db: Any, root: bytes) -> Iterator[bytes]:
    """The values of a transactions or receipts trie, keyed by ``rlp(index)``, in order."""
    trie = HexaryTrie(db, root_hash=root)
    for index in count():
        value = trie[rlp.encode(index)]
        if not value:
            return
        yield value


def trie_item(db: Any, root: bytes, index: int) -> bytes:
    """The value at ``index`` of a transactions or receipts trie (empty when absent)."""
    return bytes(HexaryTrie(db, root_hash=root)[rlp.encode(index)])


def receipt_fields(encoded: bytes) -> Any:
    """``[status, cumulativeGasUsed, bloom, logs]`` of an encoded (possibly typed) receipt."""
    payload = encoded[1:] if encoded[0] < 0xC0 else encoded  # typed receipt: strip the type byte
    return rlp.decode(payload)


def transaction_decoder(chain: Any, header: Any) -> Any:
    """The decoder of encoded transactions of the block with ``header`` (its fork's builder)."""
    return chain.get_vm_class(header).get_transaction_builder()


def contract_address(sender: bytes, nonce: int) -> bytes:
    """The address of the contract created by ``sender``'s transaction with ``nonce``."""
    return bytes(keccak(rlp.encode([to_canonical_address(sender), nonce])))[12:]


def in_process_receipt(  # noqa: PLR0913 - a receipt's fields, each named by the two in-process backends
    tx_hash: bytes,
    block_number: int,
    block_hash: bytes,
    index: int,
    *,
    status: int,
    gas_used: int,
    transaction: Any,
    first_log: int,
    logs: Sequence[tuple[bytes, tuple[bytes, ...], bytes]],
) -> Receipt:
    """A :class:`Receipt` from fields read in-process (the in-memory chain or the durable node)."""
    created = None
    if not transaction.to:
        created = to_checksum_address(contract_address(transaction.sender, transaction.nonce))
    entries = tuple(
        LogEntry(
            address=to_checksum_address(address),
            topics=topics,
            data=data,
            block_number=block_number,
            block_hash=block_hash,
            transaction_hash=tx_hash,
            transaction_index=index,
            log_index=first_log + offset,
        )
        for offset, (address, topics, data) in enumerate(logs)
    )
    return Receipt(tx_hash, block_number, block_hash, status, gas_used, created, entries)
