"""The one configuration object of the library: :class:`Settings` (pydantic-settings).

Every value can come from the environment with the ``AEO_LEDGER_`` prefix (e.g.
``AEO_LEDGER_RPC_URL``, ``AEO_LEDGER_KEYSTORE``, ``AEO_LEDGER_KEYSTORE_PASSWORD_FILE``) or from a
``.env`` file; nothing else in the library reads ``os.environ``.

Performance note: eth-hash picks its keccak backend on first use from ``ETH_HASH_BACKEND``;
``pysha3`` (package ``safe-pysha3``) is the fastest. :meth:`Settings.apply_environment` sets it
when unset; the CLI calls it first thing. Library users who construct a :class:`~ledger_client.ledger.Ledger`
get the same through :meth:`Ledger.from_settings`.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger_client.errors import ConfigurationError


class FeeMode(enum.StrEnum):
    """How transaction fees are priced."""

    AUTO = "auto"
    """Detect from the node: EIP-1559 when blocks carry a base fee, legacy otherwise, zero when
    the node prices gas at 0 (Besu free-gas networks)."""
    LEGACY = "legacy"
    """Type-0 transactions with ``gasPrice`` from ``eth_gasPrice`` (or the configured price)."""
    EIP1559 = "eip1559"
    """Type-2 transactions with ``maxFeePerGas``/``maxPriorityFeePerGas``."""
    ZERO = "zero"
    """Gas is free: legacy transactions with ``gasPrice = 0``."""


class GasStrategy(enum.StrEnum):
    """How the gas limit of a transaction is chosen."""

    AUTO = "auto"
    """``simulate`` on the embedded chain (py-evm's estimator re-executes ~20 times), ``estimate``
    on an RPC node."""
    ESTIMATE = "estimate"
    """``eth_estimateGas`` times :attr:`Settings.gas_margin` (also the pre-flight check)."""
    SIMULATE = "simulate"
    """``eth_call`` as the pre-flight check, the gas limit from a static model of the contract."""
    OPTIMISTIC = "optimistic"
    """A write with a static gas model goes out without a pre-flight unless the foresight (a gateway's
    index) doubts it (without a foresight, never); a refused write is mined as a failed transaction
    and named by replaying it. For chains where that gas costs nothing that matters: free-gas networks (LACChain, the
    consortium kit's Besu) and ``network up``'s own node."""


class Settings(BaseSettings):
    """Connection, signer, fee and timeout settings (env prefix ``AEO_LEDGER_``)."""

    model_config = SettingsConfigDict(env_prefix="AEO_LEDGER_", env_file=".env", extra="ignore", frozen=True)

    rpc_url: str | None = Field(default=None, description="JSON-RPC URL; None = embedded chain")
    deployment: str = Field(default="local", description="deployment manifest name (deployments/<name>.json)")
    deployments_dir: Path = Field(default=Path("deployments"))
    data_dir: Path | None = Field(default=None, description="embedded durable node data directory")

    keystore: Path | None = Field(default=None, description="encrypted keystore JSON of the signer")
    keystore_password: SecretStr | None = None
    keystore_password_file: Path | None = None
    private_key: SecretStr | None = Field(default=None, description="development only: raw hex key")

    fee_mode: FeeMode = FeeMode.AUTO
    gas_price_wei: int | None = Field(default=None, ge=0, description="fixed legacy gas price")
    max_fee_per_gas_wei: int | None = Field(default=None, ge=0)
    max_priority_fee_per_gas_wei: int | None = Field(default=None, ge=0)
    fee_cache_seconds: float = Field(default=2.0, ge=0)
    gas_strategy: GasStrategy = GasStrategy.AUTO
    gas_margin: float = Field(default=1.2, ge=1.0, le=3.0)
    tx_gas_cap: int = Field(
        default=2**24,
        ge=100_000,
        le=2**24,
        description="most gas one transaction may carry (EIP-7825: 2**24); lower it for a node with a lower cap",
    )

    receipt_timeout_seconds: float = Field(default=120.0, gt=0)
    receipt_poll_seconds: float = Field(
        default=0.25,
        gt=0,
        description="longest wait between receipt polls: the first waits 2 ms, each next one doubles up to this cap",
    )
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    deployment_check_seconds: float = Field(
        default=2.0,
        ge=0,
        description="seconds a check that the chain still holds the deployment (block hash, code) is reused",
    )
    batch_size: int = Field(default=500, ge=1, le=2000, description="max certificates per issueBatch")
    max_batch_inputs: int = Field(default=100_000, ge=1, description="max inputs of one issue_many call")

    block_mode: Literal["realtime", "instant", "interval"] = Field(
        default="realtime",
        description="embedded durable node: realtime (block time within max_block_drift_seconds of the "
        "clock; transactions share blocks under load), instant (one block per transaction; tests), interval",
    )
    max_block_drift_seconds: int = Field(
        default=2, ge=0, le=3600, description="realtime mode: how far block time may run ahead of the clock"
    )

    eth_hash_backend: Literal["pysha3", "pycryptodome", "auto"] = "pysha3"

    def apply_environment(self) -> None:
        """Select the keccak backend (``ETH_HASH_BACKEND``) unless the process already chose one."""
        if self.eth_hash_backend != "auto":
            os.environ.setdefault("ETH_HASH_BACKEND", self.eth_hash_backend)

    def signer_password(self) -> str:
        """The keystore password, from ``keystore_password`` or ``keystore_password_file``."""
        if self.keystore_password is not None:
            return self.keystore_password.get_secret_value()
        if self.keystore_password_file is not None:
            try:
                return self.keystore_password_file.read_text().rstrip("\r\n")
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot read keystore password file {self.keystore_password_file}: {exc.strerror}"
                ) from exc
        raise ConfigurationError(
            "a keystore is configured but no password: set AEO_LEDGER_KEYSTORE_PASSWORD_FILE "
            "(preferred) or AEO_LEDGER_KEYSTORE_PASSWORD"
        )

    def manifest_path(self, name: str | None = None) -> Path:
        """Path of the deployment manifest ``deployments/<name>.json``."""
        return self.deployments_dir / f"{name or self.deployment}.json"
