"""What ``consortium init`` is asked for, validated before any file is written: :class:`KitOptions`."""

from __future__ import annotations

import ipaddress
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from ledger_client.artifacts import load_artifact
from ledger_client.consortium.errors import (
    DuplicateValidatorError,
    KitOptionError,
    TooFewValidatorsError,
    UnknownAdministrationCodeError,
)
from ledger_client.validation import code as validate_code

#: QBFT tolerates f faulty validators out of n when n >= 3f + 1: four is the smallest useful network.
MIN_VALIDATORS = 4
#: The EIP-170 limit every public EVM chain (and anvil) applies by default.
EIP170_CONTRACT_SIZE_LIMIT = 24_576
#: The largest gas limit tools accept (Hardhat's and Besu's free-gas recommendation).
FREE_GAS_BLOCK_GAS_LIMIT = 0x1FFFFFFFFFFFFF
#: Besu release the kit is written for (QBFT, Cancun, ``zeroBaseFee``; no Tessera, no on-chain permissioning).
DEFAULT_BESU_IMAGE = "hyperledger/besu:25.11.0"
DEFAULT_GATEWAY_IMAGE = "aeo-ledger:0.1.0"
#: The contract the gateways use; its deployed bytecode must fit ``contractSizeLimit``.
LEDGER_CONTRACT = "AeoLedger"


def deployed_size(contract: str = LEDGER_CONTRACT) -> int:
    """Size in bytes of the contract's deployed (runtime) bytecode, from the committed artifact."""
    bytecode = load_artifact(contract).deployed_bytecode
    return len(bytes.fromhex(bytecode.removeprefix("0x")))


def country_name(code: str) -> str:
    """The ISO 3166-1 short name of ``code`` (``"CR"`` → ``"Costa Rica"``)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise UnknownAdministrationCodeError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return str(getattr(country, "common_name", None) or country.name)


def parse_validators(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"CL,CO,CR,MX,PE"`` → ``("CL", "CO", "CR", "MX", "PE")``: known codes, no duplicates, at least 4."""
    items = text.split(",") if isinstance(text, str) else list(text)
    codes = [item.strip().upper() for item in items if item.strip()]
    for item in codes:
        validate_code(item, "validator code")
        country_name(item)
    duplicates = sorted(c for c, n in Counter(codes).items() if n > 1)
    if duplicates:
        raise DuplicateValidatorError(f"validator {', '.join(duplicates)} listed more than once")
    if len(codes) < MIN_VALIDATORS:
        listing = ", ".join(codes) if codes else "none"
        raise TooFewValidatorsError(
            f"QBFT needs at least {MIN_VALIDATORS} validators, got {len(codes)} ({listing}): with n validators "
            f"it keeps producing blocks only while more than 2/3 of them are up (n >= 3f + 1 for f faulty), "
            f"so 4 is the smallest network that survives one validator down"
        )
    return tuple(codes)


@dataclass(frozen=True)
class KitOptions:
    """Every choice of the generated network; :meth:`validate` checks them together."""

    validators: tuple[str, ...]
    out: Path
    chain_id: int = 2026
    block_period_seconds: int = 2
    request_timeout_seconds: int = 4
    epoch_length: int = 30_000
    contract_size_limit: int = EIP170_CONTRACT_SIZE_LIMIT
    gas_limit: int = FREE_GAS_BLOCK_GAS_LIMIT
    p2p_base_port: int = 30303
    rpc_base_port: int = 8545
    gateway_base_port: int = 8001
    subnet: str = "172.16.239.0/24"
    besu_image: str = DEFAULT_BESU_IMAGE
    gateway_image: str = DEFAULT_GATEWAY_IMAGE
    deployment: str = "consortium"
    force: bool = False
    reserve_wei: int = field(default=10**24)
    """Balance allocated in genesis to governance and each administration's signer (gas is free; the
    reserve only matters if the consortium ever prices gas)."""

    def validate(self) -> KitOptions:
        """Check the options; return self."""
        parse_validators(self.validators)
        self._validate_chain()
        self._validate_ports()
        self._validate_names()
        return self

    def _validate_chain(self) -> None:
        """Chain id, QBFT timing, contract size and block gas limit."""
        if not 1 <= self.chain_id < 2**53:
            raise KitOptionError(f"chain id must be between 1 and 2^53 - 1, got {self.chain_id}")
        if self.block_period_seconds < 1:
            raise KitOptionError(f"block period must be at least 1 second, got {self.block_period_seconds}")
        if self.request_timeout_seconds <= self.block_period_seconds:
            raise KitOptionError(
                f"request timeout ({self.request_timeout_seconds} s) must exceed the block period "
                f"({self.block_period_seconds} s), or rounds change before a proposer can produce a block"
            )
        if self.epoch_length < 1:
            raise KitOptionError(f"epoch length must be positive, got {self.epoch_length}")
        needed = deployed_size()
        if not needed <= self.contract_size_limit <= 2**31 - 1:
            raise KitOptionError(
                f"contract size limit {self.contract_size_limit} does not fit {LEDGER_CONTRACT}, whose deployed "
                f"bytecode is {needed} bytes (allowed: {needed}..{2**31 - 1})"
            )
        if not 5_000_000 <= self.gas_limit <= FREE_GAS_BLOCK_GAS_LIMIT:
            raise KitOptionError(f"block gas limit must be 5,000,000..{FREE_GAS_BLOCK_GAS_LIMIT}, got {self.gas_limit}")

    def _validate_ports(self) -> None:
        """Base ports with room for every node, ranges apart, a private subnet large enough."""
        count = len(self.validators)
        bases = {"p2p": self.p2p_base_port, "rpc": self.rpc_base_port, "gateway": self.gateway_base_port}
        for name, base in bases.items():
            if not 1024 <= base <= 65535 - count:
                raise KitOptionError(f"{name} base port {base} leaves no room for {count} nodes below 65536")
        ranges = sorted((base, base + count - 1, name) for name, base in bases.items())
        for (_, end, first), (start, _, second) in itertools.pairwise(ranges):
            if start <= end:
                raise KitOptionError(f"{first} and {second} port ranges overlap")
        try:
            network = ipaddress.IPv4Network(self.subnet)
        except ValueError as exc:
            raise KitOptionError(f"subnet {self.subnet!r} is not an IPv4 network: {exc}") from None
        if not network.is_private or network.num_addresses < count + 16:
            raise KitOptionError(f"subnet {self.subnet} must be a private IPv4 range with room for {count} nodes")

    def _validate_names(self) -> None:
        """The deployment name and the genesis reserve."""
        if not self.deployment or not self.deployment.replace("-", "").replace("_", "").isalnum():
            raise KitOptionError(f"deployment name {self.deployment!r} must be letters, digits, '-' or '_'")
        if self.reserve_wei < 0:
            raise KitOptionError("reserve balance cannot be negative")
