"""The py-evm chain class and the genesis block of the embedded node.

A data directory keeps the genesis it was created with in ``genesis.json`` (timestamp and gas
limit; the rest of the genesis follows from the :class:`NodeConfig`), so that a genesis chosen
relative to the creation time (by default a year before it) yields the same chain on every reopen.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eth.abc import AtomicDatabaseAPI, BlockHeaderAPI
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH, POST_MERGE_DIFFICULTY, POST_MERGE_MIX_HASH, POST_MERGE_NONCE, ZERO_ADDRESS
from eth.vm.forks.prague import PragueVM
from eth_typing import Address, BlockNumber
from eth_utils.address import to_canonical_address

from ledger_client.node.accounts import DevAccount
from ledger_client.node.config import (
    DEFAULT_GAS_LIMIT,
    DEFAULT_GENESIS_TIMESTAMP,
    GENESIS_AGE_S,
    LEGACY_GAS_LIMIT,
    NodeConfig,
)
from ledger_client.node.errors import NodeConfigError
from ledger_client.node.estimate import estimate_gas
from ledger_client.node.fsutil import write_atomically

GENESIS_NAME = "genesis.json"


class DevPragueVM(PragueVM):
    """Prague, except that a block may have its parent's timestamp (never an earlier one).

    Whole-second timestamps with several blocks a second (a realtime node's ``block_period_ms``
    below 1000, Hardhat's ``allowBlocksWithSameTimestamp``); py-evm requires a strictly later one.
    Every chain accepts such blocks, so a journal written with any block period replays under any.
    """

    @classmethod
    def validate_header(cls, header: BlockHeaderAPI, parent_header: BlockHeaderAPI) -> None:
        """py-evm's checks; a timestamp equal to the parent's is checked as if the parent were a second older."""
        if parent_header is not None and header.timestamp == parent_header.timestamp:
            parent_header = parent_header.copy(timestamp=parent_header.timestamp - 1)
        super().validate_header(header, parent_header)


class DevChain(MiningChain):
    """A post-merge Prague chain whose gas limit stays constant from genesis on (blocks may share a second)."""

    vm_configuration = ((BlockNumber(0), DevPragueVM),)
    gas_estimator = staticmethod(estimate_gas)  # about 3 executions, not py-evm's ~14 (see estimate.py)

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
        "timestamp": genesis_timestamp(config),
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


def genesis_timestamp(config: NodeConfig) -> int:
    """The genesis timestamp of ``config`` (settled by :func:`settle_genesis`)."""
    if config.genesis_timestamp is None:
        raise NodeConfigError("the genesis timestamp is not settled yet (see settle_genesis)")
    return config.genesis_timestamp


def settle_genesis(data_dir: Path, config: NodeConfig, *, journal_exists: bool) -> tuple[NodeConfig, bool]:
    """``config`` with the genesis fields of ``data_dir``, and whether ``genesis.json`` must be written.

    A directory with ``genesis.json`` keeps its values (an explicit, different value in ``config``
    is an error); one with a journal but no ``genesis.json`` predates it (2025-01-01, 30,000,000 gas
    unless told otherwise); a new one gets midnight UTC :data:`GENESIS_AGE_S` before now.
    """
    path = data_dir / GENESIS_NAME
    if path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            timestamp, gas_limit = int(stored["genesis_timestamp"]), int(stored["gas_limit"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NodeConfigError(f"{path} is unreadable: {exc}") from exc
        if config.genesis_timestamp not in (None, timestamp):
            raise NodeConfigError(
                f"data directory {data_dir} has genesis timestamp {timestamp}, not {config.genesis_timestamp}"
            )
        if config.gas_limit not in (DEFAULT_GAS_LIMIT, gas_limit):
            raise NodeConfigError(f"data directory {data_dir} has block gas limit {gas_limit}, not {config.gas_limit}")
        return replace(config, genesis_timestamp=timestamp, gas_limit=gas_limit), False
    if journal_exists:
        gas_limit = LEGACY_GAS_LIMIT if config.gas_limit == DEFAULT_GAS_LIMIT else config.gas_limit
        timestamp = DEFAULT_GENESIS_TIMESTAMP if config.genesis_timestamp is None else config.genesis_timestamp
        return replace(config, genesis_timestamp=timestamp, gas_limit=gas_limit), True
    if config.genesis_timestamp is None:
        day = 24 * 3600
        config = replace(config, genesis_timestamp=(int(time.time()) - GENESIS_AGE_S) // day * day)
    return config, True


def store_genesis(data_dir: Path, config: NodeConfig) -> None:
    """Write ``genesis.json`` of ``data_dir`` (atomically)."""
    body = {"genesis_timestamp": genesis_timestamp(config), "gas_limit": config.gas_limit}
    write_atomically(data_dir / GENESIS_NAME, [json.dumps(body, indent=2).encode() + b"\n"])
