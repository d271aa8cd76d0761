"""The py-evm chain class and the fixed genesis block of the embedded node."""

from __future__ import annotations

from typing import Any

from eth.abc import AtomicDatabaseAPI, BlockHeaderAPI
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH, POST_MERGE_DIFFICULTY, POST_MERGE_MIX_HASH, POST_MERGE_NONCE, ZERO_ADDRESS
from eth.vm.forks.prague import PragueVM
from eth_typing import Address, BlockNumber
from eth_utils.address import to_canonical_address

from ledger_client.node.accounts import DevAccount
from ledger_client.node.config import NodeConfig


class DevChain(MiningChain):
    """A post-merge Prague chain whose gas limit stays constant from genesis on."""

    vm_configuration = ((BlockNumber(0), PragueVM),)

    def create_header_from_parent(self, parent_header: BlockHeaderAPI, **header_params: Any) -> BlockHeaderAPI:
        """Like py-evm's, but never lets the gas limit drift."""
        header_params.setdefault("gas_limit", parent_header.gas_limit)
        return super().create_header_from_parent(parent_header, **header_params)


def chain_class(chain_id: int) -> type[DevChain]:
    """The :class:`DevChain` subclass bound to ``chain_id``."""
    return type(f"DevChain{chain_id}", (DevChain,), {"chain_id": chain_id})


def genesis_params(config: NodeConfig) -> dict[str, Any]:
    """Header fields of the genesis block: all fixed, nothing read from the clock."""
    return {
        "coinbase": ZERO_ADDRESS,
        "difficulty": POST_MERGE_DIFFICULTY,
        "extra_data": b"aeo-ledger",
        "gas_limit": config.gas_limit,
        "mix_hash": POST_MERGE_MIX_HASH,
        "nonce": POST_MERGE_NONCE,
        "receipt_root": BLANK_ROOT_HASH,
        "timestamp": config.genesis_timestamp,
        "transaction_root": BLANK_ROOT_HASH,
    }


def genesis_state(config: NodeConfig, accounts: tuple[DevAccount, ...]) -> dict[Address, Any]:
    """Genesis allocation: each development account funded, nothing else."""
    return {
        to_canonical_address(account.address): {
            "balance": config.account_balance_wei,
            "nonce": 0,
            "code": b"",
            "storage": {},
        }
        for account in accounts
    }


def create_genesis_chain(db: AtomicDatabaseAPI, config: NodeConfig, accounts: tuple[DevAccount, ...]) -> DevChain:
    """Write the genesis block into the empty ``db`` and return the chain."""
    chain = chain_class(config.chain_id).from_genesis(db, genesis_params(config), genesis_state(config, accounts))
    assert isinstance(chain, DevChain)
    return chain


def open_chain(db: AtomicDatabaseAPI, config: NodeConfig) -> DevChain:
    """Open the chain already stored in ``db`` (restored from a snapshot)."""
    return chain_class(config.chain_id)(db)
