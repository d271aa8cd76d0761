"""Local signers: keys never leave the process (eth-account signs, the node only relays).

A signer comes from an encrypted keystore JSON (Web3 Secret Storage, as written by geth, Besu's
``ethsigner``, MetaMask exports or :func:`write_keystore`) with its password, or, for
development, from a raw hex key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import PrivateKey
from eth_typing import Hash32

from ledger_client.errors import ConfigurationError
from ledger_client.settings import Settings


class Signer:
    """An account that signs transactions locally.

    Attributes:
        address: the checksummed address.
    """

    __slots__ = ("_account", "address")

    def __init__(self, account: LocalAccount) -> None:
        self._account = account
        self.address: str = account.address

    def __repr__(self) -> str:
        return f"Signer({self.address})"

    @classmethod
    def from_key(cls, private_key: str | bytes) -> Signer:
        """A signer from a raw private key (hex or 32 bytes). Development only."""
        try:
            return cls(Account.from_key(private_key))
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"invalid private key: {exc}") from None

    @classmethod
    def from_keystore(cls, path: str | os.PathLike[str], password: str) -> Signer:
        """A signer from an encrypted keystore JSON file."""
        keystore_path = Path(path)
        try:
            keystore = json.loads(keystore_path.read_text())
        except OSError as exc:
            raise ConfigurationError(f"cannot read keystore {keystore_path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"keystore {keystore_path} is not JSON: {exc.msg}") from exc
        return cls.from_keystore_json(keystore, password, source=str(keystore_path))

    @classmethod
    def from_keystore_json(cls, keystore: Mapping[str, Any], password: str, source: str = "keystore") -> Signer:
        """A signer from a decoded keystore document."""
        try:
            key = Account.decrypt(dict(keystore), password)
        except ValueError as exc:
            raise ConfigurationError(f"cannot decrypt {source}: {exc} (wrong password?)") from None
        except (KeyError, TypeError) as exc:
            raise ConfigurationError(f"{source} is not a valid keystore: missing {exc}") from None
        return cls(Account.from_key(key))

    @classmethod
    def create(cls) -> Signer:
        """A fresh random signer (tests, demos)."""
        return cls(Account.create())

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes:
        """Sign a transaction dict; return the raw signed bytes for ``eth_sendRawTransaction``."""
        signed = self._account.sign_transaction(dict(transaction))
        return bytes(signed.raw_transaction)

    def sign_typed_data(self, typed_data: Mapping[str, Any]) -> bytes:
        """Sign EIP-712 typed data (``types``, ``primaryType``, ``domain``, ``message``); return r ‖ s ‖ v."""
        signed = self._account.sign_typed_data(full_message=dict(typed_data))
        return bytes(signed.signature)

    def sign_digest(self, digest: bytes) -> bytes:
        """An ECDSA secp256k1 signature of a 32-byte ``digest``: ``r || s`` (64 bytes, low-s), as ES256K
        (RFC 8812) carries it. The key stays in eth-account; only the signature leaves."""
        if len(digest) != 32:
            raise ValueError(f"a digest has 32 bytes, got {len(digest)}")
        signed = self._account.unsafe_sign_hash(Hash32(digest))
        return int(signed.r).to_bytes(32, "big") + int(signed.s).to_bytes(32, "big")

    def public_key(self) -> bytes:
        """The uncompressed secp256k1 public key without its prefix: ``x || y`` (64 bytes)."""
        return bytes(PrivateKey(self._account.key).public_key.to_bytes())

    def keystore_json(self, password: str, iterations: int | None = None) -> dict[str, Any]:
        """This key as an encrypted keystore document (scrypt unless ``iterations`` is given for pbkdf2)."""
        if iterations is None:
            return dict(Account.encrypt(self._account.key, password))
        return dict(Account.encrypt(self._account.key, password, kdf="pbkdf2", iterations=iterations))


def write_keystore(signer: Signer, path: str | os.PathLike[str], password: str) -> Path:
    """Write ``signer`` as an encrypted keystore JSON file readable only by its owner."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(signer.keystore_json(password), handle)
    return target


def load_signer(settings: Settings) -> Signer | None:
    """The signer configured in ``settings`` (keystore preferred), or None for read-only use."""
    if settings.keystore is not None:
        return Signer.from_keystore(settings.keystore, settings.signer_password())
    if settings.private_key is not None:
        return Signer.from_key(settings.private_key.get_secret_value())
    return None


def development_signers(count: int = 10, mnemonic: str | None = None) -> list[Signer]:
    """The first ``count`` accounts of a BIP-39 ``mnemonic`` at Hardhat/anvil's derivation path.

    By default the well-known test mnemonic (``test test … junk``) whose accounts anvil, Hardhat
    and the embedded durable node (``aeo-ledger node``) fund: for development against those
    nodes only — anyone knows these keys.
    """
    from ledger_client.node.accounts import derive_accounts
    from ledger_client.node.config import DEFAULT_HD_PATH, DEFAULT_MNEMONIC

    if count < 1:
        raise ConfigurationError(f"development_signers needs count >= 1, got {count}")
    accounts = derive_accounts(mnemonic or DEFAULT_MNEMONIC, count, DEFAULT_HD_PATH)
    return [Signer.from_key(account.private_key) for account in accounts]
