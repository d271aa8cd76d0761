"""The gateway's X25519 exchange keys: ``<state>/exchange/keys/<public key hex>.key``.

Each file holds one private key (64 hex digits), written once with mode 0600 (owner read/write
only) in a directory of mode 0700; a key whose file is readable by group or others is refused.
``current`` names the key the gateway publishes on-chain. A rotation writes a new key and moves
``current``; old keys stay, so envelopes sealed to them before the rotation still open.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from ledger_client.exchange.errors import ExchangeKeyError
from ledger_client.exchange.sealing import KEY_LENGTH, new_private_key, public_key_of

KEYS_DIR = Path("exchange") / "keys"
CURRENT = "current"


class KeyRing:
    """The exchange keys of one gateway (``state`` is its state directory)."""

    def __init__(self, state: str | os.PathLike[str]) -> None:
        self.directory = Path(state) / KEYS_DIR
        self._lock = threading.Lock()
        self._cache: dict[bytes, bytes] = {}

    def current_public_key(self) -> bytes | None:
        """The public key of the current key, or ``None`` before :meth:`ensure`."""
        marker = self.directory / CURRENT
        if not marker.is_file():
            return None
        public = bytes.fromhex(marker.read_text().strip())
        self.private_key(public)  # the file must be there and private
        return public

    def ensure(self) -> bytes:
        """The current public key, creating the first key if there is none."""
        with self._lock:
            found = self.current_public_key()
            return found if found is not None else self._create()

    def rotate(self) -> bytes:
        """Make a new key the current one (the old ones are kept); return its public key."""
        with self._lock:
            return self._create()

    def private_key(self, public_key: bytes) -> bytes:
        """The private key of ``public_key`` (:class:`ExchangeKeyError` when this gateway has none)."""
        cached = self._cache.get(public_key)
        if cached is not None:
            return cached
        path = self.directory / f"{public_key.hex()}.key"
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ExchangeKeyError(f"this gateway holds no exchange key for public key {public_key.hex()}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ExchangeKeyError(f"{path} is readable by others (mode {stat.S_IMODE(mode):o}): chmod 600 it")
        private = bytes.fromhex(path.read_text().strip())
        if len(private) != KEY_LENGTH or public_key_of(private) != public_key:
            raise ExchangeKeyError(f"{path} does not hold the private key of {public_key.hex()}")
        self._cache[public_key] = private
        return private

    def _create(self) -> bytes:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        private = new_private_key()
        public = public_key_of(private)
        path = self.directory / f"{public.hex()}.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, private.hex().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary = self.directory / f".{CURRENT}.{os.getpid()}.tmp"
        temporary.write_text(public.hex())
        os.replace(temporary, self.directory / CURRENT)
        self._cache[public] = private
        return public
