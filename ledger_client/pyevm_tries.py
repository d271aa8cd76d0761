"""Reading py-evm's block tries directly: the raw items and receipt fields, no py-evm objects.

Shared by the in-memory chain's receipts (:mod:`ledger_client.chain`) and the index's in-process
log source (:mod:`ledger_client.index.sources`). py-trie comes with py-evm (the ``[node]`` extra),
so it is imported by the first read: a client over JSON-RPC never loads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import rlp  # type: ignore[import-untyped]


def _trie(db: Any, root: bytes) -> Any:
    from trie.hexary import HexaryTrie

    return HexaryTrie(db, root_hash=root)


def trie_items(db: Any, root: bytes) -> Iterator[bytes]:
    """The values of a transactions or receipts trie, keyed by ``rlp(index)``, in order."""
    trie = _trie(db, root)
    for index in count():
        value = trie[rlp.encode(index)]
        if not value:
            return
        yield value


def trie_item(db: Any, root: bytes, index: int) -> bytes:
    """The value at ``index`` of a transactions or receipts trie (empty when absent)."""
    return bytes(_trie(db, root)[rlp.encode(index)])


def receipt_fields(encoded: bytes) -> Any:
    """``[status, cumulativeGasUsed, bloom, logs]`` of an encoded (possibly typed) receipt."""
    payload = encoded[1:] if encoded[0] < 0xC0 else encoded  # typed receipt: strip the type byte
    return rlp.decode(payload)
