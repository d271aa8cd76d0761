"""Back up a gateway's state while it runs, and restore it into an empty directory.

A backup is one ``tar.gz`` file (mode 0600: it holds token hashes and webhook secrets) with:

- ``manifest.json``: format, creation time, and each file's size and sha256;
- ``tokens.sqlite``, ``idempotency.sqlite``, ``webhooks.sqlite``, ``agency-reads.sqlite``: each
  copied with SQLite's online backup API (a consistent snapshot while the gateway writes);
- ``documents/``: the certificates' canonical documents;
- ``keystores/*.json``: the signer keystores, copied as they are (still encrypted); their
  ``.password`` files only with ``include_passwords`` (keep them apart from the backup otherwise);
- ``deployments/*.json``: the deployment manifests kept in the state directory;
- ``envelopes.sqlite``, ``received-envelopes.sqlite``: the envelope exchange's stores (online backup API);
  ``exchange/keys/``: the X25519 exchange keys (not encrypted) only with ``include_passwords`` — without
  them a restored gateway makes and publishes a new key, and issuers re-encrypt to it.

The index is not backed up: a restored gateway rebuilds it from the chain. Nor is the chain: it
is the network's (each node keeps it; the embedded node's journal is not a gateway's state).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from api.config import ApiSettings
from ledger_client.errors import LedgerValueError

FORMAT = "aeo-ledger-gateway-backup/1"
MANIFEST = "manifest.json"
_DIRECTORIES = ("documents", "keystores", "deployments", "exchange")


class BackupError(LedgerValueError):
    """A backup cannot be written or read, or a restore target is not empty."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore wrote: archive names and their sizes in bytes."""

    files: dict[str, int]


def _stores(settings: ApiSettings) -> dict[str, Path]:
    return {
        "tokens.sqlite": settings.tokens_file(),
        "idempotency.sqlite": settings.idempotency_file(),
        "webhooks.sqlite": settings.webhooks_file(),
        "agency-reads.sqlite": settings.agency_reads_file(),
        "envelopes.sqlite": settings.envelopes_file(),
        "received-envelopes.sqlite": settings.received_envelopes_file(),
    }


def _snapshot(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into ``target`` (consistent while others write)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(settings: ApiSettings, target: Path, *, include_passwords: bool = False) -> BackupReport:
    """Write the gateway state that ``settings`` points at to ``target`` (see the module docstring)."""
    state = settings.state_directory()
    if not state.is_dir():
        raise BackupError(f"no gateway state in {state}")
    members: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="aeo-backup-") as scratch:
        for name, path in _stores(settings).items():
            if path.exists():
                copy = Path(scratch) / name
                _snapshot(path, copy)
                members[name] = copy
        for directory in _DIRECTORIES:
            root = state / directory
            if not root.is_dir():
                continue
            for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
                if path.suffix == ".password" and not include_passwords:
                    continue
                if directory == "exchange" and not include_passwords:
                    continue  # the X25519 private keys are not encrypted: like the passwords, on request only
                members[path.relative_to(state).as_posix()] = path
        files: dict[str, dict[str, object]] = {
            name: {"size": p.stat().st_size, "sha256": _sha256(p)} for name, p in members.items()
        }
        manifest = {"format": FORMAT, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "files": files}
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(time.time())
            archive.addfile(info, io.BytesIO(body))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False)
        os.replace(partial, target)
    return BackupReport({name: int(str(entry["size"])) for name, entry in files.items()})


def restore(source: Path, directory: Path) -> BackupReport:
    """Unpack the backup ``source`` into ``directory`` (absent or empty), checking every file's sha256."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: restore into a new or empty directory")
    try:
        archive = tarfile.open(source, mode="r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read the backup {source}: {exc}") from exc
    with archive:
        try:
            manifest_member = archive.extractfile(MANIFEST)
        except KeyError:
            manifest_member = None
        if manifest_member is None:
            raise BackupError(f"{source} is not an aeo-ledger gateway backup (no {MANIFEST})")
        manifest = json.loads(manifest_member.read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{source} has format {manifest.get('format')!r}, expected {FORMAT!r}")
        files: dict[str, dict[str, object]] = manifest["files"]
        directory.mkdir(parents=True, exist_ok=True)
        archive.extractall(directory, members=[m for m in archive.getmembers() if m.name in files], filter="data")
    for name, entry in files.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{name} in {source} does not match its manifest: the backup is damaged")
        if path.suffix in (".sqlite", ".password", ".key") or name.startswith(("keystores/", "exchange/")):
            path.chmod(0o600)
    keys = directory / "exchange" / "keys"
    if keys.is_dir():
        keys.chmod(0o700)
    return BackupReport({name: int(str(entry["size"])) for name, entry in files.items()})
