"""The in-memory backend: eth-tester on py-evm in this process (tests, ``Ledger.embedded()``).

Writes are speculative (mined at once, rolled back to a snapshot if they revert), receipts are
read straight from py-evm's tries, the index reads blocks in-process
(:class:`~ledger_client.backends.memory_logs.EthTesterLogSource`), and snapshots and time travel
exist. eth-tester is not thread-safe: every request goes through one lock.
"""

from __future__ import annotations

import threading
from itertools import islice
from typing import Any, Literal

import rlp  # type: ignore[import-untyped]
from eth.exceptions import TransactionNotFound as PyEvmTransactionNotFound
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint, RPCResponse

from ledger_client.backends.logs import LogSource
from ledger_client.backends.memory_logs import EthTesterLogSource
from ledger_client.backends.pyevm import in_process_receipt, receipt_fields, transaction_decoder, trie_item, trie_items
from ledger_client.backends.reverts import revert_data as tester_revert_data
from ledger_client.backends.rpc import RpcBackend
from ledger_client.backends.types import Receipt, WriteStrategy
from ledger_client.errors import TransactionRejectedError

DEFAULT_DEV_ACCOUNTS = 20


class _LockedTesterProvider(EthereumTesterProvider):
    """eth-tester is not thread-safe: serialise every request behind one lock."""

    def __init__(self, tester: EthereumTester, lock: threading.RLock) -> None:
        super().__init__(tester)
        self._request_lock = lock

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self._request_lock:
            return super().make_request(method, params)

    def log_source(self, address: str) -> LogSource:
        """py-evm read in-process, under the lock every request holds."""
        return EthTesterLogSource(self.ethereum_tester, address, lock=self._request_lock)


class InMemoryBackend(RpcBackend):
    """A fresh in-memory eth-tester chain with ``accounts`` funded development accounts."""

    write_strategy = WriteStrategy.SPECULATE
    embedded = True
    nonce_block: Literal["latest", "pending"] = "latest"  # eth-tester mines at once: nothing is pending

    def __init__(self, *, accounts: int = DEFAULT_DEV_ACCOUNTS) -> None:
        genesis = PyEVMBackend.generate_genesis_state(num_accounts=accounts)
        backend = PyEVMBackend(genesis_state=genesis)
        #: The eth-tester instance (tests reach its controls: mine_blocks, reset_to_genesis …).
        self.tester = EthereumTester(backend)
        self.lock = threading.RLock()
        super().__init__(
            Web3(_LockedTesterProvider(self.tester, self.lock)),
            dev_keys=tuple(key.to_bytes() for key in backend.account_keys),
        )

    def is_revert(self, exc: BaseException) -> bool:
        """A revert: web3's contract error, eth-tester's ``TransactionFailed``, or a message saying so."""
        return isinstance(exc, TransactionFailed) or super().is_revert(exc)

    def revert_data(self, exc: BaseException) -> bytes | None:
        """The revert data of a failure (structured, or parsed from eth-tester's message)."""
        return tester_revert_data(exc)

    def send_raw(self, raw: bytes) -> bytes:
        """Hand the bytes to eth-tester directly, skipping web3's request and result formatting
        (a 500-certificate batch is 112 kB of calldata)."""
        try:
            with self.lock:
                return bytes.fromhex(str(self.tester.send_raw_transaction("0x" + raw.hex())).removeprefix("0x"))
        except Exception as exc:  # eth-tester raises several validation error types
            raise TransactionRejectedError(f"the node refused the transaction: {exc}") from exc

    def speculate(self, raw: bytes) -> Receipt | None:
        """Mine ``raw`` on a snapshot; roll back and return None if it reverted."""
        with self.lock:
            snapshot = self.snapshot()
            tx_hash = self.send_raw(raw)
            receipt = self.receipt(tx_hash)
            assert receipt is not None, "eth-tester mines every transaction at once"
            if receipt.status != 1:
                self.revert(snapshot)
                return None
            return receipt

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """A receipt read straight from py-evm under the lock."""
        with self.lock:
            return _tester_receipt(self.tester, tx_hash)

    def log_source(self, address: str) -> LogSource:
        """Blocks read from py-evm in-process, under the lock the writes hold."""
        return EthTesterLogSource(self.tester, address, lock=self.lock)

    def snapshot(self) -> int:
        """Snapshot the chain."""
        with self.lock:
            return int(self.tester.take_snapshot())

    def revert(self, snapshot: int) -> None:
        """Return the chain to ``snapshot``."""
        with self.lock:
            self.tester.revert_to_snapshot(snapshot)

    def time_travel(self, timestamp: int) -> None:
        """Mine a block at ``timestamp``."""
        with self.lock:
            self.tester.time_travel(timestamp)


def _tester_receipt(tester: EthereumTester, tx_hash: bytes) -> Receipt | None:
    """A receipt read straight from the in-memory py-evm chain.

    eth-tester's own receipt call formats every log through several layers (~0.4 ms per log of
    a 500-certificate batch); this reads the receipts trie once and decodes only what is used.
    """
    chain = tester.backend.chain
    chaindb = chain.chaindb
    try:
        block_number, index = chaindb.get_transaction_index(tx_hash)
    except PyEvmTransactionNotFound:
        return None
    if block_number > chain.get_canonical_head().block_number:
        return None  # a stale lookup entry: a revert (reorg) dropped the transaction's block
    header = chaindb.get_canonical_block_header_by_number(block_number)
    encoded_tx = trie_item(chaindb.db, header.transaction_root, index)
    if not encoded_tx:
        return None  # a stale lookup entry: the block at that height holds fewer transactions since a revert
    transaction = transaction_decoder(chain, header).decode(encoded_tx)
    if bytes(transaction.hash) != tx_hash:
        return None  # a stale lookup entry: another transaction holds that place since a revert
    # Each receipt up to this one decoded once: this one's fields, the gas and log counts before it.
    receipts = trie_items(chaindb.db, header.receipt_root)
    fields = [receipt_fields(encoded) for encoded in islice(receipts, index + 1)]
    cumulative = rlp.sedes.big_endian_int.deserialize(fields[index][1])
    previous = rlp.sedes.big_endian_int.deserialize(fields[index - 1][1]) if index else 0
    return in_process_receipt(
        tx_hash,
        block_number,
        bytes(header.hash),
        index,
        status=1 if bytes(fields[index][0]) == b"\x01" else 0,
        gas_used=cumulative - previous,
        transaction=transaction,
        first_log=sum(len(earlier[3]) for earlier in fields[:index]),
        logs=[(bytes(log[0]), tuple(bytes(t) for t in log[1]), bytes(log[2])) for log in fields[index][3]],
    )
