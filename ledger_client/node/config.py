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
"""2025-01-01T00:00:00Z: the genesis time of data directories created before ``genesis.json``."""

GENESIS_AGE_S = 365 * 24 * 3600
"""A new data directory's genesis is this long before its creation (room for backdated history)."""

DEFAULT_GAS_LIMIT = 60_000_000
"""Block gas limit of new data directories: room for several 2^24-gas transactions a block."""

LEGACY_GAS_LIMIT = 30_000_000
"""Block gas limit of data directories created before ``genesis.json``."""

DEFAULT_MAX_DRIFT_S = 2
DEFAULT_BLOCK_PERIOD_MS = 1000
"""Realtime mode's block period: whole-second, strictly increasing timestamps (as production QBFT)."""
MIN_BLOCK_PERIOD_MS = 10
DEFAULT_ACCOUNT_BALANCE_WEI = 10_000 * 10**18


class BlockMode(enum.Enum):
    """How the node turns accepted transactions into blocks."""

    REALTIME = "realtime"
    """The default: block time never runs more than ``max_drift_s`` ahead of the wall clock (of the
    node's clock when ``evm_increaseTime`` moved it ahead). A transaction is sealed in its own block
    at once while the next block can take a new second (``max(parent + 1, clock) <= wall +
    max_drift_s``); otherwise it joins the pending block, which every transaction arriving meanwhile
    shares and which is sealed as soon as its second allows. With the clock set back
    (``evm_setTime``) blocks are history, all in the past, and sealed at once.

    A ``block_period_ms`` below 1000 (development networks, like Besu's ``xblockperiodmilliseconds``)
    seals a block as soon as a transaction arrives once that long has passed since the last seal, else
    that long after it; block timestamps are then whole seconds that may equal the parent's (never
    earlier, never ahead of the node's clock)."""

    INSTANT = "instant"
    """One block per transaction, sealed before ``eth_sendRawTransaction`` returns, whatever the
    clock (timestamps ``max(parent + 1, clock)`` run ahead of it under load): for tests."""

    INTERVAL = "interval"
    """Transactions accumulate in a pending block sealed every ``block_interval_s``."""

    @classmethod
    def _missing_(cls, value: object) -> BlockMode | None:
        return cls.INSTANT if value == "per_tx" else None  # the instant mode's former name


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
    genesis_timestamp: int | None = None
    """None: :data:`GENESIS_AGE_S` before the data directory is created (then kept in its
    ``genesis.json``, as is ``gas_limit``: a data directory keeps the genesis it was created with)."""
    gas_limit: int = DEFAULT_GAS_LIMIT
    account_balance_wei: int = DEFAULT_ACCOUNT_BALANCE_WEI
    block_mode: BlockMode = BlockMode.REALTIME
    block_interval_s: float = 1.0
    max_drift_s: int = DEFAULT_MAX_DRIFT_S
    """Realtime mode: how far (seconds) a block's timestamp may run ahead of the node's clock."""
    block_period_ms: int = DEFAULT_BLOCK_PERIOD_MS
    """Realtime mode: least time between two seals; below 1000, blocks may share a second (see
    :attr:`BlockMode.REALTIME`). Not part of the chain: a data directory reopens with any period."""
    snapshot_every_blocks: int = 2_000
    """Write a snapshot segment after this many sealed blocks …"""
    snapshot_every_gas: int = 60_000_000
    """… or after this much gas was used since the last one (bounds replay time)."""
    compact_after_segments: int = 64
    """Merge all snapshot segments into one after this many."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "block_mode", BlockMode(self.block_mode))  # "instant" as well as the enum
        if not 0 < self.chain_id < 2**63:
            raise NodeConfigError(f"chain_id must be a positive integer, got {self.chain_id}")
        if not 1 <= self.num_accounts <= 1000:
            raise NodeConfigError(f"num_accounts must be 1..1000, got {self.num_accounts}")
        if not self.mnemonic.strip():
            raise NodeConfigError("mnemonic must not be empty")
        if self.block_interval_s <= 0:
            raise NodeConfigError(f"block_interval_s must be positive, got {self.block_interval_s}")
        if not 0 <= self.max_drift_s <= 3600:
            raise NodeConfigError(f"max_drift_s must be 0..3600, got {self.max_drift_s}")
        if not MIN_BLOCK_PERIOD_MS <= self.block_period_ms <= DEFAULT_BLOCK_PERIOD_MS:
            raise NodeConfigError(
                f"block_period_ms must be {MIN_BLOCK_PERIOD_MS}..{DEFAULT_BLOCK_PERIOD_MS}, got {self.block_period_ms}"
            )
        if self.genesis_timestamp is not None and self.genesis_timestamp < 0:
            raise NodeConfigError(f"genesis_timestamp must not be negative, got {self.genesis_timestamp}")
        if self.gas_limit < 5_000_000:
            raise NodeConfigError(f"gas_limit must be at least 5,000,000, got {self.gas_limit}")
        if self.snapshot_every_blocks < 1 or self.snapshot_every_gas < 1:
            raise NodeConfigError("snapshot thresholds must be positive")
        if self.compact_after_segments < 2:
            raise NodeConfigError("compact_after_segments must be at least 2")
