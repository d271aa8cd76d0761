"""The off-chain document store: ``<data_dir>/documents/<certificate id hex>.json``.

Each file holds a certificate's *current* document as canonical JSON (RFC 8785), the exact bytes
whose keccak-256 is the on-chain document hash, so a verifier can POST the file unchanged. File
names are the 32-byte certificate id as 64 lower-case hex digits, without ``0x``. Writes are
atomic (temporary file + rename): a reader never sees half a document.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ledger_client.documents import CertificateDocument

DOCUMENTS_DIR = "documents"


def documents_directory(data_dir: str | os.PathLike[str]) -> Path:
    """``<data_dir>/documents``."""
    return Path(data_dir) / DOCUMENTS_DIR


class DocumentStore:
    """Certificate documents kept next to the chain, one canonical JSON file per certificate.

    Args:
        data_dir: the data directory; documents live in its ``documents/`` subdirectory.
    """

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.directory = documents_directory(data_dir)
        self._created = False

    def path(self, certificate_id: bytes) -> Path:
        """Where the document of ``certificate_id`` is (or would be) stored."""
        if len(certificate_id) != 32:
            raise ValueError(f"a certificate id has 32 bytes, got {len(certificate_id)}")
        return self.directory / f"{certificate_id.hex()}.json"

    def has(self, certificate_id: bytes) -> bool:
        """Whether a document of ``certificate_id`` is stored."""
        return self.path(certificate_id).is_file()

    def write(self, certificate_id: bytes, canonical_json: bytes) -> Path:
        """Store ``canonical_json`` as the current document of ``certificate_id`` (atomic replace)."""
        if not self._created:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._created = True  # a benign race between writer threads: mkdir is idempotent
        target = self.path(certificate_id)
        # A temporary name of this process and thread only (tempfile.mkstemp costs ~0.7 ms a file
        # here, most of an import's document writing); a leftover of a crashed run is replaced.
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, canonical_json)
            finally:
                os.close(fd)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return target

    def write_document(self, document: CertificateDocument) -> Path:
        """Store ``document`` under its certificate id."""
        return self.write(document.certificate_id(), document.canonical_json())

    def read_bytes(self, certificate_id: bytes) -> bytes:
        """The stored canonical JSON of ``certificate_id`` (:class:`FileNotFoundError` when absent)."""
        return self.path(certificate_id).read_bytes()

    def read(self, certificate_id: bytes) -> CertificateDocument:
        """The stored document of ``certificate_id``, parsed and validated."""
        return CertificateDocument.parse(self.read_bytes(certificate_id))
