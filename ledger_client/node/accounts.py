"""Deterministic development accounts derived from a BIP-39 mnemonic."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.hdaccount.deterministic import HDPath
from eth_account.hdaccount.mnemonic import Mnemonic
from eth_keys import keys  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DevAccount:
    """A funded development account: checksummed address and hex private key."""

    index: int
    address: str
    private_key: str


def derive_accounts(mnemonic: str, count: int, hd_path: str) -> tuple[DevAccount, ...]:
    """Derive ``count`` accounts at ``{hd_path}/{i}`` (Hardhat/Anvil compatible)."""
    seed = Mnemonic.to_seed(mnemonic, "")
    accounts = []
    for index in range(count):
        key_bytes = HDPath(f"{hd_path}/{index}").derive(seed)
        private_key = keys.PrivateKey(key_bytes)
        accounts.append(
            DevAccount(
                index=index,
                address=private_key.public_key.to_checksum_address(),
                private_key=private_key.to_hex(),
            )
        )
    return tuple(accounts)
