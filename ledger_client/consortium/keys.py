"""secp256k1 keys of the kit: Besu node keys (= QBFT validator addresses) and account keys.

Every key is stored encrypted as an eth-account keystore (scrypt) beside a generated password
file. A Besu node reads its key only as a raw hex file (``--node-private-key-file``), so the kit
also writes that file, mode 0600, for the node; the runbook explains the trade-off and how to
keep only the keystore at rest (:func:`write_raw_key` recreates the raw file from it).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_keys import keys  # type: ignore[attr-defined]

from ledger_client.errors import ConfigurationError
from ledger_client.signers import Signer, write_keystore

#: Bytes of entropy of a generated keystore password (43 URL-safe characters).
PASSWORD_BYTES = 32


@dataclass(frozen=True)
class NodeKey:
    """A Besu node key: its address is the validator address, its public key the enode id."""

    private_key: bytes

    @classmethod
    def generate(cls) -> NodeKey:
        """A fresh random key."""
        return cls(keys.PrivateKey(secrets.token_bytes(32)).to_bytes())

    @property
    def public_key(self) -> bytes:
        """The 64-byte uncompressed public key (without the 0x04 prefix), as enode URLs carry it."""
        return bytes(keys.PrivateKey(self.private_key).public_key.to_bytes())

    @property
    def address(self) -> str:
        """The checksummed address (the validator address in QBFT)."""
        return str(keys.PrivateKey(self.private_key).public_key.to_checksum_address())

    def enode(self, host: str, port: int) -> str:
        """``enode://<public key hex>@host:port`` (discovery on the same port)."""
        return f"enode://{self.public_key.hex()}@{host}:{port}"

    def signer(self) -> Signer:
        """The same key as a transaction signer (a validator voting from a script)."""
        return Signer.from_key(self.private_key)


def generate_password() -> str:
    """A random keystore password."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def _write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def write_encrypted(signer: Signer, keystore: Path, password_file: Path) -> None:
    """The key as an encrypted keystore plus its generated password file (both mode 0600)."""
    password = generate_password()
    write_keystore(signer, keystore, password)
    _write_private(password_file, password + "\n")


def read_encrypted(keystore: Path, password_file: Path) -> bytes:
    """The raw private key of a keystore written by :func:`write_encrypted`."""
    try:
        password = password_file.read_text().rstrip("\r\n")
        text = keystore.read_text()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    try:
        return bytes(Account.decrypt(text, password))
    except ValueError as exc:
        raise ConfigurationError(f"cannot decrypt {keystore}: {exc} (wrong password file?)") from None


def write_raw_key(private_key: bytes, path: Path) -> Path:
    """Besu's ``key`` file: ``0x`` + 64 hex digits, mode 0600."""
    return _write_private(path, "0x" + private_key.hex())


def read_raw_key(path: Path) -> bytes:
    """The private key of a Besu ``key`` file."""
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read node key {path}: {exc.strerror}") from exc
    try:
        key = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise ConfigurationError(f"node key {path} is not hex") from None
    if len(key) != 32:
        raise ConfigurationError(f"node key {path} is {len(key)} bytes, expected 32")
    return key
