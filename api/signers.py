"""Which key signs an administration's writes: the :class:`SignerRegistry`.

Each administration's signer is an encrypted keystore ``<keystores>/<CODE>.json`` whose password
is in ``<keystores>/<CODE>.password`` (or one shared ``<keystores>/password`` file). The
consortium governance key is ``<keystores>/governance.json`` likewise; on the embedded chain it
defaults to the deployer (development account 0). Keystores are decrypted once and cached until
the file changes, so an administration rotates its key by replacing the file (after adding the
new address with ``POST /v1/administrations/{code}/signers``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ledger_client.errors import ConfigurationError
from ledger_client.signers import Signer, write_keystore
from ledger_client.validation import code as validate_code

GOVERNANCE = "governance"
SHARED_PASSWORD_FILE = "password"


class SignerUnavailableError(ConfigurationError):
    """No usable signing key is configured for this administration (or for governance)."""


@dataclass(frozen=True)
class _Cached:
    signer: Signer
    mtime_ns: int


class SignerRegistry:
    """Administration code → :class:`~ledger_client.signers.Signer` (thread-safe).

    Args:
        directory: the keystores directory (None: only signers given to :meth:`register`).
        governance: the governance signer used when no ``governance.json`` keystore exists.
        only: a gateway's administration: no other administration's key (nor governance's) is
            ever loaded; asking for one raises :class:`SignerUnavailableError`.
    """

    def __init__(self, directory: Path | None, *, governance: Signer | None = None, only: str | None = None) -> None:
        self._directory = directory
        self._governance = None if only is not None else governance
        self._only = only
        self._fixed: dict[str, Signer] = {}
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path | None:
        """The keystores directory."""
        return self._directory

    @staticmethod
    def keystore_path(directory: Path, name: str) -> Path:
        """``<directory>/<CODE>.json`` (or ``governance.json``)."""
        return directory / f"{name}.json"

    @staticmethod
    def password_path(directory: Path, name: str) -> Path:
        """``<directory>/<CODE>.password`` (or ``governance.password``)."""
        return directory / f"{name}.password"

    def register(self, code: str, signer: Signer) -> None:
        """Use ``signer`` for ``code`` (tests and in-memory demos; takes precedence over keystores)."""
        name = GOVERNANCE if code == GOVERNANCE else validate_code(code)
        with self._lock:
            self._fixed[name] = signer

    def signer_for(self, code: str) -> Signer:
        """The signer of administration ``code``; :class:`SignerUnavailableError` when none is configured."""
        return self._resolve(validate_code(code))

    def governance(self) -> Signer:
        """The consortium governance signer."""
        return self._resolve(GOVERNANCE)

    def has_signer(self, code: str) -> bool:
        """Whether a signer is configured for ``code`` (without decrypting anything)."""
        if self._only is not None and code != self._only:
            return False
        if code in self._fixed or (code == GOVERNANCE and self._governance is not None):
            return True
        return self._directory is not None and self.keystore_path(self._directory, code).exists()

    def save(self, code: str, signer: Signer, password: str) -> Path:
        """Write ``signer`` as ``<CODE>.json`` with its password file (both owner-only); return the keystore path."""
        if self._directory is None:
            raise SignerUnavailableError("this signer registry has no keystores directory")
        name = GOVERNANCE if code == GOVERNANCE else validate_code(code)
        if self._only is not None and name != self._only:
            raise SignerUnavailableError(
                f"this gateway serves administration {self._only} only: it keeps no {name} key"
            )
        path = write_keystore(signer, self.keystore_path(self._directory, name), password)
        secret = self.password_path(self._directory, name)
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        with self._lock:
            self._cache.pop(name, None)
        return path

    @property
    def only(self) -> str | None:
        """The one administration of a gateway's registry (None: any administration)."""
        return self._only

    def _resolve(self, name: str) -> Signer:
        if self._only is not None and name != self._only:
            what = "the governance key" if name == GOVERNANCE else f"administration {name}'s key"
            raise SignerUnavailableError(
                f"this gateway serves administration {self._only} only: it holds no signing key for {what}"
            )
        with self._lock:
            fixed = self._fixed.get(name)
            if fixed is not None:
                return fixed
            loaded = self._load(name)
            if loaded is not None:
                return loaded
        if name == GOVERNANCE and self._governance is not None:
            return self._governance
        where = "no keystores directory" if self._directory is None else f"{self.keystore_path(self._directory, name)}"
        what = "the governance key" if name == GOVERNANCE else f"administration {name}"
        raise SignerUnavailableError(f"no signing key is configured for {what} ({where})")

    def _load(self, name: str) -> Signer | None:
        if self._directory is None:
            return None
        path = self.keystore_path(self._directory, name)
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            self._cache.pop(name, None)
            return None
        cached = self._cache.get(name)
        if cached is not None and cached.mtime_ns == mtime:
            return cached.signer
        signer = Signer.from_keystore(path, self._password(name))
        self._cache[name] = _Cached(signer, mtime)
        return signer

    def _password(self, name: str) -> str:
        assert self._directory is not None
        for candidate in (self.password_path(self._directory, name), self._directory / SHARED_PASSWORD_FILE):
            try:
                return candidate.read_text().rstrip("\r\n")
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise SignerUnavailableError(f"cannot read {candidate}: {exc.strerror}") from exc
        raise SignerUnavailableError(
            f"no password file for the {name} keystore: write {self.password_path(self._directory, name)} "
            f"or {self._directory / SHARED_PASSWORD_FILE}"
        )
