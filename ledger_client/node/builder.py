"""Builds one block at a time from applied transactions, then seals it.

py-evm's ``MiningChain.apply_transaction`` rebuilds the transaction and receipt tries
of the whole pending block after every transaction (quadratic in the block size). This
builder keeps one VM for the pending block, applies transactions to its state and
builds the tries once, when the block is sealed.
"""

from __future__ import annotations

from eth.abc import BlockAPI, BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI, VirtualMachineAPI
from eth_hash.auto import keccak

from ledger_client.node.genesis import DevChain
from ledger_client.node.logindex import BlockLogs, LogRow


class PendingBlock:
    """The block under construction on top of ``parent``."""

    def __init__(self, chain: DevChain, parent: BlockHeaderAPI, timestamp: int) -> None:
        self._chain = chain
        header = chain.create_header_from_parent(
            parent,
            timestamp=timestamp,
            # prevrandao: deterministic, yet different in every block
            mix_hash=keccak(parent.hash),
        )
        self.timestamp = timestamp
        self.vm: VirtualMachineAPI = chain.get_vm(header)
        self.header: BlockHeaderAPI = header
        self.transactions: list[SignedTransactionAPI] = []
        self.receipts: list[ReceiptAPI] = []
        self.index_by_hash: dict[bytes, int] = {}

    @property
    def number(self) -> int:
        """Number the block will have once sealed."""
        return int(self.header.block_number)

    def decode(self, raw: bytes) -> SignedTransactionAPI:
        """Decode a signed raw transaction with this block's fork rules."""
        return self.vm.get_transaction_builder().decode(raw)

    def apply(self, transaction: SignedTransactionAPI) -> ReceiptAPI:
        """Execute ``transaction`` on the pending state.

        Raises ``eth_utils.ValidationError`` (before touching any state) when the
        transaction is invalid: bad nonce, insufficient funds, fee below base fee …
        """
        receipt, _computation = self.vm.apply_transaction(self.header, transaction)
        header = self.vm.add_receipt_to_header(self.header, receipt)
        self.header = self.vm.increment_blob_gas_used(header, transaction)
        self.index_by_hash[transaction.hash] = len(self.transactions)
        self.transactions.append(transaction)
        self.receipts.append(receipt)
        return receipt

    def seal(self) -> BlockAPI:
        """Finalise the state, build the tries and persist the block as the new head."""
        filled = self.vm.set_block_transactions_and_withdrawals(
            self.vm.get_block(), self.header, self.transactions, self.receipts
        )
        block = self.vm.mine_block(filled).block
        self._chain.chaindb.persist_block(block)
        return block

    def block_logs(self, block: BlockAPI) -> BlockLogs:
        """The logs of the sealed ``block``, in the form the log index stores."""
        rows: list[LogRow] = []
        log_index = 0
        for tx_index, (transaction, receipt) in enumerate(zip(self.transactions, self.receipts, strict=True)):
            for log in receipt.logs:
                topics = tuple(topic.to_bytes(32, "big") for topic in log.topics)
                rows.append((tx_index, transaction.hash, log_index, log.address, topics, log.data))
                log_index += 1
        return BlockLogs(int(block.number), block.hash, tuple(rows))
