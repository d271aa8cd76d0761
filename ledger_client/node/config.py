"""Configuration of the embedded node: a frozen dataclass with documented defaults."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ledger_client.node.errors import NodeConfigError

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
"""The well-known development mnemonic used by Hardhat and Anvil."""

DEFAULT_CHAIN_ID = 31337
"""Same as Hardhat and Anvil, so wallets and scripts configured for them just work."""

DEFAULT_HD_PATH = "m/44'/60'/0'/0"
"""Hardhat/Anvil derivation path; account ``i`` is ``{DEFAULT_HD_PATH}/{i}``."""

DEFAULT_GENESIS_TIMESTAMP = 1_735_689_600
"""2025-01-01T00:00:00Z: fixed so the same journal always yields the same chain."""

DEFAULT_GAS_LIMIT = 30_000_000
DEFAULT_ACCOUNT_BALANCE_WEI = 10_000 * 10**18


class BlockMode(enum.Enum):
    """How the node turns accepted transactions into blocks."""

    PER_TX = "per_tx"
    """One block per transaction, sealed before ``eth_sendRawTransaction`` returns."""

    INTERVAL = "interval"
    """Transactions accumulate in a pending block sealed every ``block_interval_s``."""


@dataclass(frozen=True)
class NodeConfig:
    """Everything that determines the chain a data directory holds.

    ``chain_id``, ``mnemonic``, ``num_accounts``, ``hd_path``, ``genesis_timestamp``,
    ``gas_limit`` and ``account_balance_wei`` define the genesis block; reopening a
    data directory with different values raises :class:`NodeConfigError`.
    """

    chain_id: int = DEFAULT_CHAIN_ID
    mnemonic: str = DEFAULT_MNEMONIC
    num_accounts: int = 10
    hd_path: str = DEFAULT_HD_PATH
    genesis_timestamp: int = DEFAULT_GENESIS_TIMESTAMP
    gas_limit: int = DEFAULT_GAS_LIMIT
    account_balance_wei: int = DEFAULT_ACCOUNT_BALANCE_WEI
    block_mode: BlockMode = BlockMode.PER_TX
    block_interval_s: float = 1.0
    snapshot_every_blocks: int = 2_000
    """Write a snapshot segment after this many sealed blocks …"""
    snapshot_every_gas: int = 60_000_000
    """… or after this much gas was used since the last one (bounds replay time)."""
    compact_after_segments: int = 64
    """Merge all snapshot segments into one after this many."""

    def __post_init__(self) -> None:
        if not 0 < self.chain_id < 2**63:
            raise NodeConfigError(f"chain_id must be a positive integer, got {self.chain_id}")
        if not 1 <= self.num_accounts <= 1000:
            raise NodeConfigError(f"num_accounts must be 1..1000, got {self.num_accounts}")
        if not self.mnemonic.strip():
            raise NodeConfigError("mnemonic must not be empty")
        if self.block_interval_s <= 0:
            raise NodeConfigError(f"block_interval_s must be positive, got {self.block_interval_s}")
        if self.gas_limit < 5_000_000:
            raise NodeConfigError(f"gas_limit must be at least 5,000,000, got {self.gas_limit}")
        if self.snapshot_every_blocks < 1 or self.snapshot_every_gas < 1:
            raise NodeConfigError("snapshot thresholds must be positive")
        if self.compact_after_segments < 2:
            raise NodeConfigError("compact_after_segments must be at least 2")
