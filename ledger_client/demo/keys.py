"""The demo administrations' signing keys: derived from the seed, kept as encrypted keystores.

``<data_dir>/keystores/<CODE>.json`` is a Web3 Secret Storage keystore and
``<data_dir>/keystores/<CODE>.password`` its password (random, no trailing newline); both files
are created with mode 0600. The API and ``aeo-ledger import`` load the signers from there. A key
is derived as ``keccak("aeo-ledger demo key|<seed>|<CODE>")`` so a seed always yields the same
network; an existing keystore is always reused, never replaced.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_utils.crypto import keccak

from ledger_client.errors import ConfigurationError
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer

KEYSTORES_DIR = "keystores"
#: pbkdf2 rounds of the demo keystores (decrypting takes ~0.1 s; scrypt would take ~1 s each).
KDF_ITERATIONS = 262_144
#: Balance given to each administration's account when it holds less than half of it.
FUNDING_WEI = 100 * 10**18
_TRANSFER_GAS = 21_000


@dataclass(frozen=True)
class KeystoreFiles:
    """Where one administration's signer is kept."""

    keystore: Path
    password: Path


def keystore_files(data_dir: str | os.PathLike[str], code: str) -> KeystoreFiles:
    """``<data_dir>/keystores/<CODE>.json`` and ``.password``."""
    directory = Path(data_dir) / KEYSTORES_DIR
    return KeystoreFiles(directory / f"{code}.json", directory / f"{code}.password")


def derive_signer(seed: int, code: str) -> Signer:
    """The demo signer of administration ``code`` for ``seed``."""
    return Signer.from_key(keccak(f"aeo-ledger demo key|{seed}|{code}".encode()))


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def ensure_signer(
    data_dir: str | os.PathLike[str], code: str, seed: int, iterations: int | None = KDF_ITERATIONS
) -> Signer:
    """The signer of ``code``: loaded from its keystore, or derived from ``seed`` and written there.

    ``iterations`` are the pbkdf2 rounds of a new keystore (None: scrypt, slower to open).
    """
    files = keystore_files(data_dir, code)
    if files.keystore.exists():
        if not files.password.exists():
            raise ConfigurationError(
                f"keystore {files.keystore} exists but its password file {files.password} does not"
            )
        return Signer.from_keystore(files.keystore, files.password.read_text(encoding="utf-8").rstrip("\r\n"))
    signer = derive_signer(seed, code)
    password = secrets.token_urlsafe(24)
    _write_secret(files.password, password)
    temporary = files.keystore.with_suffix(".json.tmp")
    _write_secret(temporary, json.dumps(signer.keystore_json(password, iterations=iterations)))
    temporary.replace(files.keystore)
    return signer


def fund(ledger: Ledger, funder: Signer, address: str, amount: int = FUNDING_WEI) -> bool:
    """Top ``address`` up to ``amount`` wei from ``funder`` when it holds less than half; True if sent.

    A plain value transfer signed locally (the library's sender only makes contract calls).
    """
    if ledger.chain.balance(address) >= amount // 2:
        return False
    sender = ledger.context.sender
    fees = sender.fees.current()
    with sender.nonces.for_address(funder.address).reserve() as nonce:
        transaction: dict[str, object] = {
            "chainId": ledger.chain.chain_id,
            "nonce": nonce,
            "gas": _TRANSFER_GAS,
            "to": address,
            "value": amount,
            "data": b"",
            **fees.transaction_fields(),
        }
        tx_hash = ledger.chain.send_raw(funder.sign_transaction(transaction))
    receipt = ledger.chain.wait_for_receipt(tx_hash)
    if receipt.status != 1:
        raise ConfigurationError(f"funding {address} from {funder.address} failed (transaction 0x{tx_hash.hex()})")
    return True
